"""Issuing and cancelling tickets (one per admission) as orders change state."""

from __future__ import annotations

from collections.abc import Sequence

from blackcanyon.core.prefetch import attach_prefetched
from blackcanyon.orders.models import Order, OrderLine, Ticket, TicketStatus


def tickets_issue(*, order: Order, lines: Sequence[OrderLine] | None = None) -> list[Ticket]:
    """One valid ticket per admission of a paid order, with the attendee names given.

    ``lines``: the order's lines when the caller has them already (saves reading them back). The
    tickets are attached to ``order`` as its prefetched ``tickets``.
    """
    tickets = []
    if lines is None:
        lines = list(OrderLine.objects.filter(order=order).order_by("id"))
    for line in lines:
        names = list(line.attendee_names or [])
        for index in range(line.quantity):
            tickets.append(
                Ticket(
                    organizer_id=order.organizer_id,
                    order=order,
                    event_id=order.event_id,
                    ticket_type_id=line.ticket_type_id,
                    attendee_name=names[index] if index < len(names) else order.buyer_name,
                )
            )
    created = Ticket.objects.bulk_create(tickets)
    attach_prefetched(order, "tickets", created)
    return created


def tickets_cancel(*, order: Order) -> int:
    return Ticket.objects.filter(order=order, status=TicketStatus.VALID).update(
        status=TicketStatus.CANCELLED
    )
