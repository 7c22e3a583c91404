"""The money gaps closed: dispute outcomes (``charge.dispute.closed``), ``payout.created``, and
the reconciler completing the ledger — Stripe's fee added once the balance transaction exists,
and the payment of a checkout settled while Stripe was unreachable. Signed webhooks, stubbed
Stripe HTTP (no network)."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from blackcanyon.core import clock, tenancy
from blackcanyon.ledger.models import EntryKind, JournalEntry
from blackcanyon.ledger.reconciliation import reconciliation_report
from blackcanyon.payments.models import Dispute, StripeEvent
from blackcanyon.payments.reconcile import ReconcileReport, stripe_reconcile
from tests.factories import MembershipFactory
from tests.orders.domain.helpers import actions
from tests.orders.organizer.helpers import page_text
from tests.payments.helpers import as_worker_role
from tests.payments.money_stubs import (
    STRIPE_FEE,
    MoneyStub,
    fee_shop,
    money,
    paid_stripe_order,
    platform_balance_transactions,
)
from tests.payments.money_stubs import process as run_tasks
from tests.payments.stripe_checkout_stubs import ACCOUNT_ID, deliver, event_object, stripe_checkout
from tests.payments.test_disputes import dispute_object
from tests.payments.test_ledger_wiring import balance_of, balances
from tests.payments.test_money_events import payout_object

pytestmark = pytest.mark.django_db
__all__ = ["money", "stripe_checkout"]  # the stubbed Stripe fixtures


def outcomes(prefix: str) -> list[str]:
    with as_worker_role(), tenancy.system_context():
        rows = StripeEvent.objects.order_by("received_at").values_list("type", "outcome")
        return [outcome for kind, outcome in rows if kind.startswith(prefix)]


def entries(organizer_id: int, kind: str) -> list[JournalEntry]:
    with tenancy.for_organizer(organizer_id):
        return list(JournalEntry.objects.filter(kind=kind).order_by("id"))


def the_dispute(organizer_id: int) -> Dispute:
    with tenancy.for_organizer(organizer_id):
        (dispute,) = Dispute.objects.all()
    return dispute


def closed(intent: str, money: MoneyStub, status: str) -> dict[str, Any]:
    """The dispute as ``charge.dispute.closed`` carries it (a won one with its reinstatement)."""
    return dispute_object(intent, money, status=status, reinstated=status == "won")


def order_page(client: Client, order: Any) -> str:
    owner = MembershipFactory(organizer=order.event.organizer).user
    client.force_login(owner)
    page = client.get(f"/o/{order.event.organizer.slug}/orders/{order.code}/")
    return html.unescape(page_text(page))


# --- charge.dispute.closed -----------------------------------------------------------------------


def test_a_won_dispute_returns_the_held_amount_once_and_the_order_page_says_so(
    client: Client, money: MoneyStub
) -> None:
    # Given a paid $50.00 order (owed $47.50) whose buyer disputed it
    order, intent = paid_stripe_order(client, money, fee_shop())
    deliver(client, event_object("charge.dispute.created", dispute_object(intent, money)))
    run_tasks()
    assert balance_of(order.organizer_id).in_dispute == 5000
    # When Stripe says the dispute was won (delivered twice)
    event = event_object("charge.dispute.closed", closed(intent, money, "won"))
    deliver(client, event)
    deliver(client, event_object("charge.dispute.closed", closed(intent, money, "won")))
    run_tasks()
    # Then the held money is back: nothing in dispute, the organizer owed $47.50 again
    balance = balance_of(order.organizer_id)
    assert (balance.in_dispute, balance.owed, balance.available) == (0, 4750, 4750)
    # and Stripe's $15.00 dispute fee stays with the platform (a won dispute does not return it)
    # the platform's balance bore the dispute: 250 - 175 after the charge, - 1500 fee
    assert balances(order.organizer_id)[("platform:cash", "USD")] == 250 - STRIPE_FEE - 1500
    assert the_dispute(order.organizer_id).status == "won"
    assert len(entries(order.organizer_id, EntryKind.DISPUTE_WON)) == 1
    assert outcomes("charge.dispute") == ["disputed", "dispute_won", "unchanged"]
    assert actions(order).count("payments.dispute.won") == 1
    # and the order page shows the outcome instead of "Disputed"
    text = order_page(client, order)
    assert "Dispute won: the bank decided for you; the $50.00 held by the dispute" in text
    assert "Disputed: the buyer's bank opened a dispute" not in text
    assert "Dispute won: the held amount is back" in text  # the timeline


def test_a_lost_dispute_closed_before_its_created_event_ends_the_same(
    client: Client, money: MoneyStub
) -> None:
    order, intent = paid_stripe_order(client, money, fee_shop())
    # Given Stripe's "closed" (lost) arrives before its "created"
    deliver(client, event_object("charge.dispute.closed", closed(intent, money, "lost")))
    run_tasks()
    deliver(client, event_object("charge.dispute.created", dispute_object(intent, money)))
    run_tasks()
    # Then one Dispute, lost; the opening and the loss each booked once
    dispute = the_dispute(order.organizer_id)
    assert (dispute.status, dispute.amount, dispute.fee) == ("lost", 5000, 1500)
    assert len(entries(order.organizer_id, EntryKind.DISPUTE)) == 1
    assert len(entries(order.organizer_id, EntryKind.DISPUTE_LOST)) == 1
    assert outcomes("charge.dispute") == ["dispute_lost", "unchanged"]
    # and the organizer bears the $50.00: owed 47.50 - 50.00, nothing held any more
    balance = balance_of(order.organizer_id)
    assert (balance.in_dispute, balance.owed, balance.available) == (0, -250, -250)
    assert "payments.dispute.created" in actions(order)
    assert "payments.dispute.lost" in actions(order)
    text = order_page(client, order)
    assert "Dispute lost: the bank decided for the buyer; $50.00 went back to them" in text
    # and a contradicting outcome afterwards changes nothing (an outcome is final)
    deliver(client, event_object("charge.dispute.closed", closed(intent, money, "won")))
    run_tasks()
    assert the_dispute(order.organizer_id).status == "lost"
    assert entries(order.organizer_id, EntryKind.DISPUTE_WON) == []


# --- payout.created ------------------------------------------------------------------------------


def test_payout_created_books_in_transit_and_paid_completes_it_in_either_order(
    client: Client, money: MoneyStub
) -> None:
    order, _ = paid_stripe_order(client, money, fee_shop())
    org = order.organizer_id
    # When a payout is created: the money is in transit, no longer available
    first = payout_object("po_1QFirst", amount=3000)
    deliver(client, event_object("payout.created", first, account=ACCOUNT_ID))
    run_tasks()
    balance = balance_of(org)
    assert (balance.in_transit, balance.available, balance.paid_out) == (3000, 1750, 0)
    # and when it is paid: in transit empties, paid out grows
    deliver(client, event_object("payout.paid", first, account=ACCOUNT_ID))
    run_tasks()
    balance = balance_of(org)
    assert (balance.in_transit, balance.available, balance.paid_out) == (0, 1750, 3000)
    # A second payout whose "paid" arrives before its "created": the same end state
    second = payout_object("po_1QSecond", amount=1000)
    deliver(client, event_object("payout.paid", second, account=ACCOUNT_ID))
    deliver(client, event_object("payout.created", second, account=ACCOUNT_ID))
    run_tasks()
    balance = balance_of(org)
    assert (balance.in_transit, balance.available, balance.paid_out) == (0, 750, 4000)
    # A third that is created, then fails: the money is available again
    third = payout_object("po_1QThird", amount=500)
    deliver(client, event_object("payout.created", third, account=ACCOUNT_ID))
    deliver(client, event_object("payout.failed", third, account=ACCOUNT_ID))
    run_tasks()
    balance = balance_of(org)
    assert (balance.in_transit, balance.available, balance.paid_out) == (0, 750, 4000)
    assert outcomes("payout") == [
        "payout_created",
        "payout_paid",
        "payout_paid",
        "unchanged",
        "payout_created",
        "payout_failed",
    ]
    assert len(entries(org, EntryKind.PAYOUT)) == 3
    # payouts leave the organizer's connected balance, not the platform's
    assert balances(org)[("platform:cash", "USD")] == 250 - STRIPE_FEE
    assert balance_of(org).stripe_balance == 4750 - 4000


# --- the reconciler completes the ledger ---------------------------------------------------------


def reconcile(at: timedelta) -> ReconcileReport:
    with as_worker_role():
        return stripe_reconcile(now=clock.now() + at)


def intent_retrievals(money: MoneyStub) -> int:
    return sum(
        1
        for call in money.stub.mock.calls
        if call.request.method == "GET" and "/v1/payment_intents/" in call.request.url
    )


def test_stripes_fee_missing_at_settlement_is_added_by_the_reconciler_once(
    client: Client, money: MoneyStub
) -> None:
    # Given a payment settled before Stripe's balance transaction existed (booked without fee)
    money.fee_available = False
    order, intent = paid_stripe_order(client, money, fee_shop())
    org, charge = order.organizer_id, money.charge_of(intent)
    assert balances(org)[("platform:cash", "USD")] == 250  # charge, transfer, platform fee
    # When the reconciler runs while it is still missing: nothing booked, asked again later
    assert reconcile(timedelta(minutes=10)).outcomes == {"fee_pending": 1}
    asked = intent_retrievals(money)
    assert reconcile(timedelta(minutes=20)).ledger_checked == 0  # not within the hour
    assert intent_retrievals(money) == asked
    # and once Stripe has it, the fee is booked, keyed by the balance transaction
    money.fee_available = True
    assert reconcile(timedelta(hours=2)).outcomes == {"stripe_fee_booked": 1}
    (fee,) = entries(org, EntryKind.STRIPE_FEE)
    assert (fee.idempotency_key, fee.stripe_ref) == (f"stripe:txn_{intent[3:]}:stripe_fee", charge)
    assert balances(org)[("platform:cash", "USD")] == 250 - STRIPE_FEE
    assert balances(org)[("platform:stripe_fees", "USD")] == STRIPE_FEE
    assert balance_of(org).owed == 4750  # the platform bears Stripe's fee
    # Then Stripe's balance transaction for the charge matches the ledger
    with tenancy.for_organizer(org):
        report = reconciliation_report(
            organizer_id=org,
            balance_transactions=platform_balance_transactions(money, intent),
        )
    assert report.ok
    # and later runs leave it alone (the checkout is no longer selected)
    assert reconcile(timedelta(hours=5)).ledger_checked == 0
    assert len(entries(org, EntryKind.STRIPE_FEE)) == 1


def test_a_payment_settled_while_stripe_was_unreachable_is_booked_by_the_reconciler(
    client: Client, money: MoneyStub
) -> None:
    # Given the PaymentIntent cannot be read when the checkout settles (Stripe down)
    retrieve = money.stub.mock.registered()[-1]
    money.stub.mock.remove(retrieve)
    order, intent = paid_stripe_order(client, money, fee_shop())
    org = order.organizer_id
    assert entries(org, EntryKind.PAYMENT) == []
    # When the reconciler runs while Stripe is still down: nothing yet, no error
    assert reconcile(timedelta(minutes=10)).outcomes == {"unreachable": 1}
    # and once Stripe answers again, the payment is booked with Stripe's fee, once
    money.stub.mock.add(retrieve)
    assert reconcile(timedelta(hours=2)).outcomes == {"payment_booked": 1}
    (payment,) = entries(org, EntryKind.PAYMENT)
    assert payment.idempotency_key == f"stripe:{money.charge_of(intent)}:payment"
    assert (payment.order_id, payment.amount) == (order.pk, 5000)
    # with the transfer and the platform fee Stripe reports on the charge
    assert (
        len(entries(org, EntryKind.TRANSFER)) == len(entries(org, EntryKind.APPLICATION_FEE)) == 1
    )
    assert balances(org)[("platform:cash", "USD")] == 250 - STRIPE_FEE
    assert (balance_of(org).owed, balance_of(org).stripe_balance) == (4750, 4750)
    assert reconcile(timedelta(hours=5)).ledger_checked == 0
    assert entries(org, EntryKind.STRIPE_FEE) == []


def test_a_fresh_settlement_is_left_to_settle_and_complete_ledgers_are_not_asked_about(
    client: Client, money: MoneyStub
) -> None:
    # Given one payment fully booked, and one booked without its fee a minute ago
    s = fee_shop()
    paid_stripe_order(client, money, s)
    money.fee_available = False
    paid_stripe_order(client, money, s)
    asked = intent_retrievals(money)
    # When the reconciler runs now: the complete one is not selected, the fresh one not yet
    report = reconcile(timedelta(minutes=1))
    assert (report.ledger_checked, report.outcomes) == (0, None)
    assert intent_retrievals(money) == asked
