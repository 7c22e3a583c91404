"""Order reads. Callers run them in the organizer's tenant context (except
``order_summaries``: the worker's system context, see its docstring)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, Sum

from blackcanyon.core.money import Money
from blackcanyon.events.models import Event, TicketType
from blackcanyon.orders.models import HOLDING_STATUSES, Order, OrderLine, OrderStatus


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


@dataclass(frozen=True, slots=True)
class Holds:
    """Seats of a ticket type counted in ``taken`` by orders not paid and not released yet:
    ``live`` ones a buyer is still checking out with, ``lapsed`` ones past their time (free
    again already; the next sweep releases them). Sold = ``taken`` - ``live`` - ``lapsed``."""

    live: int = 0
    lapsed: int = 0

    @property
    def total(self) -> int:
        return self.live + self.lapsed


def holds_by_ticket_type(*, event_ids: Collection[int], now: datetime) -> dict[int, Holds]:
    """``Holds`` per ticket type of the events (types without holds are absent); one query."""
    return _holds(event_ids=event_ids, now=now, by="ticket_type_id")


def holds_by_event(*, event_ids: Collection[int], now: datetime) -> dict[int, Holds]:
    """``Holds`` per event (events without holds are absent); one query."""
    return _holds(event_ids=event_ids, now=now, by="order__event_id")


def _holds(*, event_ids: Collection[int], now: datetime, by: str) -> dict[int, Holds]:
    lapsed = Q(order__expires_at__lt=now)
    rows = (
        OrderLine.objects.filter(
            order__event_id__in=list(event_ids),
            order__status__in=HOLDING_STATUSES,
            order__released_at__isnull=True,
        )
        .values(by)
        .annotate(
            live=Sum("quantity", filter=~lapsed, default=0),
            lapsed=Sum("quantity", filter=lapsed, default=0),
        )
        .order_by()
    )
    return {row[by]: Holds(row["live"], row["lapsed"]) for row in rows}


@dataclass(frozen=True)
class SeatsLeft:
    event_remaining: int | None  # None: no event-wide capacity
    by_type: dict[int, int]  # what a buyer could still get of each type
    types: list[TicketType]


def seats_left(*, event_id: int, now: datetime) -> SeatsLeft:
    """What is still available, expired holds counted as free; one query (plain SQL: every
    sold-out answer reads this, and there are many of them when an event sells out)."""
    holding = ", ".join(["%s"] * len(HOLDING_STATUSES))
    sql = (
        "SELECT t.*, e.capacity AS event_capacity, e.taken AS event_taken,"  # noqa: S608
        " COALESCE(h.seats, 0) AS expired_hold"
        f" FROM {TicketType._meta.db_table} t JOIN {Event._meta.db_table} e ON e.id = t.event_id"
        " LEFT JOIN (SELECT l.ticket_type_id, SUM(l.quantity) AS seats"
        f"  FROM {Order._meta.db_table} o JOIN {OrderLine._meta.db_table} l ON l.order_id = o.id"
        f"  WHERE o.event_id = %s AND o.status IN ({holding}) AND o.expires_at < %s"
        "  AND o.released_at IS NULL GROUP BY l.ticket_type_id) h ON h.ticket_type_id = t.id"
        " WHERE t.event_id = %s ORDER BY t.position, t.id"
    )
    types = list(TicketType.objects.raw(sql, [event_id, *HOLDING_STATUSES, now, event_id]))
    holds = {t.pk: int(t.expired_hold) for t in types}  # type: ignore[attr-defined]
    if types:
        capacity, taken = types[0].event_capacity, types[0].event_taken  # type: ignore[attr-defined]
    else:
        event = Event.objects.only("capacity", "taken").get(pk=event_id)
        capacity, taken = event.capacity, event.taken
    event_remaining = None if capacity is None else capacity - taken + sum(holds.values())
    by_type = {}
    for ticket_type in types:
        left = ticket_type.capacity - ticket_type.taken + holds[ticket_type.pk]
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


@dataclass(frozen=True, slots=True)
class OrderSummary:
    """What platform staff need to place an order: no buyer's name, email or attendees."""

    code: str
    status: str
    status_label: str
    total: Money
    event_title: str
    organizer_name: str
    created_at: datetime


def order_summaries(*, order_ids: Collection[int]) -> dict[int, OrderSummary]:
    """The summaries of these orders by id (missing ones absent); one query, only the summary's
    columns. For the worker storing a reconciliation run (system context): platform staff read
    the copy on the difference, never the order."""
    rows = Order.objects.filter(pk__in=list(order_ids)).values_list(
        "pk", "code", "status", "total", "currency", "event__title", "organizer__name", "created_at"
    )
    return {
        pk: OrderSummary(
            code=code,
            status=status,
            status_label=order_status_label(status),
            total=Money(total, currency),
            event_title=event_title,
            organizer_name=organizer_name,
            created_at=created_at,
        )
        for pk, code, status, total, currency, event_title, organizer_name, created_at in rows
    }


def order_status_label(status: str) -> str:
    return str(dict(OrderStatus.choices).get(status, status))
