"""Stripe's disputes through the signed webhook: ``charge.dispute.created`` / ``.closed`` — the
Dispute row, the order's flag and the ledger's entries, each once, in any order."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.test import Client

from blackcanyon.core import clock, tenancy
from blackcanyon.payments.models import Dispute
from tests.factories import MembershipFactory
from tests.orders.domain.helpers import actions
from tests.orders.organizer.helpers import page_text
from tests.payments.money_stubs import MoneyStub, fee_shop, money, paid_stripe_order, process
from tests.payments.stripe_checkout_stubs import deliver, event_object, stripe_checkout
from tests.payments.test_money_events import balance_of, outcomes

pytestmark = pytest.mark.django_db

__all__ = ["money", "stripe_checkout"]


def withdrawal(dispute_id: str = "du_1QDisp") -> dict[str, Any]:
    """Stripe's balance transaction of the money a dispute withdrew: the disputed $50.00 and
    its $15.00 dispute fee (net -$65.00)."""
    return {
        "id": f"txn_{dispute_id[3:]}",
        "object": "balance_transaction",
        "amount": -5000,
        "fee": 1500,
        "net": -6500,
        "created": int(clock.now().timestamp()),
        "currency": "usd",
        "type": "adjustment",
        "source": dispute_id,
    }


def reinstatement(dispute_id: str = "du_1QDisp", *, fee_returned: int = 0) -> dict[str, Any]:
    """Stripe's balance transaction of a won dispute's money coming back; with
    ``fee_returned`` Stripe gives the dispute fee back too (a negative fee)."""
    return {
        "id": f"txn_{dispute_id[3:]}Back",
        "object": "balance_transaction",
        "amount": 5000,
        "fee": -fee_returned,
        "net": 5000 + fee_returned,
        "created": int(clock.now().timestamp()),
        "currency": "usd",
        "type": "adjustment",
        "source": dispute_id,
    }


def dispute_object(
    intent: str,
    money: MoneyStub,
    *,
    dispute_id: str = "du_1QDisp",
    status: str = "needs_response",
    withdrawn: bool | None = None,
    reinstated: bool = False,
    fee_returned: int = 0,
) -> Any:
    """The dispute of ``intent``'s $50.00 charge as a ``charge.dispute.*`` event carries it.
    Money withdrawn unless it is an inquiry (``warning_*``), unless said otherwise."""
    if withdrawn is None:
        withdrawn = not status.startswith("warning_")
    transactions = [withdrawal(dispute_id)] if withdrawn else []
    if reinstated:
        transactions.append(reinstatement(dispute_id, fee_returned=fee_returned))
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": 5000,
        "balance_transactions": transactions,
        "charge": money.charge_of(intent),
        "created": int(clock.now().timestamp()),
        "currency": "usd",
        "payment_intent": intent,
        "reason": "fraudulent",
        "status": status,
    }


def test_a_dispute_is_recorded_once_flagged_on_the_order_and_held_in_the_ledger(
    client: Client, money: MoneyStub
) -> None:
    s = fee_shop()
    order, intent = paid_stripe_order(client, money, s)
    event = event_object("charge.dispute.created", dispute_object(intent, money))
    deliver(client, event)
    deliver(client, event_object("charge.dispute.created", dispute_object(intent, money)))
    process()
    with tenancy.for_organizer(order.organizer_id):
        (dispute,) = Dispute.objects.all()
    assert (dispute.amount, dispute.fee, dispute.reason) == (5000, 1500, "fraudulent")
    assert "payments.dispute.created" in actions(order)
    assert [o for _, o in outcomes()][-2:] == ["disputed", "unchanged"]
    balance = balance_of(order.organizer_id)
    assert balance.in_dispute == 5000
    assert balance.available == 4750 - 5000  # owed $47.50, $50.00 held by the dispute
    # and the organizer's order page flags it, the timeline says so
    owner = MembershipFactory(organizer=s.event.organizer).user
    client.force_login(owner)
    page = client.get(f"/o/{s.event.organizer.slug}/orders/{order.code}/")
    text = html.unescape(page_text(page))
    assert "Disputed: the buyer's bank opened a dispute (fraudulent) for $50.00" in text
    assert "Payment disputed by the buyer's bank" in text
