"""Stripe's money events through the signed webhook: ``charge.refunded`` (our refunds confirmed,
dashboard refunds recorded), ``charge.dispute.created`` and ``payout.paid`` / ``payout.failed``
of a connected account — each once, in any order, late or duplicated."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from blackcanyon.core import clock, tenancy
from blackcanyon.ledger.models import EntryKind, JournalEntry
from blackcanyon.ledger.selectors import Balance, organizer_balances
from blackcanyon.orders.models import OrderStatus, TicketStatus
from blackcanyon.payments.errors import StripeUnavailable
from blackcanyon.payments.models import Refund, RefundSource, RefundStatus, StripeEvent
from blackcanyon.payments.refunds import refund_create
from tests.orders.domain.helpers import actions, counters, fresh, tickets
from tests.payments.helpers import as_worker_role
from tests.payments.money_stubs import MoneyStub, fee_shop, money, paid_stripe_order, process
from tests.payments.stripe_checkout_stubs import ACCOUNT_ID, deliver, event_object, stripe_checkout

pytestmark = pytest.mark.django_db


def balance_of(organizer_id: int) -> Balance:
    """The organizer's one (USD) balance, read in its tenant context."""
    with tenancy.for_organizer(organizer_id):
        (balance,) = organizer_balances(organizer_id=organizer_id)
    return balance


__all__ = ["money", "stripe_checkout"]


def outcomes() -> list[tuple[str, str]]:
    with as_worker_role(), tenancy.system_context():
        return list(StripeEvent.objects.order_by("received_at").values_list("type", "outcome"))


def refunds_of(order_id: int, organizer_id: int) -> list[Refund]:
    with tenancy.for_organizer(organizer_id):
        return list(Refund.objects.filter(order_id=order_id).order_by("id"))


def entries(organizer_id: int, kind: str) -> list[JournalEntry]:
    with tenancy.for_organizer(organizer_id):
        return list(JournalEntry.objects.filter(kind=kind).order_by("id"))


def test_a_dashboard_refund_is_recorded_once_with_its_transition(
    client: Client, money: MoneyStub
) -> None:
    s = fee_shop()
    order, intent = paid_stripe_order(client, money, s)
    # Given the organizer refunded everything in Stripe's dashboard
    stripe_refund = money.dashboard_refund(intent, 5000)
    event = event_object("charge.refunded", money.charge_object(intent))
    # When the event arrives (twice: Stripe retries)
    deliver(client, event)
    deliver(client, event)
    process()
    # Then one Refund, the order refunded, its tickets cancelled, seats released
    (refund,) = refunds_of(order.pk, order.organizer_id)
    assert refund.source == RefundSource.STRIPE_DASHBOARD
    assert refund.stripe_refund_id == stripe_refund["id"]
    assert refund.full
    assert fresh(order).status == OrderStatus.REFUNDED
    assert {t.status for t in tickets(order)} == {TicketStatus.CANCELLED}
    assert counters(s.event, s.floor).types == (0,)
    assert outcomes()[-1] == ("charge.refunded", "refund_recorded")
    assert len(entries(order.organizer_id, EntryKind.REFUND)) == 1
    # and a second event for the same charge changes nothing
    deliver(client, event_object("charge.refunded", money.charge_object(intent)))
    process()
    assert outcomes()[-1] == ("charge.refunded", "unchanged")
    assert len(refunds_of(order.pk, order.organizer_id)) == 1


def test_a_partial_dashboard_refund_keeps_the_tickets(client: Client, money: MoneyStub) -> None:
    s = fee_shop()
    order, intent = paid_stripe_order(client, money, s)
    money.dashboard_refund(intent, 1500)
    deliver(client, event_object("charge.refunded", money.charge_object(intent)))
    process()
    (refund,) = refunds_of(order.pk, order.organizer_id)
    assert (refund.amount, refund.full) == (1500, False)
    assert fresh(order).status == OrderStatus.PAID
    assert {t.status for t in tickets(order)} == {TicketStatus.VALID}
    assert "orders.order.partially_refunded" in actions(order)


def test_our_refund_confirmed_by_the_webhook_after_we_recorded_it_changes_nothing(
    client: Client, money: MoneyStub
) -> None:
    s = fee_shop()
    order, intent = paid_stripe_order(client, money, s)
    refund = refund_create(actor=None, order=order, amount=2000)
    deliver(client, event_object("charge.refunded", money.charge_object(intent)))
    process()
    assert outcomes()[-1] == ("charge.refunded", "unchanged")
    assert [r.pk for r in refunds_of(order.pk, order.organizer_id)] == [refund.pk]
    assert len(entries(order.organizer_id, EntryKind.REFUND)) == 1


def test_charge_refunded_arriving_before_our_record_completes_our_refund(
    client: Client, money: MoneyStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = fee_shop()
    order, intent = paid_stripe_order(client, money, s)
    # Given Stripe made our refund but we crashed before recording it
    from blackcanyon.payments import refunds

    def crash(**kwargs: Any) -> None:
        raise StripeUnavailable()

    monkeypatch.setattr(refunds, "refund_record_succeeded", crash)
    with pytest.raises(StripeUnavailable):
        refund_create(actor=None, order=order, ticket_ids=[tickets(order)[0].pk])
    monkeypatch.undo()
    (refund,) = refunds_of(order.pk, order.organizer_id)
    assert refund.status == RefundStatus.REQUESTED
    assert len(money.refunds) == 1
    # When Stripe's charge.refunded arrives first
    deliver(client, event_object("charge.refunded", money.charge_object(intent)))
    process()
    # Then it completes our Refund (matched by our id in Stripe's metadata): no second Refund
    (refund,) = refunds_of(order.pk, order.organizer_id)
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.stripe_refund_id in money.refunds
    assert outcomes()[-1] == ("charge.refunded", "refund_confirmed")
    assert [t.status for t in tickets(order)] == [TicketStatus.CANCELLED, TicketStatus.VALID]
    # and the page's "Try again" later finds it done (same key, nothing more)
    from blackcanyon.payments.refunds import refund_send

    refund_send(refund=refund)
    assert len(money.refunds) == 1
    assert len(entries(order.organizer_id, EntryKind.REFUND)) == 1


def payout_object(payout_id: str = "po_1QPay", amount: int = 4750) -> dict[str, Any]:
    now = clock.now()
    return {
        "id": payout_id,
        "object": "payout",
        "amount": amount,
        "arrival_date": int((now + timedelta(days=2)).timestamp()),
        "created": int(now.timestamp()),
        "currency": "usd",
        "destination": "ba_1QBank",
        "status": "paid",
    }


def test_payouts_of_the_connected_account_reach_the_organizers_ledger_in_any_order(
    client: Client, money: MoneyStub
) -> None:
    s = fee_shop()
    order, _ = paid_stripe_order(client, money, s)
    # A payout that failed, whose "paid" arrives late (after the failure)
    failed = payout_object("po_1QFail")
    deliver(client, event_object("payout.failed", failed, account=ACCOUNT_ID))
    deliver(client, event_object("payout.paid", failed, account=ACCOUNT_ID))
    process()
    balance = balance_of(order.organizer_id)
    assert (balance.available, balance.paid_out, balance.in_transit) == (4750, 0, 0)
    # A payout that was paid, delivered twice
    paid = event_object("payout.paid", payout_object("po_1QPaid"), account=ACCOUNT_ID)
    deliver(client, paid)
    deliver(client, paid)
    process()
    balance = balance_of(order.organizer_id)
    assert (balance.available, balance.paid_out, balance.in_transit) == (0, 4750, 0)
    assert [o for t, o in outcomes() if t.startswith("payout")] == [
        "payout_failed",
        "unchanged",
        "payout_paid",
    ]
    # A payout of an account that is not ours is acknowledged and ignored
    deliver(client, event_object("payout.paid", payout_object("po_x"), account="acct_other"))
    process()
    assert outcomes()[-1] == ("payout.paid", "unknown")


def test_a_refund_arriving_before_the_payment_completes_is_applied_once_it_is_paid(
    client: Client, money: MoneyStub
) -> None:
    from blackcanyon.payments.reconcile import stripe_reconcile
    from blackcanyon.payments.stripe.checkout import stripe_checkout_start
    from tests.payments.stripe_checkout_stubs import pending_order

    s = fee_shop()
    order = pending_order(s, quantity=2)
    checkout = stripe_checkout_start(order=order)
    # Given the buyer paid and the organizer refunded in Stripe's dashboard at once
    session = money.stub.pay(checkout.session_id)
    intent = session["payment_intent"]
    money.dashboard_refund(intent, 5000)
    # When charge.refunded arrives before checkout.session.completed
    deliver(client, event_object("charge.refunded", money.charge_object(intent)))
    process()
    # Then nothing is recorded against the unpaid order: the event waits
    assert outcomes()[-1] == ("charge.refunded", "")  # not processed yet
    assert refunds_of(order.pk, order.organizer_id) == []
    assert fresh(order).status == OrderStatus.PENDING
    # When the payment's own event arrives, and the reconciler runs the waiting event again
    deliver(client, event_object("checkout.session.completed", session))
    process()
    assert fresh(order).status == OrderStatus.PAID
    with clock.frozen(clock.now() + timedelta(minutes=10)), as_worker_role():
        stripe_reconcile()
    # Then the refund is applied once: order refunded, tickets cancelled, seats back
    (refund,) = refunds_of(order.pk, order.organizer_id)
    assert refund.source == RefundSource.STRIPE_DASHBOARD
    assert refund.full
    assert fresh(order).status == OrderStatus.REFUNDED
    assert {t.status for t in tickets(order)} == {TicketStatus.CANCELLED}
    assert counters(s.event, s.floor).types == (0,)
    assert ("charge.refunded", "refund_recorded") in outcomes()
    assert len(entries(order.organizer_id, EntryKind.REFUND)) == 1
