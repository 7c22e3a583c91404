"""Recording disputes in the ledger: money Stripe withdrew for a dispute, and its outcome.

Same rules as ``ledger.services`` (atomic, idempotent by key and Stripe object, facts not
wishes); postings per kind in docs/ledger.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from blackcanyon.ledger.journal import Leg, Recorded, clean_amount
from blackcanyon.ledger.models import AccountKind, EntryKind, Line
from blackcanyon.ledger.services import FeeBearer, fee_account, movement_of, post_in_context

A = AccountKind


def ledger_record_dispute(
    *,
    organizer: Any,
    order_id: int | None,
    amount: int,
    fee: int,
    currency: str,
    occurred_at: datetime,
    key: str,
    stripe_ref: str = "",
    fee_bearer: FeeBearer | str = FeeBearer.PLATFORM,
) -> Recorded:
    """A buyer disputed a charge: Stripe withdrew ``amount`` plus its dispute ``fee``.

    The amount is held in the organizer's ``disputes`` account (not available for payouts)
    until the dispute is won (back to cash) or lost (the organizer bears it).
    """
    amount = clean_amount(amount, name="amount", minimum=1)
    fee = clean_amount(fee, name="fee")
    movement = movement_of(
        EntryKind.DISPUTE, organizer=organizer, currency=currency, amount=amount,
        occurred_at=occurred_at, key=key, order_id=order_id, stripe_ref=stripe_ref,
    )  # fmt: skip
    return post_in_context(
        movement,
        [
            Leg(A.DISPUTES, amount, Line.DISPUTE),
            Leg(A.CASH, -amount, Line.DISPUTE),
            Leg(fee_account(fee_bearer), fee, Line.DISPUTE_FEE),
            Leg(A.CASH, -fee, Line.DISPUTE_FEE),
        ],
    )


def _dispute_closed(
    kind: EntryKind, *, organizer: Any, order_id: int | None, amount: int, currency: str,
    occurred_at: datetime, key: str, stripe_ref: str,
) -> Recorded:  # fmt: skip
    amount = clean_amount(amount, name="amount", minimum=1)
    movement = movement_of(
        kind, organizer=organizer, currency=currency, amount=amount,
        occurred_at=occurred_at, key=key, order_id=order_id, stripe_ref=stripe_ref,
    )  # fmt: skip
    settle = A.CASH if kind == EntryKind.DISPUTE_WON else A.PAYABLE
    line = Line.DISPUTE_REVERSAL if kind == EntryKind.DISPUTE_WON else Line.DISPUTE
    return post_in_context(movement, [Leg(settle, amount, line), Leg(A.DISPUTES, -amount, line)])


def ledger_record_dispute_won(
    *, organizer: Any, order_id: int | None, amount: int, currency: str,
    occurred_at: datetime, key: str, stripe_ref: str = "",
) -> Recorded:  # fmt: skip
    """The dispute was won: Stripe returned the held ``amount`` (its fee is not returned)."""
    return _dispute_closed(
        EntryKind.DISPUTE_WON, organizer=organizer, order_id=order_id, amount=amount,
        currency=currency, occurred_at=occurred_at, key=key, stripe_ref=stripe_ref,
    )  # fmt: skip


def ledger_record_dispute_lost(
    *, organizer: Any, order_id: int | None, amount: int, currency: str,
    occurred_at: datetime, key: str, stripe_ref: str = "",
) -> Recorded:  # fmt: skip
    """The dispute was lost: the held ``amount`` is gone; the organizer's balance bears it."""
    return _dispute_closed(
        EntryKind.DISPUTE_LOST, organizer=organizer, order_id=order_id, amount=amount,
        currency=currency, occurred_at=occurred_at, key=key, stripe_ref=stripe_ref,
    )  # fmt: skip
