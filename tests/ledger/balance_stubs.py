"""Stripe's ``GET /v1/balance_transactions``, stubbed with ``responses`` (no network): realistic
balance transaction objects served in pages of ``page_size`` with ``has_more`` and
``starting_after``, or a failure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses
from django.core.cache import cache

API = "https://api.stripe.com/v1"
SECRET_KEY = "sk_test_51QbCanyonFakeKeyForTestsOnly000000000000000000"
CREATED = 1793534400  # 2026-11-01 12:00 UTC


def balance_txn(
    id_: str,
    source: str | None,
    amount: int,
    fee: int = 0,
    *,
    type_: str = "charge",
    currency: str = "usd",
    created: int = CREATED,
) -> dict[str, Any]:
    """A ``balance_transaction`` as Stripe's API returns it."""
    return {
        "id": id_,
        "object": "balance_transaction",
        "amount": amount,
        "available_on": created + 2 * 86400,
        "created": created,
        "currency": currency,
        "description": None,
        "exchange_rate": None,
        "fee": fee,
        "fee_details": (
            [{"amount": fee, "application": None, "currency": currency,
              "description": "Stripe processing fees", "type": "stripe_fee"}]
            if fee else []
        ),
        "net": amount - fee,
        "reporting_category": type_,
        "source": source,
        "status": "available",
        "type": type_,
    }  # fmt: skip


@dataclass
class BalanceStub:
    mock: responses.RequestsMock
    transactions: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 100
    failure: tuple[int, dict[str, Any]] | None = None

    def fail(self, status: int, message: str, kind: str = "api_error") -> None:
        self.failure = (status, {"error": {"message": message, "type": kind}})

    def queries(self) -> list[dict[str, str]]:
        return [dict(parse_qsl(urlsplit(c.request.url).query)) for c in self.mock.calls]


@pytest.fixture
def balance_stub(settings: Any) -> Iterator[BalanceStub]:
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    cache.clear()  # rate-limit counters outlive the test's transaction
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        stub = BalanceStub(mock)

        def answer(request: Any) -> tuple[int, dict[str, str], str]:
            if stub.failure is not None:
                status, body = stub.failure
                return status, {"request-id": "req_fail"}, json.dumps(body)
            query = dict(parse_qsl(urlsplit(request.url).query))
            ids = [txn["id"] for txn in stub.transactions]
            after = query.get("starting_after")
            start = ids.index(after) + 1 if after else 0
            size = min(int(query.get("limit", "10")), stub.page_size)
            page = stub.transactions[start : start + size]
            body = {
                "object": "list",
                "data": page,
                "has_more": start + size < len(ids),
                "url": "/v1/balance_transactions",
            }
            return 200, {"request-id": "req_list"}, json.dumps(body)

        mock.add_callback(responses.GET, f"{API}/balance_transactions", callback=answer)
        yield stub
    cache.clear()
