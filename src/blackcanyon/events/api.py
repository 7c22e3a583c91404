"""API: the token's organizer's events and their ticket types (read-only)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from blackcanyon.api import selectors
from blackcanyon.api.auth import organizer_of
from blackcanyon.api.errors import ErrorOut
from blackcanyon.api.pagination import EventId, PageParams, page_body
from blackcanyon.core import clock

router = Router(tags=["Events"])
ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class EventOut(Schema):
    id: int
    title: str
    slug: str
    status: str = Field(description="draft, published or cancelled")
    starts_at: datetime
    ends_at: datetime
    timezone: str = Field(description="IANA zone the event is shown in")
    capacity: int | None = Field(
        description="Event-wide capacity over all ticket types; null: none"
    )
    taken: int = Field(description="Seats sold or held by live reservations, all ticket types")


class EventPageOut(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[EventOut]


class TicketTypeOut(Schema):
    id: int
    name: str
    price: int = Field(description="Minor units of the currency (cents)")
    currency: str
    capacity: int
    taken: int = Field(description="Seats sold or held by live reservations")
    available: int = Field(
        description="Seats that could still be sold (capacity - taken), within the event's "
        "remaining capacity"
    )
    sale_state: str = Field(description="on_sale, sold_out, not_yet, ended or cancelled")
    sales_start: datetime | None
    sales_end: datetime | None
    min_per_order: int
    max_per_order: int
    hidden: bool = Field(description="Hidden from the public shop (the box office may sell it)")

    @classmethod
    def from_row(cls, row: selectors.TicketTypeRow) -> TicketTypeOut:
        t = row.ticket_type
        return cls(
            id=t.pk,
            name=t.name,
            price=t.price,
            currency=t.currency,
            capacity=t.capacity,
            taken=row.taken,
            available=row.available,
            sale_state=row.sale_state.value,
            sales_start=t.sales_start,
            sales_end=t.sales_end,
            min_per_order=t.min_per_order,
            max_per_order=t.max_per_order,
            hidden=t.hidden,
        )


@router.get(
    "/events/",
    response={200: EventPageOut, **ERRORS},
    operation_id="events_list",
    summary="List the organizer's events",
)
def events_list(request: HttpRequest, page: Query[PageParams]) -> dict[str, object]:
    """Every event of the token's organizer (drafts too), latest start first, paginated."""
    result = selectors.event_page_for_api(
        organizer=organizer_of(request), now=clock.now(), limit=page.limit, offset=page.offset
    )
    return page_body(request, result)


@router.get(
    "/events/{event_id}/ticket-types/",
    response={200: list[TicketTypeOut], **ERRORS},
    operation_id="ticket_types_list",
    summary="List an event's ticket types with seats left",
)
def ticket_types_list(request: HttpRequest, event_id: EventId) -> list[TicketTypeOut]:
    """Every ticket type of the event (hidden ones too) with capacity, taken and available.
    Another organizer's event answers 404 ``event_not_found``."""
    rows = selectors.ticket_types_for_api(
        organizer=organizer_of(request), event_id=event_id, now=clock.now()
    )
    return [TicketTypeOut.from_row(row) for row in rows]
