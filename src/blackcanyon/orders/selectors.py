"""Order reads. Callers run them in the organizer's tenant context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Sum

from blackcanyon.events.models import Event, TicketType
from blackcanyon.orders.models import HOLDING_STATUSES, Order, OrderLine


def expired_holds(*, event_id: int, now: datetime) -> dict[int, int]:
    """Seats per ticket type still counted in ``taken`` by reservations that have expired but
    not been released yet. Reads subtract them: an expired hold is never shown as taken."""
    rows = (
        OrderLine.objects.filter(
            order__event_id=event_id,
            order__status__in=HOLDING_STATUSES,
            order__expires_at__lt=now,
            order__released_at__isnull=True,
        )
        .values("ticket_type_id")
        .annotate(seats=Sum("quantity"))
    )
    return {row["ticket_type_id"]: row["seats"] for row in rows}


@dataclass(frozen=True)
class SeatsLeft:
    event_remaining: int | None  # None: no event-wide capacity
    by_type: dict[int, int]  # what a buyer could still get of each type
    types: list[TicketType]


def seats_left(*, event_id: int, now: datetime) -> SeatsLeft:
    """What is still available, expired holds counted as free; three queries."""
    event = Event.objects.only("capacity", "taken").get(pk=event_id)
    holds = expired_holds(event_id=event_id, now=now)
    event_remaining = (
        None if event.capacity is None else event.capacity - event.taken + sum(holds.values())
    )
    types = list(TicketType.objects.filter(event_id=event_id))
    by_type = {}
    for ticket_type in types:
        left = ticket_type.capacity - ticket_type.taken + holds.get(ticket_type.pk, 0)
        if event_remaining is not None:
            left = min(left, event_remaining)
        by_type[ticket_type.pk] = max(left, 0)
    return SeatsLeft(event_remaining=event_remaining, by_type=by_type, types=types)


def still_available_text(*, left: SeatsLeft, now: datetime, exclude: int) -> str:
    """' Still available: VIP (3 left), Standard (40 left).' for a sold-out message, or ''."""
    parts = [
        f"{t.name} ({left.by_type[t.pk]} left)"
        for t in left.types
        if t.pk != exclude
        and not t.hidden
        and left.by_type.get(t.pk, 0) > 0
        and (t.sales_start is None or t.sales_start <= now)
        and (t.sales_end is None or now < t.sales_end)
    ]
    return f" Still available: {', '.join(parts)}." if parts else ""


def order_get(*, organizer_id: int, code: str) -> Order | None:
    return (
        Order.objects.filter(organizer_id=organizer_id, code=code)
        .select_related("event", "event__organizer", "discount_code")
        .prefetch_related("lines", "tickets")
        .first()
    )
