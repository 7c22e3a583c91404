"""Reads about tickets: the cards of a buyer's order page, one ticket of an order, the event's
revocation list. Call in the organizer's tenant context (RLS); every read filters by organizer
or order as well (the first wall)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils.safestring import SafeString, mark_safe

from blackcanyon.events.models import Event
from blackcanyon.orders.models import Order, OrderStatus, Ticket, TicketStatus
from blackcanyon.tickets import errors, payloads
from blackcanyon.tickets.labels import id_check_label, manual_entry_code
from blackcanyon.tickets.models import RevokedSecret

# QR modules are drawn this many CSS pixels wide; the page scales the SVG to the card anyway.
QR_SCALE = 6


@dataclass(frozen=True)
class TicketCard:
    """One ticket as the buyer's order page shows it. ``qr_svg`` is empty when it does not admit."""

    ticket: Ticket
    number: int
    count: int
    admits: bool
    manual_code: str
    qr_svg: SafeString | str
    id_check: str


def order_tickets(*, order: Order) -> list[Ticket]:
    """The order's tickets (valid and cancelled) with their types, in issue order."""
    return list(
        Ticket.objects.filter(organizer_id=order.organizer_id, order=order)
        .select_related("ticket_type")
        .order_by("id")
    )


def ticket_cards(*, order: Order, tickets: list[Ticket], event: Event) -> list[TicketCard]:
    """A card per ticket; valid tickets of a paid order carry their signed QR code (SVG)."""
    admitting = [
        t for t in tickets if order.status == OrderStatus.PAID and t.status == TicketStatus.VALID
    ]
    signed = payloads.payloads_for(admitting, event) if admitting else {}
    label = id_check_label(event)
    cards = []
    for number, ticket in enumerate(tickets, start=1):
        payload = signed.get(ticket.pk)
        svg = payloads.qr_svg(payload, scale=QR_SCALE) if payload else ""
        cards.append(
            TicketCard(
                ticket=ticket,
                number=number,
                count=len(tickets),
                admits=payload is not None,
                manual_code=manual_entry_code(ticket.secret) if payload else "",
                # segno's own markup around our alphanumeric payload: nothing user-written.
                qr_svg=mark_safe(svg),  # noqa: S308
                id_check=label,
            )
        )
    return cards


def ticket_get_for_order(*, order: Order, ticket_id: int) -> Ticket:
    """One ticket of ``order``; TicketNotFound for any other id."""
    ticket = (
        Ticket.objects.filter(organizer_id=order.organizer_id, order=order, pk=ticket_id)
        .select_related("ticket_type")
        .first()
    )
    if ticket is None:
        raise errors.TicketNotFound()
    return ticket


def revoked_secrets(event: Event, since: datetime | None = None) -> QuerySet[RevokedSecret]:
    """The event's revoked ticket secrets, oldest first; only those revoked after ``since`` when
    given (a scanner's incremental update; inclusive, so a row revoked in the same instant
    is sent again rather than missed)."""
    rows = RevokedSecret.objects.filter(organizer_id=event.organizer_id, event_id=event.pk)
    if since is not None:
        rows = rows.filter(revoked_at__gte=since)
    return rows.order_by("revoked_at", "id")
