"""Helpers for the organizer orders tests: orders made through the real services, and reads of
organizer-owned rows inside their tenant context (so assertions hold under PostgreSQL RLS)."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from blackcanyon.core import tenancy
from blackcanyon.events.models import Event, TicketType
from blackcanyon.orders import services
from blackcanyon.orders.models import DiscountCode, Order, Ticket
from blackcanyon.organizers.models import Membership


def page_text(response: Any) -> str:
    """The response body with tags removed and whitespace collapsed (what a reader sees)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def logged_in(client: Client, membership: Membership) -> Client:
    client.force_login(membership.user)
    return client


def reserve(ticket_type: TicketType, quantity: int = 1, *, code: str = "", **kw: Any) -> Order:
    return services.reservation_create(
        event=ticket_type.event, quantities={ticket_type.pk: quantity}, code=code, **kw
    )


def pending_order(
    ticket_type: TicketType,
    quantity: int = 1,
    *,
    name: str = "Ana Canyon",
    email: str = "ana@example.com",
    code: str = "",
) -> Order:
    order = reserve(ticket_type, quantity, code=code)
    return services.order_submit_details(
        order=order, buyer_name=name, buyer_email=email, accept_terms=True
    )


def paid_order(
    ticket_type: TicketType,
    quantity: int = 1,
    *,
    name: str = "Ana Canyon",
    email: str = "ana@example.com",
    code: str = "",
) -> Order:
    order = pending_order(ticket_type, quantity, name=name, email=email, code=code)
    return services.order_confirm_payment(
        order=order, provider="test", reference=f"t-{order.code}", amount=order.total
    )


def fresh(order: Order) -> Order:
    with tenancy.scoped(organizer_id=order.organizer_id):
        return Order.objects.get(pk=order.pk)


def taken(ticket_type: TicketType) -> tuple[int, int]:
    """(ticket type taken, event taken) as stored now."""
    with tenancy.scoped(organizer_id=ticket_type.organizer_id):
        return (
            TicketType.objects.get(pk=ticket_type.pk).taken,
            Event.objects.get(pk=ticket_type.event_id).taken,
        )


def ticket_statuses(order: Order) -> list[str]:
    with tenancy.scoped(organizer_id=order.organizer_id):
        return list(
            Ticket.objects.filter(order=order).order_by("pk").values_list("status", flat=True)
        )


def codes_of(event: Event) -> list[DiscountCode]:
    with tenancy.scoped(organizer_id=event.organizer_id):
        return list(DiscountCode.objects.filter(event=event).order_by("pk"))


def code_type_ids(code: DiscountCode) -> set[int]:
    from blackcanyon.orders.models import DiscountCodeTicketType

    with tenancy.scoped(organizer_id=code.organizer_id):
        return set(
            DiscountCodeTicketType.objects.filter(discount_code=code).values_list(
                "ticket_type_id", flat=True
            )
        )
