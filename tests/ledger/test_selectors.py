"""Balances per currency and payout history, straight from the postings."""

from __future__ import annotations

import pytest

from blackcanyon.core import tenancy
from blackcanyon.ledger import services
from blackcanyon.ledger.selectors import Balance, organizer_balances, organizer_payouts
from tests.factories import OrganizerFactory
from tests.ledger.helpers import at

pytestmark = pytest.mark.django_db


def test_balances_are_kept_per_currency_and_per_organizer() -> None:
    org, other = OrganizerFactory(), OrganizerFactory()
    for n, (who, currency) in enumerate([(org, "USD"), (org, "EUR"), (other, "USD")]):
        services.ledger_record_payment(
            organizer=who, order_id=n, gross=1000 * (n + 1), platform_fee=100, stripe_fee=30,
            currency=currency, occurred_at=at(n), key=f"pay:{n}", stripe_ref=f"ch_{n}",
        )  # fmt: skip
    with tenancy.scoped(organizer_id=org.pk):
        balances = organizer_balances(organizer_id=org.pk)
    assert balances == [
        Balance(currency="EUR", owed=1900, platform_fees=100),
        Balance(currency="USD", owed=900, platform_fees=100),
    ]
    assert [b.available for b in balances] == [1900, 900]


def test_payout_history_shows_each_payout_once_with_its_latest_status() -> None:
    org = OrganizerFactory()
    steps = [
        ("po_a", services.ledger_record_payout, 1),
        ("po_a", services.ledger_record_payout_paid, 2),
        ("po_b", services.ledger_record_payout, 3),
        ("po_b", services.ledger_record_payout_failed, 4),
        ("po_c", services.ledger_record_payout, 5),
    ]
    for ref, step, minute in steps:
        step(
            organizer=org, payout_id=ref, amount=700, currency="USD", occurred_at=at(minute),
            key=f"{ref}:{step.__name__}",
        )  # fmt: skip
    with tenancy.scoped(organizer_id=org.pk):
        payouts = organizer_payouts(organizer_id=org.pk)
    assert [(p.payout_id, p.status) for p in payouts] == [
        ("po_c", "in_transit"),
        ("po_b", "failed"),
        ("po_a", "paid"),
    ]
    assert payouts[2].paid_at == at(2)
    assert payouts[2].money.format() == "$7.00"
