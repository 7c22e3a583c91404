"""Helpers shared by the orders test packages (domain, shop): rows created in the organizer's
tenant context, so they behave the same on SQLite and under PostgreSQL row-level security."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from blackcanyon.core import tenancy
from blackcanyon.events.models import Event, TicketType
from blackcanyon.orders.models import DiscountCode, DiscountCodeTicketType, DiscountKind


def discount_code(
    event: Event,
    *,
    code: str = "SAVE10",
    kind: str = DiscountKind.PERCENT,
    value: int = 10,
    ticket_types: Iterable[TicketType] = (),
    **fields: Any,
) -> DiscountCode:
    """A code of ``event`` (limited to ``ticket_types`` when given), created as its organizer."""
    with tenancy.for_organizer(event.organizer_id), transaction.atomic():
        row = DiscountCode.objects.create(
            organizer_id=event.organizer_id,
            event=event,
            code=code,
            kind=kind,
            value=value,
            **fields,
        )
        for ticket_type in ticket_types:
            DiscountCodeTicketType.objects.create(
                organizer_id=event.organizer_id, discount_code=row, ticket_type=ticket_type
            )
    return row
