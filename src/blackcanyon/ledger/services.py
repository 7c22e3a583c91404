"""Recording money movements in the ledger (the only writes of this app).

Each function books one movement as one balanced journal entry, atomically, and is idempotent:
the same ``key`` (and, for Stripe objects, the same ``stripe_ref`` of the same kind) is recorded
once; a repeat returns the first entry with ``created=False``. The ledger records facts that
already happened at Stripe, so it refuses only malformed input, never a movement that leaves a
balance negative (reconciliation and the balance page make those visible). Keys and postings
per kind: docs/ledger.md.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db import connection, transaction

from blackcanyon.core import audit, clock
from blackcanyon.ledger import errors
from blackcanyon.ledger.journal import (
    Leg,
    Movement,
    Recorded,
    clean_amount,
    clean_currency,
    clean_key,
    clean_time,
    in_context,
    post,
)
from blackcanyon.ledger.models import (
    ORGANIZER_KINDS,
    AccountKind,
    EntryKind,
    JournalEntry,
    Line,
)

A = AccountKind


class FeeBearer(StrEnum):
    """Who pays Stripe's fees. ``platform`` (default) matches Connect destination charges: Stripe
    takes its fee from the platform's balance and the platform fee is meant to cover it.
    ``organizer`` matches direct charges: the organizer's share is reduced by the fee."""

    PLATFORM = "platform"
    ORGANIZER = "organizer"


def fee_account(bearer: FeeBearer | str) -> AccountKind:
    if FeeBearer(bearer) is FeeBearer.ORGANIZER:
        return A.PAYABLE
    return A.STRIPE_FEES


def movement_of(
    kind: EntryKind, *, organizer: Any, currency: str, amount: int, occurred_at: datetime,
    key: str, **refs: Any,
) -> Movement:  # fmt: skip
    return Movement(
        kind=kind,
        key=clean_key(key),
        organizer_id=getattr(organizer, "pk", None),
        currency=clean_currency(currency),
        amount=amount,
        occurred_at=clean_time(occurred_at),
        order_id=refs.get("order_id"),
        stripe_ref=str(refs.get("stripe_ref") or ""),
        memo=str(refs.get("memo") or ""),
    )


def post_in_context(movement: Movement, legs: list[Leg]) -> Recorded:
    with in_context(movement.organizer_id), transaction.atomic():
        return post(movement, legs)


def ledger_record_payment(
    *,
    organizer: Any,
    order_id: int | None,
    gross: int,
    platform_fee: int,
    stripe_fee: int,
    currency: str,
    occurred_at: datetime,
    key: str,
    stripe_ref: str = "",
    stripe_fee_bearer: FeeBearer | str = FeeBearer.PLATFORM,
) -> Recorded:
    """A buyer paid ``gross`` for an order (``stripe_ref``: the charge, ``ch_...``).

    Cash grows by gross - Stripe fee; the organizer is owed gross - platform fee (- the Stripe
    fee when they bear it); the platform earns the platform fee (and bears the Stripe fee by
    default). Raises ``InvalidAmount`` / ``InvalidCurrency`` / ``InvalidKey`` / ``KeyReused``.
    """
    gross = clean_amount(gross, name="gross", minimum=1)
    platform_fee = clean_amount(platform_fee, name="platform_fee")
    stripe_fee = clean_amount(stripe_fee, name="stripe_fee")
    if platform_fee > gross:
        raise errors.InvalidAmount(fields={"platform_fee": ["Cannot exceed the gross amount."]})
    bearer_account = fee_account(stripe_fee_bearer)
    movement = movement_of(
        EntryKind.PAYMENT, organizer=organizer, currency=currency, amount=gross,
        occurred_at=occurred_at, key=key, order_id=order_id, stripe_ref=stripe_ref,
    )  # fmt: skip
    return post_in_context(
        movement,
        [
            Leg(A.CASH, gross, Line.GROSS),
            Leg(A.PAYABLE, -gross, Line.GROSS),
            Leg(A.PAYABLE, platform_fee, Line.PLATFORM_FEE),
            Leg(A.FEES, -platform_fee, Line.PLATFORM_FEE),
            Leg(bearer_account, stripe_fee, Line.STRIPE_FEE),
            Leg(A.CASH, -stripe_fee, Line.STRIPE_FEE),
        ],
    )


def ledger_record_refund(
    *,
    organizer: Any,
    order_id: int | None,
    amount: int,
    currency: str,
    occurred_at: datetime,
    key: str,
    platform_fee_refund: int = 0,
    stripe_ref: str = "",
) -> Recorded:
    """``amount`` went back to the buyer (full or partial; ``stripe_ref``: the refund ``re_...``).

    The organizer's balance bears the refund, less ``platform_fee_refund`` — the part of the
    platform fee the platform gives back (0 by default: the platform keeps its fee, as Stripe
    keeps its own). Stripe does not return its processing fee on refunds.
    """
    amount = clean_amount(amount, name="amount", minimum=1)
    fee_back = clean_amount(platform_fee_refund, name="platform_fee_refund")
    if fee_back > amount:
        raise errors.InvalidAmount(
            fields={"platform_fee_refund": ["Cannot exceed the refunded amount."]}
        )
    movement = movement_of(
        EntryKind.REFUND, organizer=organizer, currency=currency, amount=amount,
        occurred_at=occurred_at, key=key, order_id=order_id, stripe_ref=stripe_ref,
    )  # fmt: skip
    return post_in_context(
        movement,
        [
            Leg(A.PAYABLE, amount, Line.REFUND),
            Leg(A.CASH, -amount, Line.REFUND),
            Leg(A.FEES, fee_back, Line.PLATFORM_FEE),
            Leg(A.PAYABLE, -fee_back, Line.PLATFORM_FEE),
        ],
    )


# --- payouts ------------------------------------------------------------------------------------


def _lock_payout(payout_id: str) -> None:
    """Serialise the stages of one payout (their postings depend on each other)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [payout_id])


def _payout_stage_exists(organizer: Any, payout_id: str, kind: EntryKind) -> bool:
    return JournalEntry.objects.filter(
        organizer=organizer, stripe_ref=payout_id, kind=kind
    ).exists()


def _payout(
    kind: EntryKind, *, organizer: Any, payout_id: str, amount: int, currency: str,
    occurred_at: datetime, key: str,
) -> Recorded:  # fmt: skip
    amount = clean_amount(amount, name="amount", minimum=1)
    if not str(payout_id or "").strip():
        raise errors.InvalidKey(
            "A payout needs its Stripe id.", fields={"payout_id": ["Required."]}
        )
    movement = movement_of(
        kind, organizer=organizer, currency=currency, amount=amount,
        occurred_at=occurred_at, key=key, stripe_ref=payout_id,
    )  # fmt: skip
    with in_context(movement.organizer_id), transaction.atomic():
        _lock_payout(payout_id)
        if kind == EntryKind.PAYOUT:
            legs = [
                Leg(A.PAYOUTS_IN_TRANSIT, amount, Line.PAYOUT),
                Leg(A.CONNECTED_BALANCE, -amount, Line.PAYOUT),
            ]
        elif kind == EntryKind.PAYOUT_PAID:
            failed = _payout_stage_exists(organizer, payout_id, EntryKind.PAYOUT_FAILED)
            if failed and not _payout_stage_exists(organizer, payout_id, EntryKind.PAYOUT_PAID):
                return Recorded(None, created=False)  # a late "paid" for a failed payout
            legs = [
                Leg(A.PAYABLE, amount, Line.PAYOUT),
                Leg(A.PAYOUTS_IN_TRANSIT, -amount, Line.PAYOUT),
            ]
        else:
            paid = _payout_stage_exists(organizer, payout_id, EntryKind.PAYOUT_PAID)
            undo = A.PAYABLE if paid else A.PAYOUTS_IN_TRANSIT
            legs = [Leg(A.CONNECTED_BALANCE, amount, Line.PAYOUT), Leg(undo, -amount, Line.PAYOUT)]
        return post(movement, legs)


def ledger_record_payout(
    *, organizer: Any, payout_id: str, amount: int, currency: str, occurred_at: datetime,
    key: str,
) -> Recorded:  # fmt: skip
    """A payout left the organizer's connected Stripe balance (``payout.created``): connected
    balance → payouts in transit (the platform's own balance is not touched)."""
    return _payout(
        EntryKind.PAYOUT, organizer=organizer, payout_id=payout_id, amount=amount,
        currency=currency, occurred_at=occurred_at, key=key,
    )  # fmt: skip


def ledger_record_payout_paid(
    *, organizer: Any, payout_id: str, amount: int, currency: str, occurred_at: datetime,
    key: str,
) -> Recorded:  # fmt: skip
    """The payout arrived (``payout.paid``): what we owe the organizer drops by ``amount``.
    A "paid" that arrives after the payout's failure is ignored (``entry`` is None)."""
    return _payout(
        EntryKind.PAYOUT_PAID, organizer=organizer, payout_id=payout_id, amount=amount,
        currency=currency, occurred_at=occurred_at, key=key,
    )  # fmt: skip


def ledger_record_payout_failed(
    *, organizer: Any, payout_id: str, amount: int, currency: str, occurred_at: datetime,
    key: str,
) -> Recorded:  # fmt: skip
    """The payout failed (``payout.failed``): the money is back in the connected balance and owed
    to the organizer again (undoing whichever stages were recorded, in any order of arrival)."""
    return _payout(
        EntryKind.PAYOUT_FAILED, organizer=organizer, payout_id=payout_id, amount=amount,
        currency=currency, occurred_at=occurred_at, key=key,
    )  # fmt: skip


def ledger_record_platform_payout(
    *, payout_id: str, amount: int, currency: str, occurred_at: datetime, failed: bool = False
) -> Recorded:
    """The platform's own payout (its Stripe balance to its bank; a webhook without
    ``account``): ``payout`` — cash → ``platform:payouts`` — when it leaves the balance, and
    ``payout_failed`` — back — when Stripe returns it (its ``payout_failure``). Platform-only
    entries: record in ``tenancy.system_context()``. Keys ``stripe:<po_…>:payout|failed``."""
    amount = clean_amount(amount, name="amount", minimum=1)
    if not str(payout_id or "").strip():
        raise errors.InvalidKey(
            "A payout needs its Stripe id.", fields={"payout_id": ["Required."]}
        )
    kind = EntryKind.PAYOUT_FAILED if failed else EntryKind.PAYOUT
    movement = movement_of(
        kind, organizer=None, currency=currency, amount=amount, occurred_at=occurred_at,
        key=f"stripe:{payout_id}:{'failed' if failed else 'payout'}", stripe_ref=payout_id,
    )  # fmt: skip
    signed = -amount if failed else amount
    return post_in_context(
        movement, [Leg(A.PAYOUTS, signed, Line.PAYOUT), Leg(A.CASH, -signed, Line.PAYOUT)]
    )


# --- fees and adjustments -----------------------------------------------------------------------


def ledger_record_stripe_fee(
    *, organizer: Any | None, amount: int, currency: str, occurred_at: datetime, key: str,
    stripe_ref: str = "", bearer: FeeBearer | str = FeeBearer.PLATFORM,
) -> Recorded:  # fmt: skip
    """A Stripe fee charged on its own (e.g. a Connect account fee). Without an organizer the
    entry is platform-only and must be recorded in ``tenancy.system_context()``."""
    amount = clean_amount(amount, name="amount", minimum=1)
    account = fee_account(bearer) if organizer is not None else A.STRIPE_FEES
    movement = movement_of(
        EntryKind.STRIPE_FEE, organizer=organizer, currency=currency, amount=amount,
        occurred_at=occurred_at, key=key, stripe_ref=stripe_ref,
    )  # fmt: skip
    return post_in_context(
        movement, [Leg(account, amount, Line.STRIPE_FEE), Leg(A.CASH, -amount, Line.STRIPE_FEE)]
    )


def ledger_record_platform_fee(
    *, organizer: Any, amount: int, currency: str, occurred_at: datetime, key: str,
    order_id: int | None = None, memo: str = "",
) -> Recorded:  # fmt: skip
    """A platform fee charged on its own (not as part of a payment, e.g. a monthly fee): the
    organizer is owed ``amount`` less, the platform earns it."""
    amount = clean_amount(amount, name="amount", minimum=1)
    movement = movement_of(
        EntryKind.PLATFORM_FEE, organizer=organizer, currency=currency, amount=amount,
        occurred_at=occurred_at, key=key, order_id=order_id, memo=memo,
    )  # fmt: skip
    return post_in_context(
        movement,
        [Leg(A.PAYABLE, amount, Line.PLATFORM_FEE), Leg(A.FEES, -amount, Line.PLATFORM_FEE)],
    )


def ledger_adjust(
    *,
    actor: Any,
    organizer: Any | None,
    key: str,
    currency: str,
    legs: list[tuple[str, int]],
    reason: str,
    occurred_at: datetime | None = None,
) -> Recorded:
    """A manual correction by platform staff: ``legs`` are ``(account kind, signed amount)``
    and must balance. Audited (``ledger.entry.adjusted``) with the reason, which is required.
    Organizer accounts need ``organizer``; a platform-only adjustment needs the system context.
    """
    reason = str(reason or "").strip()
    if not reason:
        raise errors.ReasonRequired(fields={"reason": [errors.ReasonRequired.default_message]})
    cleaned = [_adjust_leg(kind, amount, organizer) for kind, amount in legs]
    movement = movement_of(
        EntryKind.ADJUSTMENT, organizer=organizer, currency=currency,
        amount=sum(leg.amount for leg in cleaned if leg.amount > 0),
        occurred_at=occurred_at or clock.now(), key=key, memo=reason,
    )  # fmt: skip
    with in_context(movement.organizer_id), transaction.atomic():
        recorded = post(movement, cleaned)
        if recorded.created:
            audit.record(
                actor=actor,
                action="ledger.entry.adjusted",
                organizer=organizer,
                obj=recorded.entry,
                data={
                    "key": movement.key,
                    "currency": movement.currency,
                    "legs": [[leg.account.value, leg.amount] for leg in cleaned],
                    "reason": reason,
                },
            )
        return recorded


def _adjust_leg(kind: str, amount: int, organizer: Any | None) -> Leg:
    try:
        account = AccountKind(kind)
    except ValueError:
        raise errors.InvalidAccount(fields={"legs": [f"Unknown account {kind!r}."]}) from None
    if account in ORGANIZER_KINDS and organizer is None:
        raise errors.InvalidAccount(fields={"legs": [f"The {kind} account needs an organizer."]})
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise errors.InvalidAmount(fields={"legs": ["Whole minor units (an integer), please."]})
    clean_amount(abs(amount), name="legs")
    return Leg(account, amount, Line.ADJUSTMENT)
