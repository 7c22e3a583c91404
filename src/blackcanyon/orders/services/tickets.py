"""Issuing and cancelling tickets (one per admission) as orders change state.

Every ticket that stops admitting (cancelled, refunded, re-issued) puts its secret on its event's
revocation list (``tickets.RevokedSecret``) in the same transaction, so offline scanners that
download the list refuse the old QR code too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from blackcanyon.core import clock, fastinsert
from blackcanyon.core.prefetch import attach_prefetched
from blackcanyon.orders.models import Order, OrderLine, Ticket, TicketStatus
from blackcanyon.tickets.models import RevocationReason, RevokedSecret


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
    fastinsert.insert(tickets)
    attach_prefetched(order, "tickets", tickets)
    return tickets


def tickets_cancel(
    *,
    order: Order,
    reason: str = RevocationReason.CANCELLED,
    now: datetime | None = None,
) -> int:
    """Cancel the order's valid tickets and revoke their secrets (``reason``: cancelled or
    refunded); returns how many. Runs in the caller's transaction, which holds the order row."""
    now = now or clock.now()
    valid = list(
        Ticket.objects.select_for_update()
        .filter(order=order, status=TicketStatus.VALID)
        .only("pk", "organizer_id", "event_id", "secret")
    )
    if not valid:
        return 0
    cancelled = Ticket.objects.filter(
        pk__in=[t.pk for t in valid], status=TicketStatus.VALID
    ).update(status=TicketStatus.CANCELLED, updated_at=now)
    secrets_revoke(tickets=valid, reason=reason, now=now)
    return cancelled


def secrets_revoke(*, tickets: Iterable[Ticket], reason: str, now: datetime) -> None:
    """Put the tickets' current secrets on their events' revocation lists (once each: a secret
    already listed stays as it was). Call inside the change's transaction, in the organizer's
    tenant context."""
    rows = [
        RevokedSecret(
            organizer_id=ticket.organizer_id,
            event_id=ticket.event_id,
            secret=ticket.secret,
            ticket_id=ticket.pk,
            reason=reason,
            revoked_at=now,
        )
        for ticket in tickets
    ]
    RevokedSecret.objects.bulk_create(rows, ignore_conflicts=True)
