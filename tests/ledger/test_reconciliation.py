"""Reconciliation of the ledger's cash with Stripe's balance transactions."""

from __future__ import annotations

import pytest

from blackcanyon.core import tenancy
from blackcanyon.ledger import connect, disputes, services
from blackcanyon.ledger.models import EntryKind
from blackcanyon.ledger.reconciliation import (
    BadBalanceTransaction,
    Figures,
    LedgerCash,
    reconcile,
    reconciliation_report,
)
from tests.factories import OrganizerFactory
from tests.ledger.helpers import as_worker_role, at


def txn(
    id_: str, source: str, amount: int, fee: int = 0, type_: str = "charge", currency: str = "usd"
):
    """A Stripe ``balance_transaction`` as the API returns it (the fields we read)."""
    return {
        "id": id_, "object": "balance_transaction", "amount": amount, "fee": fee,
        "net": amount - fee, "currency": currency, "type": type_, "source": source,
        "status": "available",
    }  # fmt: skip


def test_matching_books_reconcile_cleanly() -> None:
    ledger = [LedgerCash("ch_1", "USD", Figures(5000, 175, 4825))]
    report = reconcile(ledger=ledger, balance_transactions=[txn("txn_1", "ch_1", 5000, 175)])
    assert report.ok
    assert report.matched == 1


def test_each_kind_of_difference_is_flagged() -> None:
    ledger = [
        LedgerCash("ch_1", "USD", Figures(5000, 175, 4825)),
        LedgerCash("ch_2", "USD", Figures(3000, 117, 2883)),
        LedgerCash("re_9", "USD", Figures(-1000, 0, -1000)),
    ]
    stripe = [
        txn("txn_1", "ch_1", 5000, 175),
        txn("txn_2", "ch_2", 3000, 120),  # Stripe took 3 cents more
        txn("txn_3", "po_7", -4000, type_="payout"),  # never recorded
    ]
    report = reconcile(ledger=ledger, balance_transactions=stripe)
    assert report.matched == 1
    assert [(d.kind, d.stripe_ref) for d in report.differences] == [
        ("amount_mismatch", "ch_2"),
        ("missing_in_ledger", "po_7"),
        ("missing_at_stripe", "re_9"),
    ]
    mismatch = report.differences[0]
    assert mismatch.stripe == Figures(3000, 120, 2880)
    assert mismatch.ledger.fee == 117
    assert report.differences[1].balance_transactions == ("txn_3",)


@pytest.mark.parametrize(
    "bad",
    [
        {"id": "txn_1"},
        {"id": "txn_1", "currency": "usd", "amount": 1.5, "fee": 0, "net": 0},
        "txn_1",
    ],
)
def test_a_malformed_balance_transaction_is_a_coded_refusal(bad) -> None:
    with pytest.raises(BadBalanceTransaction) as caught:
        reconcile(ledger=[], balance_transactions=[bad])
    assert caught.value.code == "ledger_bad_balance_transaction"


@pytest.mark.django_db
def test_the_report_compares_every_recorded_movement_with_stripe() -> None:
    # Given two organizers' payments, a refund, a dispute and a payout in the ledger
    org_a, org_b = OrganizerFactory(), OrganizerFactory()
    services.ledger_record_payment(
        organizer=org_a, order_id=1, gross=5000, platform_fee=250, stripe_fee=175,
        currency="USD", occurred_at=at(), key="k1", stripe_ref="ch_a",
    )  # fmt: skip
    services.ledger_record_payment(
        organizer=org_b, order_id=2, gross=2000, platform_fee=100, stripe_fee=88,
        currency="USD", occurred_at=at(), key="k2", stripe_ref="ch_b",
    )  # fmt: skip
    services.ledger_record_refund(
        organizer=org_a, order_id=1, amount=1000, currency="USD", occurred_at=at(1), key="k3",
        stripe_ref="re_a",
    )  # fmt: skip
    disputes.ledger_record_dispute(
        organizer=org_b, order_id=2, amount=2000, fee=1500, currency="USD", occurred_at=at(2),
        key="k4", stripe_ref="du_b",
    )  # fmt: skip
    # org_a's charge was a destination charge: the transfer and the platform fee taken back
    for kind, ref, amount in (
        (EntryKind.TRANSFER, "tr_a", 5000),
        (EntryKind.APPLICATION_FEE, "fee_a", 250),
    ):
        connect.ledger_record_connect_move(
            kind, organizer=org_a, order_id=1, stripe_ref=ref, amount=amount, currency="USD",
            occurred_at=at(),
        )  # fmt: skip
    # and a payout from org_a's connected account (not the platform's balance)
    services.ledger_record_payout(
        organizer=org_a, payout_id="po_a", amount=3000, currency="USD", occurred_at=at(3), key="k5"
    )
    stripe = [
        txn("txn_1", "ch_a", 5000, 175),
        txn("txn_1t", "tr_a", -5000, type_="transfer"),
        txn("txn_1f", "fee_a", 250, type_="application_fee"),
        txn("txn_2", "ch_b", 2000, 88),
        txn("txn_3", "re_a", -1000, type_="refund"),
        txn("txn_4", "du_b", -2000, 1500, type_="adjustment"),
        txn("txn_6", "ch_zzz", 999, 30),  # a charge the ledger never heard of
    ]
    # When the platform reconciles (the worker, across organizers)
    with as_worker_role():
        report = reconciliation_report(balance_transactions=stripe)
    # Then everything matches except the unknown charge
    assert report.matched == 6
    assert [(d.kind, d.stripe_ref) for d in report.differences] == [("missing_in_ledger", "ch_zzz")]

    # And one organizer's view flags the other organizer's movements as missing in its ledger
    with tenancy.scoped(organizer_id=org_a.pk):
        only_a = reconciliation_report(balance_transactions=stripe[:1], organizer_id=org_a.pk)
    assert [(d.kind, d.stripe_ref) for d in only_a.differences] == [
        ("missing_at_stripe", "fee_a"),
        ("missing_at_stripe", "re_a"),
        ("missing_at_stripe", "tr_a"),
    ]


@pytest.mark.django_db
def test_a_window_keeps_older_movements_of_listed_objects_in_view() -> None:
    org = OrganizerFactory()
    services.ledger_record_payment(
        organizer=org, order_id=1, gross=5000, platform_fee=0, stripe_fee=175, currency="USD",
        occurred_at=at(0), key="k1", stripe_ref="ch_old",
    )  # fmt: skip
    with tenancy.scoped(organizer_id=org.pk):
        report = reconciliation_report(
            balance_transactions=[txn("txn_1", "ch_old", 5000, 175)],
            organizer_id=org.pk, since=at(60), until=at(120),
        )  # fmt: skip
    assert report.ok
