"""The ledger against Stripe's balance transactions for destination charges, through the signed
webhooks and the reconciler: every transfer, platform fee, reversal and fee refund that Stripe
lists on the platform's balance is in the ledger once — including when Stripe could not be read
at the time — so the daily reconciliation finds no difference."""

from __future__ import annotations

from datetime import timedelta

import pytest
import responses
from django.test import Client

from blackcanyon.core import clock, tenancy
from blackcanyon.ledger.models import EntryKind, JournalEntry
from blackcanyon.ledger.reconciliation import ReconciliationReport, reconciliation_report
from blackcanyon.ledger.selectors import account_balances
from blackcanyon.payments.models import StripeEvent
from blackcanyon.payments.reconcile import ReconcileReport, stripe_reconcile
from blackcanyon.payments.refunds import refund_create
from tests.factories import MembershipFactory
from tests.ledger.balance_stubs import balance_txn as txn
from tests.orders.organizer.helpers import page_text
from tests.payments.helpers import as_worker_role
from tests.payments.money_stubs import (
    STRIPE_FEE,
    MoneyStub,
    fee_shop,
    money,
    paid_stripe_order,
    platform_balance_transactions,
    process,
)
from tests.payments.stripe_checkout_stubs import deliver, event_object, stripe_checkout
from tests.payments.test_ledger_wiring import balance_of, balances
from tests.payments.test_money_events import payout_object

pytestmark = pytest.mark.django_db
__all__ = ["money", "stripe_checkout"]


def report_for(m: MoneyStub, intent: str, organizer_id: int) -> ReconciliationReport:
    with tenancy.for_organizer(organizer_id):
        return reconciliation_report(
            organizer_id=organizer_id,
            balance_transactions=platform_balance_transactions(m, intent),
        )


def kinds(organizer_id: int) -> list[str]:
    with tenancy.for_organizer(organizer_id):
        return list(JournalEntry.objects.order_by("id").values_list("kind", flat=True))


def reconcile(at: timedelta) -> ReconcileReport:
    with as_worker_role():
        return stripe_reconcile(now=clock.now() + at)


def unreachable_intents(m: MoneyStub) -> responses.BaseResponse:
    """Make the PaymentIntent retrieve fail (Stripe down); returns it for ``mock.add``."""
    retrieve = next(
        r for r in m.stub.mock.registered() if "payment_intents" in str(getattr(r, "url", ""))
    )
    m.stub.mock.remove(retrieve)
    return retrieve


def test_a_dashboard_refund_that_reverses_the_transfer_is_booked_as_stripe_moved_it(
    client: Client, money: MoneyStub
) -> None:
    # Given $50.00 paid, then $20.00 refunded in Stripe's dashboard with the transfer reversed
    order, intent = paid_stripe_order(client, money, fee_shop())
    money.dashboard_refund(intent, 2000, reverse_transfer=True)
    deliver(client, event_object("charge.refunded", money.charge_object(intent)))
    process()
    # Then the ledger holds the refund, the reversal and the platform fee refunded ($1.00)
    org = order.organizer_id
    assert kinds(org)[-3:] == ["refund", "transfer_reversal", "fee_refund"]
    balance = balance_of(org)
    assert (balance.owed, balance.stripe_balance) == (4750 - 2000 + 100, 4750 - 2000 + 100)
    # and Stripe's platform balance transactions all match
    report = report_for(money, intent, org)
    assert report.differences == []
    assert report.matched == 6


def test_a_dashboard_refund_that_keeps_the_transfer_leaves_the_organizer_owing_it(
    client: Client, money: MoneyStub
) -> None:
    # Given a $20.00 dashboard refund that did not reverse the transfer: the platform paid it
    order, intent = paid_stripe_order(client, money, fee_shop())
    money.dashboard_refund(intent, 2000)
    deliver(client, event_object("charge.refunded", money.charge_object(intent)))
    process()
    org = order.organizer_id
    assert "transfer_reversal" not in kinds(org)
    # Then the organizer is owed $20.00 less than their Stripe balance holds: they owe it back
    balance = balance_of(org)
    assert (balance.owed, balance.stripe_balance, balance.owed_back) == (2750, 4750, 2000)
    # and their balance page says so
    owner = MembershipFactory(organizer=order.event.organizer).user
    client.force_login(owner)
    text = page_text(client.get(f"/o/{order.event.organizer.slug}/balance/"))
    assert "In your Stripe account $47.50" in text
    assert "Owed back to the platform $20.00" in text
    assert balances(org)[("platform:cash", "USD")] == 250 - STRIPE_FEE - 2000
    assert report_for(money, intent, org).differences == []


def test_a_reversal_stripe_could_not_report_at_refund_time_is_booked_by_the_reconciler(
    client: Client, money: MoneyStub
) -> None:
    # Given a paid order whose refund succeeds while reading the charge afterwards fails
    order, intent = paid_stripe_order(client, money, fee_shop())
    org = order.organizer_id
    retrieve = unreachable_intents(money)
    refund_create(actor=None, order=order, amount=1000)
    assert kinds(org)[-1] == "refund"
    # the reconciliation shows what is missing: the reversal and the fee refund
    missing = {(d.kind, d.stripe_ref[:3]) for d in report_for(money, intent, org).differences}
    assert missing == {("missing_in_ledger", "trr"), ("missing_in_ledger", "fr_")}
    # When Stripe answers again and the reconciler's sweep runs (after the settle delay)
    money.stub.mock.add(retrieve)
    assert reconcile(timedelta(minutes=10)).outcomes == {"connect_booked": 1}
    # Then both are booked, once, and everything matches Stripe
    assert kinds(org)[-2:] == ["transfer_reversal", "fee_refund"]
    assert report_for(money, intent, org).differences == []
    assert reconcile(timedelta(hours=2)).ledger_checked == 0


def test_the_transfer_of_a_payment_booked_without_stripe_is_added_by_the_reconciler(
    client: Client, money: MoneyStub
) -> None:
    # Given a payment settled while Stripe could not be read, then booked by a refund's event
    retrieve = unreachable_intents(money)
    order, intent = paid_stripe_order(client, money, fee_shop())
    org = order.organizer_id
    money.dashboard_refund(intent, 1000)
    deliver(client, event_object("charge.refunded", money.charge_object(intent)))
    process()
    assert kinds(org) == [EntryKind.PAYMENT, EntryKind.REFUND]
    # When Stripe answers again: the sweep books Stripe's fee, the transfer, the platform fee
    money.stub.mock.add(retrieve)
    outcome = reconcile(timedelta(minutes=10)).outcomes
    assert outcome == {"stripe_fee_booked+connect_booked": 1}
    assert sorted(kinds(org)) == sorted(
        ["payment", "refund", "stripe_fee", "transfer", "application_fee"]
    )
    assert report_for(money, intent, org).differences == []


def test_the_platforms_own_payouts_leave_its_cash_and_match_stripe(
    client: Client, money: MoneyStub
) -> None:
    # Given the platform's own payouts to its bank (events without an ``account``)
    paid = payout_object("po_1QPlatformPaid", amount=900)
    failed = payout_object("po_1QPlatformFailed", amount=400)
    deliver(client, event_object("payout.paid", paid))  # "created" arrives late
    deliver(client, event_object("payout.created", paid))
    deliver(client, event_object("payout.created", failed))
    deliver(client, event_object("payout.failed", failed))
    deliver(client, event_object("payout.failed", failed))  # Stripe retries
    process()
    with as_worker_role(), tenancy.system_context():
        outcomes = list(
            StripeEvent.objects.filter(type__startswith="payout.")
            .order_by("received_at")
            .values_list("outcome", flat=True)
        )
        sums = account_balances()
        report = reconciliation_report(
            balance_transactions=[
                txn("txn_p1", "po_1QPlatformPaid", -900, type_="payout"),
                txn("txn_p2", "po_1QPlatformFailed", -400, type_="payout"),
                txn("txn_p3", "po_1QPlatformFailed", 400, type_="payout_failure"),
            ]
        )
    # Then each stage is booked once, whatever the order: out of cash, and back when it failed
    assert outcomes == [
        "platform_payout_paid",
        "unchanged",
        "platform_payout_created",
        "platform_payout_failed",
        "unchanged",
    ]
    assert sums[("platform:cash", "USD")] == -900
    assert sums[("platform:payouts", "USD")] == 900
    # and Stripe's payout and payout_failure balance transactions match
    assert report.differences == []
    assert report.matched == 2
