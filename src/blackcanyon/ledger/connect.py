"""Recording Stripe Connect's moves between the platform's balance and an organizer's.

A destination charge lands in the platform's Stripe balance (the ``payment`` entry), and Stripe
at once moves the whole amount to the organizer's connected account (a ``transfer``, ``tr_…``)
and takes the platform fee back from it (an ``application_fee``, ``fee_…``). A refund that
reverses the transfer brings the organizer's share back (``transfer_reversal``, ``trr_…``) and
the platform fee goes back with it (``fee_refund``: Stripe's application fee refund, ``fr_…``).
Each is one entry whose ``stripe_ref`` is the object of its balance transaction on the
platform's balance, so reconciliation matches each one. Payouts then leave the connected balance
(``ledger.services``). Same rules as ``ledger.services``: atomic, idempotent by key and Stripe
object, facts not wishes; postings in docs/ledger.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from blackcanyon.ledger.journal import Leg, Recorded, clean_amount
from blackcanyon.ledger.models import AccountKind, EntryKind, Line
from blackcanyon.ledger.services import movement_of, post_in_context

A = AccountKind

#: Entry kind -> (the line, whether the money goes *to* the organizer's connected balance).
MOVES: dict[EntryKind, tuple[Line, bool]] = {
    EntryKind.TRANSFER: (Line.TRANSFER, True),
    EntryKind.APPLICATION_FEE: (Line.APPLICATION_FEE, False),
    EntryKind.TRANSFER_REVERSAL: (Line.TRANSFER, False),
    EntryKind.FEE_REFUND: (Line.APPLICATION_FEE, True),
}


def ledger_record_connect_move(
    kind: EntryKind, *, organizer: Any, order_id: int | None, stripe_ref: str, amount: int,
    currency: str, occurred_at: datetime,
) -> Recorded:  # fmt: skip
    """Money moved between the platform's Stripe balance and the organizer's connected balance:
    ``transfer`` and ``fee_refund`` towards the organizer, ``application_fee`` and
    ``transfer_reversal`` back to the platform. ``stripe_ref`` is the Stripe object (``tr_``,
    ``fee_``, ``trr_``, ``fr_``); the key is ``stripe:<ref>:<kind>``. What the organizer is owed
    does not change: the payment and refund entries book that."""
    line, to_organizer = MOVES[kind]
    amount = clean_amount(amount, name="amount", minimum=1)
    movement = movement_of(
        kind, organizer=organizer, currency=currency, amount=amount, occurred_at=occurred_at,
        key=f"stripe:{stripe_ref}:{kind.value}", order_id=order_id, stripe_ref=stripe_ref,
    )  # fmt: skip
    signed = amount if to_organizer else -amount
    return post_in_context(
        movement, [Leg(A.CONNECTED_BALANCE, signed, line), Leg(A.CASH, -signed, line)]
    )
