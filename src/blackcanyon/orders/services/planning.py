"""Validating what a buyer asks for, before any seat is taken (reads only)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from blackcanyon.core import fastselect
from blackcanyon.core.timezones import format_in_zone
from blackcanyon.events.models import Event, EventStatus, TicketType
from blackcanyon.orders import errors, pricing
from blackcanyon.orders.codes import normalize_code
from blackcanyon.orders.models import DiscountCode, DiscountCodeTicketType, DiscountKind


@dataclass(frozen=True)
class Plan:
    """A validated request: the types, quantities, code and prices of a would-be order."""

    event: Event
    types: dict[int, TicketType]
    quantities: dict[int, int]
    code: DiscountCode | None
    quote: pricing.Quote
    currency: str


def _local(event: Event, when: datetime) -> str:
    """``Mon, Nov 30, 2026, 7:00 PM MST``: the event's zone, as the event pages show times."""
    return format_in_zone(when, event.timezone)


def resolve_code(*, event: Event, text: str, now: datetime) -> DiscountCode:
    """The active code ``text`` of ``event`` valid at ``now``; raises InvalidCode/CodeNotValidNow/
    CodeUsedUp (the last one is re-checked atomically when the redemption is taken)."""
    code = DiscountCode.objects.filter(event=event, code=normalize_code(text), active=True).first()
    if code is None:
        raise errors.InvalidCode()
    if (code.valid_from and now < code.valid_from) or (
        code.valid_until and now >= code.valid_until
    ):
        raise errors.CodeNotValidNow()
    if code.max_redemptions is not None and code.redeemed >= code.max_redemptions:
        raise errors.CodeUsedUp()
    return code


def code_type_ids(code: DiscountCode | None) -> frozenset[int]:
    if code is None:
        return frozenset()
    return frozenset(
        DiscountCodeTicketType.objects.filter(discount_code=code).values_list(
            "ticket_type_id", flat=True
        )
    )


def check_event_on_sale(event: Event) -> None:
    if event.status == EventStatus.CANCELLED:
        raise errors.EventCancelled()
    if event.status != EventStatus.PUBLISHED:
        raise errors.EventNotOnSale()


def _check_type(
    *, event: Event, ticket_type: TicketType, quantity: int, now: datetime, box_office: bool
) -> None:
    if not box_office:
        if ticket_type.sales_start and now < ticket_type.sales_start:
            raise errors.SalesNotOpen(
                f"{ticket_type.name} goes on sale {_local(event, ticket_type.sales_start)}."
            )
        if (ticket_type.sales_end and now >= ticket_type.sales_end) or now >= event.ends_at:
            raise errors.SalesClosed(f"Sales for {ticket_type.name} have ended.")
    if quantity < ticket_type.min_per_order:
        raise errors.OrderLimit(
            f"Buy at least {ticket_type.min_per_order} {ticket_type.name} tickets per order."
        )
    if quantity > ticket_type.max_per_order:
        raise errors.OrderLimit(
            f"You can buy at most {ticket_type.max_per_order} {ticket_type.name} tickets per order."
        )


def plan_order(
    *,
    event: Event,
    quantities: Mapping[int, int],
    code_text: str,
    now: datetime,
    box_office: bool = False,
) -> Plan:
    """Check everything that can be checked without taking seats; raise the buyer's error."""
    check_event_on_sale(event)
    wanted = {int(tid): int(q) for tid, q in quantities.items() if int(q) > 0}
    if any(int(q) < 0 for q in quantities.values()):
        raise errors.OrderLimit("Quantities cannot be negative.")
    if not wanted:
        raise errors.EmptyOrder()
    types = _ticket_types(event_id=event.pk, type_ids=sorted(wanted))
    if len(types) != len(wanted):
        raise errors.UnknownTicketType()
    code = resolve_code(event=event, text=code_text, now=now) if code_text.strip() else None
    eligible = code_type_ids(code)
    for type_id, quantity in wanted.items():
        ticket_type = types[type_id]
        if ticket_type.hidden and not box_office and not _unlocks(code, eligible, type_id):
            # A hidden type is invisible without its access code: same answer as unknown.
            raise errors.UnknownTicketType()
        _check_type(
            event=event, ticket_type=ticket_type, quantity=quantity, now=now, box_office=box_office
        )
    currencies = {t.currency for t in types.values()}
    if len(currencies) != 1:
        raise errors.UnknownTicketType("Ticket types of different currencies cannot be mixed.")
    discount = code if code is not None and code.kind != DiscountKind.ACCESS else None
    quote = pricing.quote(
        lines=[
            pricing.LineInput(ticket_type_id=tid, quantity=q, unit_price=types[tid].price)
            for tid, q in sorted(wanted.items())
        ],
        code=discount,
        eligible_type_ids=eligible,
    )
    return Plan(
        event=event,
        types=types,
        quantities=wanted,
        code=code,
        quote=quote,
        currency=currencies.pop(),
    )


def _ticket_types(*, event_id: int, type_ids: list[int]) -> dict[int, TicketType]:
    """The event's ticket types among ``type_ids`` (raw SQL: planning runs on every sale, and
    compiling this query through the ORM cost three times as much as running it)."""
    placeholders = ", ".join(["%s"] * len(type_ids))
    found = fastselect.select(
        TicketType, f"event_id = %s AND id IN ({placeholders})", [event_id, *type_ids]
    )
    return {t.pk: t for t in found}


def _unlocks(code: DiscountCode | None, eligible: frozenset[int], type_id: int) -> bool:
    return bool(code and code.unlocks_hidden and (not eligible or type_id in eligible))
