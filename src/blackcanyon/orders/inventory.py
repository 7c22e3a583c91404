"""Taking and releasing seats — the only code that changes ``taken`` / ``redeemed`` counters.

Policy (docs/invariants.md, DESIGN rule 3):
* a seat is taken with ONE conditional UPDATE per counter (``taken + n <= capacity``), never
  check-then-write; a failed UPDATE means sold out and the caller's transaction rolls back;
* counters are locked in one fixed order — event row, ticket types by id, discount code — by every
  path (take and release), so two transactions can never deadlock on them;
* the caller takes seats as the LAST statements before COMMIT: the row locks live until COMMIT and
  every sale of the event queues behind the event row, so nothing slow may follow.

``BCT_INVENTORY_GUARD = False`` (tests only) swaps in the naive read-then-write version so the
concurrency suite can show the race it prevents.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from blackcanyon.events.models import Event, TicketType
from blackcanyon.orders.models import DiscountCode


@dataclass(frozen=True)
class Shortage:
    """Why a take failed: the event, a ticket type (``ticket_type_id``) or the code ran out."""

    scope: str  # "event" | "ticket_type" | "code"
    ticket_type_id: int | None = None


UNGUARDED_GAP_SECONDS = 0.02


def unguarded_gap() -> None:
    """The pause of the unguarded take between its check and its writes (control tests only)."""
    time.sleep(UNGUARDED_GAP_SECONDS)


class TakeFailed(Exception):
    def __init__(self, shortage: Shortage) -> None:
        super().__init__(shortage.scope)
        self.shortage = shortage


def take(
    *, event_id: int, quantities: Mapping[int, int], discount_code_id: int | None = None
) -> None:
    """Take seats (and one code redemption) or raise ``TakeFailed``; needs an open transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("inventory.take must run inside the order's transaction")
    if not getattr(settings, "BCT_INVENTORY_GUARD", True):
        _take_unguarded(event_id=event_id, quantities=quantities, discount_code_id=discount_code_id)
        return
    total = sum(quantities.values())
    steps: list[tuple[str, list[int], Shortage]] = [
        (_TAKE_EVENT_SQL, [total, event_id, total], Shortage("event"))
    ]
    for type_id in sorted(quantities):
        quantity = quantities[type_id]
        steps.append(
            (
                _TAKE_TYPE_SQL,
                [quantity, type_id, event_id, quantity],
                Shortage("ticket_type", type_id),
            )
        )
    if discount_code_id is not None:
        steps.append((_TAKE_CODE_SQL, [discount_code_id], Shortage("code")))
    connection = transaction.get_connection()
    with connection.cursor() as cursor:
        # Plain SQL: these run on every sale while the event row is locked, and building them
        # through the ORM cost more than executing them. On PostgreSQL all of them go in one
        # round trip (run in order, so the lock order holds): the hot event row stays locked
        # for that round trip and the COMMIT only.
        if connection.vendor == "postgresql":
            cursor.execute(
                "; ".join(sql for sql, _, _ in steps), [p for _, ps, _ in steps for p in ps]
            )
            counts = _rowcounts(cursor.cursor, len(steps))
        else:
            counts = []
            for sql, params, _ in steps:
                cursor.execute(sql, params)
                counts.append(cursor.rowcount)
    for count, (_, _, shortage) in zip(counts, steps, strict=True):
        if count != 1:
            raise TakeFailed(shortage)


def _rowcounts(cursor: Any, results: int) -> list[int]:
    """The row count of each statement of a multi-statement execute (psycopg: one result set
    per statement, ``nextset()`` moves on)."""
    counts = [cursor.rowcount]
    for _ in range(results - 1):
        cursor.nextset()
        counts.append(cursor.rowcount)
    return counts


_TAKE_EVENT_SQL = (
    f"UPDATE {Event._meta.db_table} SET taken = taken + %s"  # noqa: S608 - table names only
    " WHERE id = %s AND (capacity IS NULL OR taken + %s <= capacity)"
)
_TAKE_TYPE_SQL = (
    f"UPDATE {TicketType._meta.db_table} SET taken = taken + %s"  # noqa: S608
    " WHERE id = %s AND event_id = %s AND taken + %s <= capacity"
)
_TAKE_CODE_SQL = (
    f"UPDATE {DiscountCode._meta.db_table} SET redeemed = redeemed + 1"  # noqa: S608
    " WHERE id = %s AND (max_redemptions IS NULL OR redeemed < max_redemptions)"
)


def release(
    *, event_id: int, quantities: Mapping[int, int], discount_code_id: int | None = None
) -> None:
    """Give seats (and the code redemption) back, in the same lock order as ``take``.

    The caller makes release happen once per order (``released_at`` set by a conditional UPDATE
    on the order row before calling this).
    """
    total = sum(quantities.values())
    Event.objects.filter(pk=event_id).update(taken=F("taken") - total)
    for type_id in sorted(quantities):
        TicketType.objects.filter(pk=type_id).update(taken=F("taken") - quantities[type_id])
    if discount_code_id is not None:
        DiscountCode.objects.filter(pk=discount_code_id).update(redeemed=F("redeemed") - 1)


def _take_unguarded(
    *, event_id: int, quantities: Mapping[int, int], discount_code_id: int | None
) -> None:
    """The classic bug, for the control tests only: read, decide, then write computed values.

    ``unguarded_gap`` between the check and the writes stands for the work real code does there
    (a short sleep); a control test with few racers replaces it with a rendezvous so that the race
    shows on every run, whatever the machine's scheduling.
    """
    total = sum(quantities.values())
    event = Event.objects.get(pk=event_id)
    types = {t.pk: t for t in TicketType.objects.filter(pk__in=quantities)}
    code = DiscountCode.objects.get(pk=discount_code_id) if discount_code_id else None
    if event.capacity is not None and event.taken + total > event.capacity:
        raise TakeFailed(Shortage("event"))
    for type_id, quantity in quantities.items():
        if types[type_id].taken + quantity > types[type_id].capacity:
            raise TakeFailed(Shortage("ticket_type", type_id))
    if code and code.max_redemptions is not None and code.redeemed >= code.max_redemptions:
        raise TakeFailed(Shortage("code"))
    unguarded_gap()
    Event.objects.filter(pk=event_id).update(taken=event.taken + total)
    for type_id in sorted(quantities):
        TicketType.objects.filter(pk=type_id).update(
            taken=types[type_id].taken + quantities[type_id]
        )
    if code is not None:
        DiscountCode.objects.filter(pk=code.pk).update(redeemed=code.redeemed + 1)
