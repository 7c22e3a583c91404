"""Issuing and cancelling tickets (one per admission) as orders change state."""

from __future__ import annotations

from blackcanyon.orders.models import Order, OrderLine, Ticket, TicketStatus


def tickets_issue(*, order: Order) -> list[Ticket]:
    """One valid ticket per admission of a paid order, with the attendee names given."""
    tickets = []
    for line in OrderLine.objects.filter(order=order).order_by("id"):
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
    return Ticket.objects.bulk_create(tickets)


def tickets_cancel(*, order: Order) -> int:
    return Ticket.objects.filter(order=order, status=TicketStatus.VALID).update(
        status=TicketStatus.CANCELLED
    )
