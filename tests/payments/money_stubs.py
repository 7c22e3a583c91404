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
from urllib.parse import parse_qsl, unquote

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
    #: Transfer reversals and application fee refunds by PaymentIntent.
    reversals: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    fee_refunds: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

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
            "transfer": "tr_" + intent_id[3:] if intent.get("transfer_data") else None,
            "application_fee": (
                "fee_" + intent_id[3:] if intent.get("application_fee_amount") else None
            ),
        }

    def dashboard_refund(
        self, intent_id: str, amount: int, *, reverse_transfer: bool = False
    ) -> dict[str, Any]:
        """The organizer refunds in Stripe's dashboard (no metadata of ours); the dashboard
        reverses the transfer (and refunds the platform fee) only when asked to."""
        return self._refund(
            intent_id, amount, metadata={}, reason="requested_by_customer",
            reverse_transfer=reverse_transfer, refund_fee=reverse_transfer,
        )  # fmt: skip

    def transfer_object(self, intent_id: str) -> dict[str, Any] | None:
        """The destination charge's transfer to the connected account, with its reversals."""
        intent = self.stub.intents[intent_id]
        if not intent.get("transfer_data"):
            return None
        return {
            "id": "tr_" + intent_id[3:],
            "object": "transfer",
            "amount": intent["amount"],
            "amount_reversed": sum(r["amount"] for r in self.reversals.get(intent_id, [])),
            "created": int(clock.now().timestamp()),
            "currency": intent["currency"],
            "destination": intent["transfer_data"]["destination"],
            "reversals": _list(self.reversals.get(intent_id, []), "/v1/transfers/reversals"),
            "source_transaction": self.charge_of(intent_id),
        }

    def application_fee_object(self, intent_id: str) -> dict[str, Any] | None:
        """The platform fee Stripe took back from the connected account, with its refunds."""
        intent = self.stub.intents[intent_id]
        if not intent.get("application_fee_amount"):
            return None
        return {
            "id": "fee_" + intent_id[3:],
            "object": "application_fee",
            "amount": intent["application_fee_amount"],
            "amount_refunded": sum(r["amount"] for r in self.fee_refunds.get(intent_id, [])),
            "charge": self.charge_of(intent_id),
            "created": int(clock.now().timestamp()),
            "currency": intent["currency"],
            "refunds": _list(self.fee_refunds.get(intent_id, []), "/v1/application_fees/refunds"),
        }

    def _refund(
        self, intent_id: str, amount: int, *, metadata: dict[str, str], reason: str | None,
        reverse_transfer: bool = False, refund_fee: bool = False,
    ) -> dict[str, Any]:  # fmt: skip
        intent = self.stub.intents[intent_id]
        reversal = None
        if reverse_transfer and intent.get("transfer_data"):
            reversal = {
                "id": f"trr_1Q{secrets.token_hex(10)}",
                "object": "transfer_reversal",
                "amount": amount,  # the transfer was the whole charge
                "created": int(clock.now().timestamp()),
                "currency": intent["currency"],
                "transfer": "tr_" + intent_id[3:],
            }
            self.reversals.setdefault(intent_id, []).append(reversal)
        if refund_fee and intent.get("application_fee_amount"):
            fee = intent["application_fee_amount"]
            given = sum(r["amount"] for r in self.fee_refunds.get(intent_id, []))
            share = (fee * amount * 2 + intent["amount"]) // (intent["amount"] * 2)
            if min(share, fee - given) > 0:
                self.fee_refunds.setdefault(intent_id, []).append(
                    {
                        "id": f"fr_1Q{secrets.token_hex(10)}",
                        "object": "fee_refund",
                        "amount": min(share, fee - given),
                        "created": int(clock.now().timestamp()),
                        "currency": intent["currency"],
                        "fee": "fee_" + intent_id[3:],
                    }
                )
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
            "transfer_reversal": reversal["id"] if reversal else None,
        }
        self.refunds[refund["id"]] = refund
        return refund


def platform_balance_transactions(m: MoneyStub, intent_id: str) -> list[dict[str, Any]]:
    """What Stripe lists in the platform's balance for a destination charge and its refunds:
    the charge (with Stripe's fee), the transfer of the whole amount to the connected account,
    the application fee taken back; per refund the refund, and when it reversed the transfer
    the ``transfer_refund`` and the ``application_fee_refund``."""
    intent = m.stub.intents[intent_id]
    currency = intent["currency"]
    fee = STRIPE_FEE if m.fee_available else 0

    def txn(type_: str, source: str, amount: int, fee: int = 0) -> dict[str, Any]:
        return {
            "id": f"txn_{secrets.token_hex(8)}",
            "object": "balance_transaction",
            "amount": amount,
            "currency": currency,
            "fee": fee,
            "net": amount - fee,
            "source": source,
            "type": type_,
        }

    txns = [txn("charge", m.charge_of(intent_id), intent["amount"], fee)]
    transfer, app_fee = m.transfer_object(intent_id), m.application_fee_object(intent_id)
    if transfer:
        txns.append(txn("transfer", transfer["id"], -transfer["amount"]))
    if app_fee:
        txns.append(txn("application_fee", app_fee["id"], app_fee["amount"]))
    for refund in m.refunds.values():
        if refund["payment_intent"] == intent_id:
            txns.append(txn("refund", refund["id"], -refund["amount"]))
    for reversal in m.reversals.get(intent_id, []):
        txns.append(txn("transfer_refund", reversal["id"], reversal["amount"]))
    for fee_refund in m.fee_refunds.get(intent_id, []):
        txns.append(txn("application_fee_refund", fee_refund["id"], -fee_refund["amount"]))
    return txns


def _list(data: list[dict[str, Any]], url: str) -> dict[str, Any]:
    return {"object": "list", "data": list(data), "has_more": False, "url": url}


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
            if "latest_charge.transfer" in unquote(request.url):
                charge["transfer"] = m.transfer_object(intent_id)
                charge["application_fee"] = m.application_fee_object(intent_id)
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
        refund = m._refund(
            intent_id, amount, metadata=metadata, reason=params.get("reason"),
            reverse_transfer=params.get("reverse_transfer") == "true",
            refund_fee=params.get("refund_application_fee") == "true",
        )  # fmt: skip
        m.keys[key] = refund["id"]
        return _json(200, refund)

    def list_refunds(request: Any) -> Any:
        query = dict(parse_qsl(request.url.split("?", 1)[1]))
        if "payment_intent" in query:
            data = [r for r in m.refunds.values() if r["payment_intent"] == query["payment_intent"]]
        else:
            data = [r for r in m.refunds.values() if r["charge"] == query["charge"]]
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
