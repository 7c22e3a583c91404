"""Helpers for the orders domain tests: codes, counters and the buyer's steps, each run in the
right tenant context so they read the same on SQLite and under PostgreSQL row-level security."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from blackcanyon.core import tenancy
from blackcanyon.core.models import AuditLog
from blackcanyon.events.models import Event, TicketType
from blackcanyon.orders import services
from blackcanyon.orders.models import DiscountCode, Order, OrderLine, Ticket


def change(row: Event | TicketType, **fields: Any) -> None:
    """Change an event or ticket type as its organizer (row-level security) and refresh it."""
    with tenancy.for_organizer(row.organizer_id):
        updated = type(row).objects.filter(pk=row.pk).update(**fields)
        assert updated == 1
        row.refresh_from_db()


@dataclass(frozen=True)
class Counters:
    event: int
    types: tuple[int, ...]
    code: int | None = None


def counters(event: Event, *ticket_types: TicketType, code: DiscountCode | None = None) -> Counters:
    """Event.taken, each TicketType.taken and DiscountCode.redeemed as stored right now."""
    with tenancy.for_organizer(event.organizer_id):
        return Counters(
            event=Event.objects.get(pk=event.pk).taken,
            types=tuple(TicketType.objects.get(pk=t.pk).taken for t in ticket_types),
            code=None if code is None else DiscountCode.objects.get(pk=code.pk).redeemed,
        )


def fresh(order: Order) -> Order:
    with tenancy.for_organizer(order.organizer_id):
        return Order.objects.get(pk=order.pk)


def lines(order: Order) -> list[OrderLine]:
    with tenancy.for_organizer(order.organizer_id):
        return list(OrderLine.objects.filter(order_id=order.pk).order_by("id"))


def tickets(order: Order) -> list[Ticket]:
    with tenancy.for_organizer(order.organizer_id):
        return list(Ticket.objects.filter(order_id=order.pk).order_by("id"))


def order_count(event: Event) -> tuple[int, int]:
    """(orders, order lines) of ``event``."""
    with tenancy.for_organizer(event.organizer_id):
        return (
            Order.objects.filter(event_id=event.pk).count(),
            OrderLine.objects.filter(order__event_id=event.pk).count(),
        )


def actions(order: Order) -> list[str]:
    """Audit action codes written for ``order``, oldest first."""
    with tenancy.for_organizer(order.organizer_id):
        return list(
            AuditLog.objects.filter(object_type="orders.order", object_id=str(order.pk))
            .order_by("id")
            .values_list("action", flat=True)
        )


def submit(order: Order, *, now: datetime | None = None, **overrides: Any) -> Order:
    """The buyer's details step with valid defaults."""
    details: dict[str, Any] = {
        "buyer_name": "Ana Canyon",
        "buyer_email": "ana@example.com",
        "accept_terms": True,
    }
    details.update(overrides)
    return services.order_submit_details(order=order, now=now, **details)


def pay(order: Order, *, reference: str = "t-1", now: datetime | None = None) -> Order:
    return services.order_confirm_payment(
        order=order, provider="test", reference=reference, amount=order.total, now=now
    )
