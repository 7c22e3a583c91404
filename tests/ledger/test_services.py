"""Recording money movements: the postings of each kind, idempotency and refusals."""

from __future__ import annotations

from typing import Any

import pytest

from blackcanyon.core import tenancy
from blackcanyon.core.errors import DomainError
from blackcanyon.core.models import AuditLog
from blackcanyon.ledger import connect, disputes, errors, journal, services
from blackcanyon.ledger.models import EntryKind, JournalEntry
from tests.factories import OrganizerFactory, UserFactory
from tests.ledger.helpers import at, entry_count, postings_of, sums_by_account

pytestmark = pytest.mark.django_db


def pay(organizer, *, key="stripe:ch_1:payment", gross=5000, fee=250, stripe_fee=175, **kw):
    kw.setdefault("stripe_ref", key.split(":")[1])
    return services.ledger_record_payment(
        organizer=organizer, order_id=7, gross=gross, platform_fee=fee, stripe_fee=stripe_fee,
        currency="USD", occurred_at=at(), key=key, **kw,
    )  # fmt: skip


def pay_destination(organizer, *, ref="1", gross=5000, fee=250):
    """A destination charge: the payment, the transfer of the whole amount to the organizer's
    connected account and the platform fee taken back, as Stripe moves them."""
    pay(organizer, key=f"stripe:ch_{ref}:payment", gross=gross, fee=fee)
    connect.ledger_record_connect_move(
        EntryKind.TRANSFER, organizer=organizer, order_id=7, stripe_ref=f"tr_{ref}",
        amount=gross, currency="USD", occurred_at=at(),
    )  # fmt: skip
    connect.ledger_record_connect_move(
        EntryKind.APPLICATION_FEE, organizer=organizer, order_id=7, stripe_ref=f"fee_{ref}",
        amount=fee, currency="USD", occurred_at=at(),
    )  # fmt: skip


def test_a_destination_charge_moves_the_organizers_share_to_their_stripe_balance() -> None:
    org = OrganizerFactory()
    pay_destination(org)
    assert sums_by_account(org.pk) == {
        # +5000 charge - 175 Stripe fee - 5000 transfer + 250 platform fee taken back
        "platform:cash": 75,
        f"organizer:{org.pk}:payable": -4750,
        f"organizer:{org.pk}:connected_balance": 4750,
        "platform:fees": -250,
        "platform:stripe_fees": 175,
    }
    # a refund of $10 reversing the transfer and giving back $0.50 of platform fee
    services.ledger_record_refund(
        organizer=org, order_id=7, amount=1000, currency="USD", occurred_at=at(1),
        key="stripe:re_1:refund", platform_fee_refund=50, stripe_ref="re_1",
    )  # fmt: skip
    for kind, ref, amount in (
        (EntryKind.TRANSFER_REVERSAL, "trr_1", 1000),
        (EntryKind.FEE_REFUND, "fr_1", 50),
    ):
        connect.ledger_record_connect_move(
            kind, organizer=org, order_id=7, stripe_ref=ref, amount=amount, currency="USD",
            occurred_at=at(1),
        )  # fmt: skip
    assert sums_by_account(org.pk) == {
        "platform:cash": 75 - 50,
        f"organizer:{org.pk}:payable": -3800,
        f"organizer:{org.pk}:connected_balance": 3800,
        "platform:fees": -200,
        "platform:stripe_fees": 175,
    }
    # each move is booked once, keyed by its Stripe object
    again = connect.ledger_record_connect_move(
        EntryKind.TRANSFER, organizer=org, order_id=7, stripe_ref="tr_1", amount=5000,
        currency="USD", occurred_at=at(2),
    )  # fmt: skip
    assert not again.created
    assert again.entry.idempotency_key == "stripe:tr_1:transfer"


def test_a_payment_books_cash_fees_and_what_the_organizer_is_owed() -> None:
    # Given an organizer; When a buyer pays $50.00 with a $2.50 platform fee and $1.75 Stripe fee
    org = OrganizerFactory()
    recorded = pay(org)

    # Then one payment entry whose pairs of postings each balance
    assert recorded.created
    assert recorded.entry.kind == EntryKind.PAYMENT
    assert postings_of(org.pk) == [
        ("platform:cash", "gross", 5000),
        (f"organizer:{org.pk}:payable", "gross", -5000),
        (f"organizer:{org.pk}:payable", "platform_fee", 250),
        ("platform:fees", "platform_fee", -250),
        ("platform:stripe_fees", "stripe_fee", 175),
        ("platform:cash", "stripe_fee", -175),
    ]
    # And the platform holds 48.25, owes the organizer 47.50, earned 2.50 and paid Stripe 1.75
    assert sums_by_account(org.pk) == {
        "platform:cash": 4825,
        f"organizer:{org.pk}:payable": -4750,
        "platform:fees": -250,
        "platform:stripe_fees": 175,
    }


def test_an_organizer_bearing_the_stripe_fee_is_owed_that_much_less() -> None:
    org = OrganizerFactory()
    pay(org, stripe_fee_bearer="organizer")
    assert sums_by_account(org.pk) == {
        "platform:cash": 4825,
        f"organizer:{org.pk}:payable": -4575,
        "platform:fees": -250,
    }


def test_recording_the_same_payment_twice_changes_nothing() -> None:
    org = OrganizerFactory()
    first = pay(org)
    # When the same key arrives again, and the same charge under another event's key
    again = pay(org)
    other_event = pay(org, key="stripe:ch_1:payment-retry", stripe_ref="ch_1")

    # Then both return the first entry and nothing new is booked
    assert not again.created
    assert again.entry.pk == first.entry.pk
    assert not other_event.created
    assert other_event.entry.pk == first.entry.pk
    assert entry_count(org.pk) == 1


def test_a_key_reused_for_a_different_movement_is_refused() -> None:
    org = OrganizerFactory()
    pay(org)
    with pytest.raises(errors.KeyReused) as caught:
        pay(org, gross=9999)
    assert caught.value.code == "ledger_key_reused"


def test_a_partial_refund_with_part_of_the_platform_fee_returned() -> None:
    org = OrganizerFactory()
    pay(org)
    # When $20.00 is refunded and the platform returns $1.00 of its fee
    services.ledger_record_refund(
        organizer=org, order_id=7, amount=2000, platform_fee_refund=100, currency="USD",
        occurred_at=at(5), key="stripe:re_1:refund", stripe_ref="re_1",
    )  # fmt: skip
    # Then the organizer is owed 47.50 - 20.00 + 1.00 and the platform keeps 1.50 of fees
    assert sums_by_account(org.pk) == {
        "platform:cash": 2825,
        f"organizer:{org.pk}:payable": -2850,
        "platform:fees": -150,
        "platform:stripe_fees": 175,
    }


def test_a_dispute_holds_the_money_until_won() -> None:
    org = OrganizerFactory()
    pay(org)
    common = {"organizer": org, "order_id": 7, "currency": "USD", "stripe_ref": "du_1"}
    disputes.ledger_record_dispute(
        amount=5000, fee=1500, occurred_at=at(1), key="stripe:du_1:dispute", **common
    )
    held = sums_by_account(org.pk)
    assert held[f"organizer:{org.pk}:disputes"] == 5000
    assert held["platform:cash"] == 4825 - 5000 - 1500
    disputes.ledger_record_dispute_won(
        amount=5000, occurred_at=at(9), key="stripe:du_1:won", **common
    )
    won = sums_by_account(org.pk)
    assert f"organizer:{org.pk}:disputes" not in won
    assert won["platform:cash"] == 4825 - 1500
    assert won["platform:stripe_fees"] == 175 + 1500


def test_a_lost_dispute_is_borne_by_the_organizer() -> None:
    org = OrganizerFactory()
    pay(org)
    common = {"organizer": org, "order_id": 7, "currency": "USD", "stripe_ref": "du_2"}
    disputes.ledger_record_dispute(amount=5000, fee=0, occurred_at=at(1), key="d:open", **common)
    disputes.ledger_record_dispute_lost(amount=5000, occurred_at=at(2), key="d:lost", **common)
    assert sums_by_account(org.pk) == {
        "platform:cash": -175,
        f"organizer:{org.pk}:payable": 250,
        "platform:fees": -250,
        "platform:stripe_fees": 175,
    }


def _payout(kind: str, org, *, ref="po_1", amount=4750, minute=0):
    record = getattr(
        services, {"sent": "ledger_record_payout"}.get(kind, f"ledger_record_payout_{kind}")
    )
    return record(
        organizer=org, payout_id=ref, amount=amount, currency="USD", occurred_at=at(minute),
        key=f"stripe:{ref}:{kind}",
    )  # fmt: skip


def test_a_payout_moves_from_available_to_in_transit_to_paid() -> None:
    org = OrganizerFactory()
    pay_destination(org)
    _payout("sent", org)
    sums = sums_by_account(org.pk)
    assert sums[f"organizer:{org.pk}:payouts_in_transit"] == 4750
    # it left the organizer's Stripe balance; the platform's is untouched
    assert f"organizer:{org.pk}:connected_balance" not in sums
    assert sums["platform:cash"] == 75
    _payout("paid", org, minute=1)
    assert sums_by_account(org.pk) == {
        "platform:cash": 75,
        "platform:fees": -250,
        "platform:stripe_fees": 175,
    }


@pytest.mark.parametrize(
    "arrival",
    [
        ("sent", "failed"),
        ("failed", "sent"),
        ("sent", "paid", "failed"),
        ("sent", "failed", "paid"),
        ("paid", "failed", "sent"),
        ("failed", "paid", "sent"),
    ],
)
def test_a_failed_payout_is_owed_again_whatever_order_its_events_arrive_in(arrival) -> None:
    org = OrganizerFactory()
    pay_destination(org)
    for minute, kind in enumerate(arrival):
        _payout(kind, org, minute=minute)
    # Then, once all are in, the organizer is owed the whole amount again, nothing in transit
    assert sums_by_account(org.pk) == {
        "platform:cash": 75,
        f"organizer:{org.pk}:payable": -4750,
        f"organizer:{org.pk}:connected_balance": 4750,
        "platform:fees": -250,
        "platform:stripe_fees": 175,
    }


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"gross": 0}, "ledger_invalid_amount"),
        ({"gross": 12.5}, "ledger_invalid_amount"),
        ({"gross": True}, "ledger_invalid_amount"),
        ({"fee": 6000}, "ledger_invalid_amount"),
        ({"stripe_fee": -1}, "ledger_invalid_amount"),
        ({"currency": "XXX"}, "ledger_invalid_currency"),
        ({"key": ""}, "ledger_invalid_key"),
        ({"key": "k" * 201}, "ledger_invalid_key"),
    ],
)
def test_malformed_input_is_refused_with_a_code(changes, code) -> None:
    org = OrganizerFactory()
    currency = changes.pop("currency", "USD")
    key = changes.pop("key", "k1")
    args = {"gross": 5000, "fee": 250, "stripe_fee": 175} | changes
    with pytest.raises(DomainError) as caught:
        services.ledger_record_payment(
            organizer=org, order_id=1, gross=args["gross"], platform_fee=args["fee"],
            stripe_fee=args["stripe_fee"], currency=currency, occurred_at=at(), key=key,
        )  # fmt: skip
    assert caught.value.code == code
    assert entry_count(org.pk) == 0


def test_naive_time_is_refused() -> None:
    org = OrganizerFactory()
    with pytest.raises(errors.InvalidTime):
        services.ledger_record_refund(
            organizer=org, order_id=1, amount=1, currency="USD",
            occurred_at=at().replace(tzinfo=None), key="k",
        )  # fmt: skip


def test_a_manual_adjustment_is_audited_with_its_reason() -> None:
    org = OrganizerFactory()
    staff = UserFactory(is_staff=True)
    recorded = services.ledger_adjust(
        actor=staff, organizer=org, key="adj:1", currency="USD",
        legs=[("payable", -300), ("fees", 300)], reason="Goodwill credit for the delayed payout",
    )  # fmt: skip
    assert recorded.created
    assert recorded.entry.memo.startswith("Goodwill")
    with tenancy.scoped(organizer_id=org.pk):
        log = AuditLog.objects.get(action="ledger.entry.adjusted")
    assert log.actor_id == staff.pk
    assert log.organizer_id == org.pk
    assert log.data["reason"] == "Goodwill credit for the delayed payout"
    # And a retry neither books nor audits again
    services.ledger_adjust(
        actor=staff, organizer=org, key="adj:1", currency="USD",
        legs=[("payable", -300), ("fees", 300)], reason="Goodwill credit for the delayed payout",
    )  # fmt: skip
    with tenancy.scoped(organizer_id=org.pk):
        assert AuditLog.objects.filter(action="ledger.entry.adjusted").count() == 1
    assert entry_count(org.pk) == 1


@pytest.mark.parametrize(
    ("legs", "reason", "code"),
    [
        ([("payable", -300), ("fees", 200)], "typo", "ledger_entry_unbalanced"),
        ([("payable", -300), ("fees", 300)], "   ", "ledger_reason_required"),
        ([("savings", -300), ("fees", 300)], "x", "ledger_invalid_account"),
        ([], "x", "ledger_entry_unbalanced"),
    ],
)
def test_a_bad_adjustment_is_refused_and_books_nothing(legs, reason, code) -> None:
    org = OrganizerFactory()
    with pytest.raises(DomainError) as caught:
        services.ledger_adjust(
            actor=UserFactory(), organizer=org, key="adj:x", currency="USD", legs=legs,
            reason=reason,
        )  # fmt: skip
    assert getattr(caught.value, "code", None) == code
    assert entry_count(org.pk) == 0
    with tenancy.scoped(organizer_id=org.pk):
        assert not JournalEntry.objects.exists()


def test_fees_charged_on_their_own_reduce_what_the_organizer_is_owed() -> None:
    org = OrganizerFactory()
    pay(org)
    services.ledger_record_platform_fee(
        organizer=org, amount=900, currency="USD", occurred_at=at(1), key="fee:monthly:2026-11",
        memo="Monthly plan",
    )  # fmt: skip
    services.ledger_record_stripe_fee(
        organizer=org, amount=200, currency="USD", occurred_at=at(2), key="stripe:txn_9:fee",
        stripe_ref="txn_9", bearer="organizer",
    )  # fmt: skip
    assert sums_by_account(org.pk) == {
        "platform:cash": 4825 - 200,
        f"organizer:{org.pk}:payable": -4750 + 900 + 200,
        "platform:fees": -250 - 900,
        "platform:stripe_fees": 175,
    }


def test_a_duplicate_losing_the_race_returns_the_winners_entry(monkeypatch) -> None:
    # Given another worker records the same payment right after this one checked the key
    org = OrganizerFactory()
    real_existing = journal._existing
    winner: list[Any] = []
    raced: list[bool] = []

    def racing(movement: Any) -> Any:
        if not raced:
            raced.append(True)
            winner.append(pay(org))  # the other worker's insert lands first
            return None  # ... but this one had already looked and found nothing
        return real_existing(movement)

    monkeypatch.setattr(journal, "_existing", racing)

    # When this worker inserts and hits the unique key
    loser = pay(org)

    # Then it gets the winner's entry and nothing is booked twice
    assert not loser.created
    assert loser.entry.pk == winner[0].entry.pk
    assert entry_count(org.pk) == 1
