"""A dispute's whole life through Stripe's signed webhooks — inquiry, ``funds_withdrawn``,
``updated``, ``funds_reinstated``, ``closed`` — booking only the money Stripe moved: the
organizer's balance page, the order page's flag, the ``Dispute`` row and reconciliation with
Stripe's balance transactions at each step, and the same end in any order of arrival."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from blackcanyon.core import clock, tenancy
from blackcanyon.ledger.models import EntryKind, JournalEntry
from blackcanyon.ledger.reconciliation import reconciliation_report
from blackcanyon.orders.models import Order
from blackcanyon.payments.disputes import dispute_apply
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
from tests.payments.stripe_checkout_stubs import deliver, event_object, stripe_checkout
from tests.payments.test_disputes import dispute_object, reinstatement, withdrawal
from tests.payments.test_ledger_wiring import balance_of, balances
from tests.payments.test_money_gaps import outcomes, the_dispute

pytestmark = pytest.mark.django_db
__all__ = ["money", "stripe_checkout"]  # the stubbed Stripe fixtures

DU = "du_1QDisp"
OWED = 4750  # a $50.00 order less the 5 % platform fee
# The platform's Stripe balance after the payment: the charge less Stripe's fee, less the
# transfer of the whole amount to the organizer, plus the platform fee taken back.
CASH_PAID = 5000 - STRIPE_FEE - 5000 + 250


def send(client: Client, event_type: str, dispute: dict[str, Any]) -> str:
    """Deliver one signed event and run the worker; the event's outcome."""
    deliver(client, event_object(event_type, dispute))
    run_tasks()
    return outcomes("charge.dispute")[-1]


def dispute_entries(organizer_id: int) -> dict[str, int]:
    with tenancy.for_organizer(organizer_id):
        rows = JournalEntry.objects.filter(stripe_ref=DU).values_list("kind", "amount")
        return dict(rows)


def row_state(organizer_id: int) -> tuple[Any, ...]:
    d = the_dispute(organizer_id)
    return (d.status, d.amount, d.fee, d.withdrawn, d.reinstated, d.fee_returned)


def figures(organizer_id: int) -> tuple[int, int, int]:
    """(held in disputes, available for payout, owed) as the balance page computes them."""
    b = balance_of(organizer_id)
    return b.in_dispute, b.available, b.owed


def pages(order: Order) -> tuple[str, str]:
    """What the owner reads on the order page and on the balance page."""
    owner = Client()
    owner.force_login(MembershipFactory(organizer=order.event.organizer).user)
    slug = order.event.organizer.slug
    order_page = page_text(owner.get(f"/o/{slug}/orders/{order.code}/"))
    balance_page = page_text(owner.get(f"/o/{slug}/balance/"))
    return order_page.replace("&#x27;", "'"), balance_page


def charge_transactions(money: MoneyStub, intent: str) -> list[dict[str, Any]]:
    """Stripe's balance transactions of the $50.00 payment: the charge (fee $1.75), the transfer
    to the organizer and the platform fee taken back."""
    return platform_balance_transactions(money, intent)


def reconciled(organizer_id: int, transactions: list[dict[str, Any]]) -> list[Any]:
    """The differences between the ledger and these balance transactions (none: it matches)."""
    with tenancy.for_organizer(organizer_id):
        report = reconciliation_report(balance_transactions=transactions, organizer_id=organizer_id)
    return report.differences


# --- an inquiry -------------------------------------------------------------------------------


def test_an_inquiry_withdraws_nothing_books_nothing_and_the_order_page_says_so(
    client: Client, money: MoneyStub
) -> None:
    order, intent = paid_stripe_order(client, money, fee_shop())
    org = order.organizer_id
    # When the buyer's bank opens an inquiry (no balance transaction: Stripe took nothing)
    inquiry = dispute_object(intent, money, status="warning_needs_response")
    assert send(client, "charge.dispute.created", inquiry) == "inquiry"
    # Then a Dispute row and an audit entry, but no ledger entry and the balance untouched
    assert row_state(org) == ("warning_needs_response", 5000, 0, 0, 0, 0)
    assert "payments.dispute.inquiry" in actions(order)
    assert dispute_entries(org) == {}
    assert figures(org) == (0, OWED, OWED)
    assert balances(org)[("platform:cash", "USD")] == CASH_PAID
    # and the order page says it is an inquiry with no money withdrawn; the balance page agrees
    order_page, balance_page = pages(order)
    assert "Inquiry: the buyer's bank is asking about this payment (fraudulent, $50.00)" in (
        order_page
    )
    assert "This is an inquiry, not yet a dispute: no money was withdrawn yet" in order_page
    assert "Disputed:" not in order_page
    assert "Inquiry from the buyer's bank (no money withdrawn)" in order_page  # the timeline
    assert "Available for payout $47.50" in balance_page
    assert "Held in disputes" not in balance_page
    # and Stripe's update of the inquiry (under review) changes the status only
    update = dispute_object(intent, money, status="warning_under_review")
    assert send(client, "charge.dispute.updated", update) == "dispute_updated"
    assert row_state(org) == ("warning_under_review", 5000, 0, 0, 0, 0)
    assert dispute_entries(org) == {}


def test_an_inquiry_that_closes_or_is_won_books_nothing_in_either_order(
    client: Client, money: MoneyStub
) -> None:
    order, intent = paid_stripe_order(client, money, fee_shop())
    org = order.organizer_id
    # Given Stripe's "closed" of an inquiry arrives before its "created"
    closed = dispute_object(intent, money, status="warning_closed")
    assert send(client, "charge.dispute.closed", closed) == "inquiry_closed"
    inquiry = dispute_object(intent, money, status="warning_needs_response")
    assert send(client, "charge.dispute.created", inquiry) == "unchanged"
    # Then the inquiry is closed (the stale "created" does not reopen it), nothing booked
    assert row_state(org) == ("warning_closed", 5000, 0, 0, 0, 0)
    assert dispute_entries(org) == {}
    assert figures(org) == (0, OWED, OWED)
    assert "Inquiry closed: the buyer's bank closed its inquiry (fraudulent)" in pages(order)[0]
    # and a "won" without money withdrawn books nothing either (an outcome is final here too)
    won = dispute_object(intent, money, status="won", withdrawn=False)
    assert send(client, "charge.dispute.closed", won) == "unchanged"
    assert dispute_entries(org) == {}


def test_a_won_inquiry_books_no_money_and_the_page_says_none_was_withdrawn(
    client: Client, money: MoneyStub
) -> None:
    order, intent = paid_stripe_order(client, money, fee_shop())
    inquiry = dispute_object(intent, money, status="warning_needs_response")
    send(client, "charge.dispute.created", inquiry)
    won = dispute_object(intent, money, status="won", withdrawn=False)
    assert send(client, "charge.dispute.closed", won) == "dispute_won"
    assert row_state(order.organizer_id) == ("won", 5000, 0, 0, 0, 0)
    assert dispute_entries(order.organizer_id) == {}
    assert figures(order.organizer_id) == (0, OWED, OWED)
    assert "the bank decided for you (fraudulent); no money was withdrawn" in pages(order)[0]


# --- inquiry → funds withdrawn → lost -----------------------------------------------------------


def test_an_inquiry_that_becomes_a_dispute_and_is_lost_books_each_movement_once(
    client: Client, money: MoneyStub
) -> None:
    order, intent = paid_stripe_order(client, money, fee_shop())
    org = order.organizer_id
    inquiry = dispute_object(intent, money, status="warning_needs_response")
    assert send(client, "charge.dispute.created", inquiry) == "inquiry"
    assert figures(org) == (0, OWED, OWED)
    # When the bank escalates: Stripe withdraws $50.00 and its $15.00 fee (delivered twice)
    escalated = dispute_object(intent, money, status="needs_response")
    assert send(client, "charge.dispute.funds_withdrawn", escalated) == "funds_withdrawn"
    assert send(client, "charge.dispute.funds_withdrawn", escalated) == "unchanged"
    # Then the $50.00 is held: not available, the platform's cash lower by $65.00
    assert figures(org) == (5000, OWED - 5000, OWED)
    assert balances(org)[("platform:cash", "USD")] == CASH_PAID - 6500
    assert dispute_entries(org) == {EntryKind.DISPUTE: 5000}
    assert row_state(org) == ("needs_response", 5000, 1500, 5000, 0, 0)
    order_page, balance_page = pages(order)
    assert "Disputed: the buyer's bank opened a dispute (fraudulent) for $50.00." in order_page
    assert "Stripe withdrew $50.00; it is held from your balance until the bank decides" in (
        order_page
    )
    assert "Dispute: Stripe withdrew the disputed amount" in order_page  # the timeline
    assert "Held in disputes $50.00" in balance_page
    assert "Available for payout -$2.50" in balance_page
    # and the ledger matches Stripe's withdrawal for the du_ object: -50.00, fee 15.00
    assert reconciled(org, [*charge_transactions(money, intent), withdrawal(DU)]) == []
    # When it is lost
    lost = dispute_object(intent, money, status="lost")
    assert send(client, "charge.dispute.closed", lost) == "dispute_lost"
    # Then the organizer bears the $50.00; no cash moved (Stripe took it at the withdrawal)
    assert figures(org) == (0, OWED - 5000, OWED - 5000)
    assert balances(org)[("platform:cash", "USD")] == CASH_PAID - 6500
    assert dispute_entries(org) == {EntryKind.DISPUTE: 5000, EntryKind.DISPUTE_LOST: 5000}
    assert row_state(org) == ("lost", 5000, 1500, 5000, 0, 0)
    assert (
        "Dispute lost: the bank decided for the buyer; $50.00 went back to them"
        in (pages(order)[0])
    )
    assert reconciled(org, [*charge_transactions(money, intent), withdrawal(DU)]) == []
    assert outcomes("charge.dispute") == [
        "inquiry", "funds_withdrawn", "unchanged", "dispute_lost",
    ]  # fmt: skip


# --- needs response → funds reinstated → won ----------------------------------------------------


@pytest.mark.parametrize("fee_returned", [0, 1500], ids=["fee_kept", "fee_returned"])
def test_a_won_dispute_books_the_reinstatement_and_reconciles_with_stripe(
    client: Client, money: MoneyStub, fee_returned: int
) -> None:
    order, intent = paid_stripe_order(client, money, fee_shop())
    org = order.organizer_id
    opened = dispute_object(intent, money, status="needs_response")
    assert send(client, "charge.dispute.created", opened) == "disputed"
    assert figures(org) == (5000, OWED - 5000, OWED)
    assert dispute_entries(org) == {EntryKind.DISPUTE: 5000}
    # When Stripe reinstates the $50.00 (and, in one case, gives its $15.00 fee back)
    back = dispute_object(intent, money, status="won", reinstated=True, fee_returned=fee_returned)
    assert send(client, "charge.dispute.funds_reinstated", back) == "dispute_won"
    # Then the held money is available again; the platform's cash is Stripe's balance
    assert figures(org) == (0, OWED, OWED)
    assert balances(org)[("platform:cash", "USD")] == CASH_PAID - 1500 + fee_returned
    assert balances(org).get(("platform:stripe_fees", "USD")) == STRIPE_FEE + 1500 - fee_returned
    assert dispute_entries(org) == {EntryKind.DISPUTE: 5000, EntryKind.DISPUTE_WON: 5000}
    assert row_state(org) == ("won", 5000, 1500, 5000, 5000, fee_returned)
    # and the ledger matches Stripe's balance transactions of the du_ object (amount, fee, net)
    stripe_side = [
        *charge_transactions(money, intent),
        withdrawal(DU),
        reinstatement(DU, fee_returned=fee_returned),
    ]
    assert reconciled(org, stripe_side) == []
    # When the "closed" (won) follows, it changes nothing
    assert send(client, "charge.dispute.closed", back) == "unchanged"
    assert figures(org) == (0, OWED, OWED)
    assert dispute_entries(org) == {EntryKind.DISPUTE: 5000, EntryKind.DISPUTE_WON: 5000}
    order_page, balance_page = pages(order)
    assert "the $50.00 held by the dispute (fraudulent) is yours again." in order_page
    assert "Available for payout $47.50" in balance_page
    assert "Held in disputes" not in balance_page
    assert actions(order).count("payments.dispute.won") == 1


def test_a_reconciliation_without_the_returned_fee_in_the_ledger_reports_the_difference(
    client: Client, money: MoneyStub
) -> None:
    # Control for the test above: the ledger kept the fee, Stripe says it gave it back
    order, intent = paid_stripe_order(client, money, fee_shop())
    send(client, "charge.dispute.created", dispute_object(intent, money))
    won = dispute_object(intent, money, status="won", reinstated=True)
    send(client, "charge.dispute.closed", won)
    stripe_side = [
        *charge_transactions(money, intent), withdrawal(DU), reinstatement(DU, fee_returned=1500),
    ]  # fmt: skip
    (difference,) = reconciled(order.organizer_id, stripe_side)
    assert (difference.kind, difference.stripe_ref) == ("amount_mismatch", DU)


# --- any order, duplicates and stale events ----------------------------------------------------


def lost_events(intent: str, money: MoneyStub) -> list[dict[str, Any]]:
    return [
        dispute_object(intent, money, status="warning_needs_response"),
        dispute_object(intent, money, status="needs_response"),  # funds_withdrawn
        dispute_object(intent, money, status="under_review"),  # updated: evidence sent
        dispute_object(intent, money, status="lost"),  # closed
    ]


def won_events(intent: str, money: MoneyStub) -> list[dict[str, Any]]:
    def won() -> dict[str, Any]:
        return dispute_object(intent, money, status="won", reinstated=True, fee_returned=1500)

    return [
        dispute_object(intent, money, status="needs_response"),  # created, money withdrawn
        dispute_object(intent, money, status="under_review"),  # updated
        won(),  # funds_reinstated
        won(),  # closed
    ]


def end_state(organizer_id: int) -> tuple[Any, ...]:
    ledger = tuple(sorted(balances(organizer_id).items()))
    entries = dispute_entries(organizer_id)
    return row_state(organizer_id), entries, figures(organizer_id), ledger


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        (
            lost_events,
            (
                ("lost", 5000, 1500, 5000, 0, 0),
                {EntryKind.DISPUTE: 5000, EntryKind.DISPUTE_LOST: 5000},
                (0, OWED - 5000, OWED - 5000),
            ),
        ),
        (
            won_events,
            (
                ("won", 5000, 1500, 5000, 5000, 1500),
                {EntryKind.DISPUTE: 5000, EntryKind.DISPUTE_WON: 5000},
                (0, OWED, OWED),
            ),
        ),
    ],
    ids=["inquiry_withdrawn_lost", "withdrawn_reinstated_won"],
)
def test_every_order_of_arrival_with_duplicates_and_stale_events_ends_the_same(
    client: Client, money: MoneyStub, events: Any, expected: tuple[Any, ...]
) -> None:
    order, intent = paid_stripe_order(client, money, fee_shop())
    org = order.organizer_id
    ledgers = set()
    for arrival in itertools.permutations(events(intent, money)):
        # Each order of arrival, then every event again backwards (duplicates, stale ones);
        # rolled back after, so the next order starts from the paid order again.
        with transaction.atomic():
            with as_worker_role():
                for dispute in [*arrival, *reversed(arrival)]:
                    dispute_apply(dispute=dispute, event_created=clock.now())
            row, entries, balance, ledger = end_state(org)
            assert (row, entries, balance) == expected, [d["status"] for d in arrival]
            ledgers.add(ledger)
            transaction.set_rollback(True)
    assert len(ledgers) == 1  # every account's balance the same, whatever the order
