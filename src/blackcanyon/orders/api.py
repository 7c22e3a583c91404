"""API: box-office sales and the token's organizer's orders."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, StrictInt, field_validator

from blackcanyon.api import selectors
from blackcanyon.api.auth import actor_of, organizer_of
from blackcanyon.api.errors import ErrorOut
from blackcanyon.api.pagination import EventId, PageParams, page_body
from blackcanyon.events.selectors import event_get_for_organizer
from blackcanyon.orders import services
from blackcanyon.orders.models import Order, OrderLine, OrderStatus

router = Router(tags=["Orders"])
ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}

# --- Input -------------------------------------------------------------------------------------


class _Strict(Schema):
    # Unknown fields are refused (a typo such as "quantitiy" must not be ignored silently).
    model_config = ConfigDict(extra="forbid")


class ItemIn(_Strict):
    ticket_type_id: Annotated[StrictInt, Field(ge=1)]
    quantity: Annotated[StrictInt, Field(ge=1, le=1000)]


class BuyerIn(_Strict):
    name: str = Field(max_length=150, description="The buyer's name (required)")
    email: str = Field(
        "", max_length=254, description="Where the confirmation goes; empty: no email is sent"
    )

    @field_validator("name")
    @classmethod
    def _name_given(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("Enter the buyer's name.")
        return value

    @field_validator("email")
    @classmethod
    def _email_valid(cls, value: str) -> str:
        value = value.strip()
        if value:
            try:
                validate_email(value)
            except DjangoValidationError:
                raise ValueError("Enter a valid email address.") from None
        return value


class PaymentIn(_Strict):
    method: Literal["box_office"] = Field(
        description="Only `box_office` (paid at the desk) for now"
    )


class OrderIn(_Strict):
    items: list[ItemIn] = Field(min_length=1, max_length=50)
    buyer: BuyerIn
    payment: PaymentIn

    def quantities(self) -> dict[int, int]:
        """Ticket type id → quantity (the same type given twice is added up)."""
        quantities: dict[int, int] = {}
        for item in self.items:
            quantities[item.ticket_type_id] = quantities.get(item.ticket_type_id, 0) + item.quantity
        return quantities


class OrdersQuery(PageParams):
    status: OrderStatus | None = Field(None, description="Only orders in this state")


# --- Output ------------------------------------------------------------------------------------


class BuyerOut(Schema):
    name: str
    email: str


class OrderLineOut(Schema):
    id: int
    ticket_type_id: int
    quantity: int
    unit_price: int
    unit_discount: int
    total: int

    @staticmethod
    def resolve_total(obj: OrderLine) -> int:
        return obj.line_total


class TicketOut(Schema):
    id: int
    ticket_type_id: int
    attendee_name: str
    status: str = Field(description="valid or cancelled")


class OrderOut(Schema):
    id: int
    code: str
    status: str = Field(description="reserved, pending, paid, cancelled, refunded or expired")
    channel: str = Field(description="web or box_office")
    event_id: int
    currency: str
    subtotal: int = Field(description="Minor units (cents), before discounts")
    discount_total: int
    total: int = Field(description="Minor units (cents)")
    buyer: BuyerOut
    lines: list[OrderLineOut]
    tickets: list[TicketOut]
    created_at: datetime
    paid_at: datetime | None
    cancelled_at: datetime | None

    @staticmethod
    def resolve_buyer(obj: Order) -> dict[str, str]:
        return {"name": obj.buyer_name, "email": obj.buyer_email}


class OrderPageOut(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[OrderOut]


# --- Endpoints ---------------------------------------------------------------------------------

IDEMPOTENCY_HELP = (
    "Any unique string (up to 128 characters), e.g. a UUID. Retrying with the same key and the "
    "same body returns the order made the first time (status 200, header "
    "`Idempotent-Replayed: true`) without selling again; the same key with another body is "
    "refused with 409 `idempotency_key_reused`."
)


@router.post(
    "/events/{event_id}/orders/",
    response={201: OrderOut, 200: OrderOut, 409: ErrorOut, **ERRORS},
    operation_id="order_create",
    summary="Sell tickets at the box office",
)
def order_create(
    request: HttpRequest,
    response: HttpResponse,
    event_id: EventId,
    payload: OrderIn,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", min_length=1, max_length=128, description=IDEMPOTENCY_HELP),
    ] = None,
) -> Status[Order]:
    """Create a **paid** order with its tickets (201).

    Refusals carry their code: `sold_out` and `not_enough_left` (409, with what is still
    available in the message), `order_limit`, `unknown_ticket_type`, `validation_failed` (422),
    `event_cancelled` (409), `event_not_on_sale` (404, drafts) and `event_not_found` (404, an
    event of another organizer). Hidden ticket types and closed sales windows may be sold here.
    """
    organizer = organizer_of(request)
    event = event_get_for_organizer(organizer=organizer, event_id=event_id)
    order, created = services.order_create_box_office(
        actor=actor_of(request),
        event=event,
        quantities=payload.quantities(),
        buyer_name=payload.buyer.name,
        buyer_email=payload.buyer.email,
        idempotency_key=idempotency_key,
    )
    if created:
        # The sale attached its lines and tickets: answer without reading them back.
        return Status(201, order)
    response["Idempotent-Replayed"] = "true"
    return Status(200, selectors.order_get_for_api(organizer=organizer, code=order.code))


@router.get(
    "/events/{event_id}/orders/",
    response={200: OrderPageOut, **ERRORS},
    operation_id="orders_list",
    summary="List an event's orders",
)
def orders_list(
    request: HttpRequest, event_id: EventId, query: Query[OrdersQuery]
) -> dict[str, Any]:
    """The event's orders (every channel and state unless `status` is given), newest first."""
    page = selectors.order_page_for_api(
        organizer=organizer_of(request),
        event_id=event_id,
        limit=query.limit,
        offset=query.offset,
        status=query.status,
    )
    return page_body(request, page)


@router.get(
    "/orders/{code}/",
    response={200: OrderOut, **ERRORS},
    operation_id="order_get",
    summary="Get an order by its code",
)
def order_get(request: HttpRequest, code: str) -> Order:
    """One order with its lines and tickets. Another organizer's order answers 404
    ``order_not_found``."""
    return selectors.order_get_for_api(organizer=organizer_of(request), code=code)
