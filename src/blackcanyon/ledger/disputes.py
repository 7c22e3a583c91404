"""Recording disputes in the ledger: money Stripe withdrew for a dispute, and its outcome.

Same rules as ``ledger.services`` (atomic, idempotent by key and Stripe object, facts not
wishes); postings per kind in docs/ledger.md. Each entry mirrors one of the dispute's balance
transactions at Stripe (the withdrawal; the reinstatement of a won dispute), so reconciliation
of the ``du_…`` object matches Stripe's amount, fee and net; a lost dispute moves no cash.
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


def ledger_record_dispute_won(
    *, organizer: Any, order_id: int | None, amount: int, currency: str,
    occurred_at: datetime, key: str, stripe_ref: str = "", fee_returned: int = 0,
    fee_bearer: FeeBearer | str = FeeBearer.PLATFORM,
) -> Recorded:  # fmt: skip
    """Stripe reinstated ``amount`` held by a dispute (it was won): back in the Stripe balance.

    ``fee_returned``: the part of the dispute fee Stripe gave back with it (the reinstatement's
    negative fee), back to whoever bore the fee. Without it the dispute fee stays a cost.
    """
    amount = clean_amount(amount, name="amount", minimum=1)
    fee_returned = clean_amount(fee_returned, name="fee_returned")
    movement = movement_of(
        EntryKind.DISPUTE_WON, organizer=organizer, currency=currency, amount=amount,
        occurred_at=occurred_at, key=key, order_id=order_id, stripe_ref=stripe_ref,
    )  # fmt: skip
    return post_in_context(
        movement,
        [
            Leg(A.CASH, amount, Line.DISPUTE_REVERSAL),
            Leg(A.DISPUTES, -amount, Line.DISPUTE_REVERSAL),
            Leg(A.CASH, fee_returned, Line.DISPUTE_FEE),
            Leg(fee_account(fee_bearer), -fee_returned, Line.DISPUTE_FEE),
        ],
    )


def ledger_record_dispute_lost(
    *, organizer: Any, order_id: int | None, amount: int, currency: str,
    occurred_at: datetime, key: str, stripe_ref: str = "",
) -> Recorded:  # fmt: skip
    """The dispute was lost: the held ``amount`` is gone; the organizer's balance bears it.
    No cash moves (Stripe withdrew it when the dispute opened)."""
    amount = clean_amount(amount, name="amount", minimum=1)
    movement = movement_of(
        EntryKind.DISPUTE_LOST, organizer=organizer, currency=currency, amount=amount,
        occurred_at=occurred_at, key=key, order_id=order_id, stripe_ref=stripe_ref,
    )  # fmt: skip
    line = Line.DISPUTE
    return post_in_context(movement, [Leg(A.PAYABLE, amount, line), Leg(A.DISPUTES, -amount, line)])
