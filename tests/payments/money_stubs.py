"""Stripe's money objects for refund, dispute, payout and ledger tests — no network.

``money`` (fixture) extends ``stripe_checkout``: a PaymentIntent retrieve that expands
``latest_charge.balance_transaction`` (Stripe's fee: 175 on a $50.00 charge), refunds that honour
``amount`` and ``metadata`` and are idempotent per ``Idempotency-Key`` as Stripe is, and the
refund list of a charge. ``paid_stripe_order`` pays a $50.00 order (2 x $25.00, platform fee
$2.50) through a signed ``checkout.session.completed``.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest
import responses
from django.test import Client

from blackcanyon.core import clock, tenancy
from blackcanyon.core.tasks import run_pending
from blackcanyon.orders.models import Order
from blackcanyon.payments.models import PlatformFeeOverride
from blackcanyon.payments.stripe.checkout import stripe_checkout_start
from tests.payments.helpers import as_worker_role
from tests.payments.stripe_checkout_stubs import (
    CheckoutStub,
    Shop,
    deliver,
    event_object,
    pending_order,
    shop,
)
from tests.payments.stripe_stubs import API

STRIPE_FEE = 175  # 2.9 % + 30c of $50.00, as Stripe's balance transaction says


@dataclass
class MoneyStub:
    stub: CheckoutStub
    #: Stripe refunds by id, and the Idempotency-Key each was created with.
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    fee_available: bool = True
    fail_refunds_with: tuple[int, dict[str, Any]] | None = None

    def refund_calls(self) -> list[Any]:
        return self.stub.calls("POST", "/refunds")

    def charge_of(self, intent_id: str) -> str:
        return "ch_" + intent_id[3:]

    def charge_object(self, intent_id: str) -> dict[str, Any]:
        """The charge as a ``charge.refunded`` event carries it (API 2025: no ``refunds``)."""
        intent = self.stub.intents[intent_id]
        refunded = sum(
            r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent_id
        )
        return {
            "id": self.charge_of(intent_id),
            "object": "charge",
            "amount": intent["amount"],
            "amount_refunded": refunded,
            "balance_transaction": "txn_" + intent_id[3:],
            "currency": intent["currency"],
            "metadata": intent["metadata"],
            "payment_intent": intent_id,
            "refunded": refunded >= intent["amount"],
            "status": "succeeded",
        }

    def dashboard_refund(self, intent_id: str, amount: int) -> dict[str, Any]:
        """The organizer refunds in Stripe's dashboard (no metadata of ours)."""
        return self._refund(intent_id, amount, metadata={}, reason="requested_by_customer")

    def _refund(
        self, intent_id: str, amount: int, *, metadata: dict[str, str], reason: str | None
    ) -> dict[str, Any]:
        refund = {
            "id": f"re_3Q{secrets.token_hex(10)}",
            "object": "refund",
            "amount": amount,
            "balance_transaction": f"txn_{secrets.token_hex(8)}",
            "charge": self.charge_of(intent_id),
            "created": int(clock.now().timestamp()),
            "currency": self.stub.intents[intent_id]["currency"],
            "metadata": metadata,
            "payment_intent": intent_id,
            "reason": reason,
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        return refund


def _form(request: Any) -> dict[str, str]:
    body = request.body or ""
    return dict(parse_qsl(body if isinstance(body, str) else body.decode()))


def _json(status: int, body: dict[str, Any]) -> tuple[int, dict[str, str], str]:
    return status, {"request-id": f"req_{secrets.token_hex(6)}"}, json.dumps(body)


@pytest.fixture
def money(stripe_checkout: CheckoutStub) -> Iterator[MoneyStub]:
    m = MoneyStub(stripe_checkout)
    mock = stripe_checkout.mock

    def retrieve_intent(request: Any) -> Any:
        intent_id = request.url.split("?")[0].rsplit("/", 1)[1]
        intent = dict(stripe_checkout.intents[intent_id])
        if "expand" in request.url and intent["latest_charge"]:
            charge = m.charge_object(intent_id)
            charge["balance_transaction"] = (
                {
                    "id": charge["balance_transaction"],
                    "object": "balance_transaction",
                    "amount": intent["amount"],
                    "currency": intent["currency"],
                    "fee": STRIPE_FEE,
                    "net": intent["amount"] - STRIPE_FEE,
                    "source": charge["id"],
                    "type": "charge",
                }
                if m.fee_available
                else None
            )
            intent["latest_charge"] = charge
        return _json(200, intent)

    def create_refund(request: Any) -> Any:
        if m.fail_refunds_with is not None:
            return _json(*m.fail_refunds_with)
        params, key = _form(request), request.headers["Idempotency-Key"]
        if key in m.keys:  # Stripe answers a repeated key with the first refund
            return _json(200, m.refunds[m.keys[key]])
        metadata = {
            k[len("metadata[") : -1]: v for k, v in params.items() if k.startswith("metadata[")
        }
        intent_id = params["payment_intent"]
        amount = int(params.get("amount") or stripe_checkout.intents[intent_id]["amount"])
        refund = m._refund(intent_id, amount, metadata=metadata, reason=params.get("reason"))
        m.keys[key] = refund["id"]
        return _json(200, refund)

    def list_refunds(request: Any) -> Any:
        charge = dict(parse_qsl(request.url.split("?", 1)[1]))["charge"]
        data = [r for r in m.refunds.values() if r["charge"] == charge]
        return _json(200, {"object": "list", "data": data, "has_more": False, "url": "/v1/refunds"})

    mock.remove(responses.POST, f"{API}/refunds")
    mock.add_callback(responses.POST, f"{API}/refunds", callback=create_refund)
    mock.add_callback(responses.GET, re.compile(rf"{API}/refunds\?.*"), callback=list_refunds)
    mock.add_callback(
        responses.GET, re.compile(rf"{API}/payment_intents/pi_\w+"), callback=retrieve_intent
    )
    return m


def process() -> int:
    with as_worker_role():
        return run_pending()


def fee_shop(*, capacity: int = 10) -> Shop:
    """``shop()`` with a 5 % platform fee ($2.50 on $50.00)."""
    s = shop(capacity=capacity)
    with tenancy.for_organizer(s.event.organizer_id):
        PlatformFeeOverride.objects.create(
            organizer=s.event.organizer, currency="", percent_basis_points=500, fixed=0
        )
    return s


def paid_stripe_order(
    client: Client, m: MoneyStub, s: Shop, *, quantity: int = 2
) -> tuple[Order, str]:
    """An order paid on Stripe and confirmed by its signed webhook; returns it and its intent."""
    order = pending_order(s, quantity=quantity)
    checkout = stripe_checkout_start(order=order)
    session = m.stub.pay(checkout.session_id)
    deliver(client, event_object("checkout.session.completed", session))
    process()
    with tenancy.for_organizer(order.organizer_id):
        order.refresh_from_db()
    return order, session["payment_intent"]
