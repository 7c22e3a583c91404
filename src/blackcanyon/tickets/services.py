"""Writes on tickets a buyer holds. Cancelling and refunding revoke secrets through
``orders.services.tickets.tickets_cancel``; re-issuing is here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from blackcanyon.core import audit, clock, tenancy
from blackcanyon.orders.models import Order, OrderStatus, Ticket, TicketStatus, new_ticket_secret
from blackcanyon.orders.services.tickets import secrets_revoke
from blackcanyon.orders.tasks import enqueue_order_email
from blackcanyon.tickets import errors
from blackcanyon.tickets.models import RevocationReason


def ticket_reissue(*, actor: Any, ticket: Ticket, now: datetime | None = None) -> Ticket:
    """Give a valid ticket of a paid order a new secret (so a new QR code and manual-entry code);
    the old secret goes on the event's revocation list, an audit entry is written on the order,
    and the confirmation email (with the new ticket) is queued — all in one transaction.

    Raises TicketNotReissuable for a cancelled ticket or an order that is not paid.
    """
    now = now or clock.now()
    with tenancy.for_organizer(ticket.organizer_id), transaction.atomic():
        # Lock order: the order row first, like cancel and refund, then the ticket.
        order = (
            Order.objects.select_for_update()
            .select_related("event__organizer")
            .get(pk=ticket.order_id, organizer_id=ticket.organizer_id)
        )
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk, order=order)
        if order.status != OrderStatus.PAID or locked.status != TicketStatus.VALID:
            raise errors.TicketNotReissuable()
        secrets_revoke(tickets=[locked], reason=RevocationReason.REISSUED, now=now)
        # 64 random bits: a clash with another ticket of the event is not a practical concern,
        # and the (event, secret) constraint would roll the whole re-issue back if it happened.
        locked.secret = new_ticket_secret()
        locked.save(update_fields=["secret"])
        audit.record(
            actor=actor,
            action="tickets.ticket.reissued",
            organizer=order.event.organizer,
            obj=order,
            data={"ticket_id": locked.pk},
        )
        enqueue_order_email(order=order, kind="confirmation")
    locked.order = order
    return locked
