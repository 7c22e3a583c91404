"""Stripe's HTTP API, stubbed with ``responses`` (no network): realistic account and account link
objects, and a record of what our code sent.

The SDK is configured with ``stripe.RequestsClient`` (payments/stripe/client.py), so ``responses``
intercepts its calls — in the test's thread and in the live server's threads alike.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest
import responses

API = "https://api.stripe.com/v1"
ACCOUNT_ID = "acct_1QbCanyonTest0001"
LINK_URL = "https://connect.stripe.com/setup/e/acct_1QbCanyonTest0001/Zq7xK2mN9pLw"
SECRET_KEY = "sk_test_51QbCanyonFakeKeyForTestsOnly000000000000000000"


def account_object(
    account_id: str = ACCOUNT_ID,
    *,
    details_submitted: bool = False,
    charges_enabled: bool = False,
    payouts_enabled: bool = False,
    currently_due: list[str] | None = None,
    past_due: list[str] | None = None,
    disabled_reason: str | None = "requirements.past_due",
    email: str = "hello@organizer.example",
    country: str = "US",
) -> dict[str, Any]:
    """An Express account as Stripe returns it (trimmed to the parts that matter, same shape)."""
    due = (
        currently_due
        if currently_due is not None
        else ["business_type", "external_account", "tos_acceptance.date", "tos_acceptance.ip"]
    )
    return {
        "id": account_id,
        "object": "account",
        "business_profile": {"mcc": None, "name": "Canyon Shows", "url": None},
        "business_type": None,
        "capabilities": {
            "card_payments": "active" if charges_enabled else "inactive",
            "transfers": "active" if payouts_enabled else "inactive",
        },
        "charges_enabled": charges_enabled,
        "controller": {
            "fees": {"payer": "application_express"},
            "is_controller": True,
            "losses": {"payments": "application"},
            "requirement_collection": "stripe",
            "stripe_dashboard": {"type": "express"},
            "type": "application",
        },
        "country": country,
        "created": 1764201600,
        "default_currency": "usd",
        "details_submitted": details_submitted,
        "email": email,
        "external_accounts": {
            "object": "list",
            "data": [],
            "has_more": False,
            "total_count": 0,
            "url": f"/v1/accounts/{account_id}/external_accounts",
        },
        "future_requirements": {
            "alternatives": [],
            "current_deadline": None,
            "currently_due": [],
            "disabled_reason": None,
            "errors": [],
            "eventually_due": [],
            "past_due": [],
            "pending_verification": [],
        },
        "metadata": {"organizer_id": "1"},
        "payouts_enabled": payouts_enabled,
        "requirements": {
            "alternatives": [],
            "current_deadline": None,
            "currently_due": due,
            "disabled_reason": disabled_reason,
            "errors": [],
            "eventually_due": due,
            "past_due": past_due if past_due is not None else [],
            "pending_verification": [],
        },
        "settings": {"payouts": {"schedule": {"delay_days": 2, "interval": "daily"}}},
        "tos_acceptance": {"date": None},
        "type": "express",
    }


def enabled_account(account_id: str = ACCOUNT_ID) -> dict[str, Any]:
    return account_object(
        account_id,
        details_submitted=True,
        charges_enabled=True,
        payouts_enabled=True,
        currently_due=[],
        disabled_reason=None,
    )


def account_link_object(url: str = LINK_URL) -> dict[str, Any]:
    return {
        "object": "account_link",
        "created": 1764201700,
        "expires_at": 1764202000,
        "url": url,
    }


def stripe_error(message: str, *, kind: str = "invalid_request_error") -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": "parameter_invalid"}}


@dataclass
class StripeStub:
    """What the stubbed Stripe answers; change ``account`` to change what retrieve returns."""

    mock: responses.RequestsMock
    account: dict[str, Any] = field(default_factory=account_object)
    link_url: str = LINK_URL
    #: Make a call fail: ``{"create_account" | "retrieve_account" | "create_link": (status, body)}``
    failures: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)

    def answer(self, name: str, body: dict[str, Any]) -> tuple[int, dict[str, str], str]:
        status, payload = self.failures.get(name, (200, body))
        return status, {"request-id": f"req_{name}"}, json.dumps(payload)

    def fail(self, name: str, status: int, message: str, kind: str) -> None:
        self.failures[name] = (status, stripe_error(message, kind=kind))

    def calls(self, method: str, path: str) -> list[Any]:
        return [
            call
            for call in self.mock.calls
            if call.request.method == method and call.request.url.split("?")[0] == API + path
        ]

    @staticmethod
    def form(call: Any) -> dict[str, str]:
        """The form-encoded parameters of a call (``capabilities[transfers][requested]``...)."""
        body = call.request.body or ""
        return dict(parse_qsl(body if isinstance(body, str) else body.decode()))


@pytest.fixture
def stripe_stub(settings: Any) -> Iterator[StripeStub]:
    """Stripe enabled with a test key and its API stubbed: account create/retrieve and account
    links answer with realistic objects; any other Stripe URL fails the test."""
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        stub = StripeStub(mock)

        def create_account(request: Any) -> tuple[int, dict[str, str], str]:
            return stub.answer("create_account", stub.account)

        def retrieve_account(request: Any) -> tuple[int, dict[str, str], str]:
            return stub.answer("retrieve_account", stub.account)

        def create_link(request: Any) -> tuple[int, dict[str, str], str]:
            return stub.answer("create_link", account_link_object(stub.link_url))

        mock.add_callback(responses.POST, f"{API}/accounts", callback=create_account)
        mock.add_callback(
            responses.GET, re.compile(rf"{API}/accounts/acct_\w+$"), callback=retrieve_account
        )
        mock.add_callback(responses.POST, f"{API}/account_links", callback=create_link)
        yield stub
