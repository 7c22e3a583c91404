"""Planning refusals: everything checked before a seat is taken, each with its code and a
message a buyer understands — and nothing held afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from blackcanyon.core.errors import DomainError
from blackcanyon.events.models import Event, EventStatus, TicketType
from blackcanyon.orders import errors, services
from blackcanyon.orders.models import DiscountKind, OrderStatus
from tests.factories import EventFactory, TicketTypeFactory
from tests.orders.domain.helpers import Counters, change, counters, order_count
from tests.orders.helpers import discount_code

pytestmark = pytest.mark.django_db


def _refused(
    event: Event, quantities: dict[int, int], now: datetime, code: str = ""
) -> DomainError:
    """Reserve and return the refusal; assert nothing was held or written."""
    before = order_count(event)
    with pytest.raises(DomainError) as refusal:
        services.reservation_create(event=event, quantities=quantities, code=code, now=now)
    assert order_count(event) == before
    return refusal.value


def test_cancelled_event_refuses_with_event_cancelled(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    # Given a cancelled event
    change(event, status=EventStatus.CANCELLED)
    # When a buyer reserves, Then the refusal says it was cancelled
    error = _refused(event, {ticket_type.pk: 1}, now)
    assert isinstance(error, errors.EventCancelled)
    assert (error.code, error.message) == ("event_cancelled", "This event has been cancelled.")
    assert counters(event, ticket_type) == Counters(event=0, types=(0,))


def test_draft_event_is_not_on_sale(now: datetime) -> None:
    # Given a draft event with a ticket type
    ticket_type = TicketTypeFactory(event=EventFactory(status=EventStatus.DRAFT))
    # When a buyer reserves, Then it is refused as not on sale (404: the shop does not show it)
    error = _refused(ticket_type.event, {ticket_type.pk: 1}, now)
    assert isinstance(error, errors.EventNotOnSale)
    assert (error.code, error.status) == ("event_not_on_sale", 404)


@pytest.mark.parametrize("asked", [None, 0])
def test_empty_order_asks_for_at_least_one_ticket(
    event: Event, ticket_type: TicketType, now: datetime, asked: int | None
) -> None:
    # When a buyer asks for nothing (no line, or zero of a type)
    wanted = {} if asked is None else {ticket_type.pk: asked}
    error = _refused(event, wanted, now)
    # Then they are asked to choose a ticket
    assert isinstance(error, errors.EmptyOrder)
    assert error.message == "Choose at least one ticket."


def test_negative_quantity_is_refused_even_next_to_a_valid_line(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    other = TicketTypeFactory(event=event, name="Balcony")
    error = _refused(event, {ticket_type.pk: 2, other.pk: -1}, now)
    assert isinstance(error, errors.OrderLimit)
    assert error.message == "Quantities cannot be negative."
    assert counters(event, ticket_type, other).types == (0, 0)


def test_unknown_ticket_type_is_refused(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    error = _refused(event, {ticket_type.pk: 1, 987_654: 1}, now)
    assert isinstance(error, errors.UnknownTicketType)
    assert error.code == "unknown_ticket_type"


@pytest.mark.parametrize("owner", ["same organizer", "other organizer"])
def test_ticket_type_of_another_event_is_refused(
    event: Event, ticket_type: TicketType, now: datetime, owner: str
) -> None:
    # Given a ticket type of another event (of this organizer, or of someone else)
    other_event = (
        EventFactory(organizer=event.organizer) if owner == "same organizer" else EventFactory()
    )
    foreign = TicketTypeFactory(event=other_event, capacity=5)
    # When a buyer asks for it on this event, Then it is unknown here and nothing is taken there
    error = _refused(event, {foreign.pk: 1}, now)
    assert isinstance(error, errors.UnknownTicketType)
    assert counters(other_event, foreign) == Counters(event=0, types=(0,))


def test_hidden_type_is_unknown_without_an_access_code(event: Event, now: datetime) -> None:
    hidden = TicketTypeFactory(event=event, name="Crew", hidden=True)
    error = _refused(event, {hidden.pk: 1}, now)
    assert isinstance(error, errors.UnknownTicketType)


def test_hidden_type_is_unknown_with_a_code_that_does_not_unlock_it(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    # Given a hidden type, a discount code that unlocks nothing and an access code for another type
    hidden = TicketTypeFactory(event=event, name="Crew", hidden=True)
    discount_code(event, code="SAVE10")
    discount_code(
        event,
        code="FLOORONLY",
        kind=DiscountKind.ACCESS,
        value=0,
        unlocks_hidden=True,
        ticket_types=[ticket_type],
    )
    # Then neither lets the buyer see the hidden type
    assert isinstance(_refused(event, {hidden.pk: 1}, now, code="SAVE10"), errors.UnknownTicketType)
    assert isinstance(
        _refused(event, {hidden.pk: 1}, now, code="FLOORONLY"), errors.UnknownTicketType
    )


def test_access_code_unlocks_the_hidden_type(event: Event, now: datetime) -> None:
    # Given a hidden type and an access code that unlocks it
    hidden = TicketTypeFactory(event=event, name="Crew", hidden=True, price=1500)
    code = discount_code(
        event,
        code="CREW",
        kind=DiscountKind.ACCESS,
        value=0,
        unlocks_hidden=True,
        ticket_types=[hidden],
    )
    # When the buyer reserves it with the code (typed in lower case)
    order = services.reservation_create(
        event=event, quantities={hidden.pk: 2}, code=" crew ", now=now
    )
    # Then the seats are held at full price and the code is counted once
    assert order.status == OrderStatus.RESERVED
    assert (order.total, order.discount_total, order.discount_code_id) == (3000, 0, code.pk)
    assert counters(event, hidden, code=code) == Counters(event=2, types=(2,), code=1)


def test_sales_not_open_names_the_local_start_time(event: Event, ticket_type: TicketType) -> None:
    # Given VIP sales start at 02:00 UTC on 1 December = 7 PM on Monday 30 November in Denver (MST)
    start = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    change(ticket_type, name="VIP", sales_start=start)
    # When a buyer tries the day before
    error = _refused(event, {ticket_type.pk: 1}, start - timedelta(days=1))
    # Then they learn when, in the event's time zone
    assert isinstance(error, errors.SalesNotOpen)
    assert error.code == "sales_not_open"
    assert error.message == "VIP goes on sale Mon, Nov 30, 2026, 7:00 PM MST."


def test_sales_open_at_the_start_instant(event: Event, ticket_type: TicketType) -> None:
    start = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    change(ticket_type, sales_start=start)
    order = services.reservation_create(event=event, quantities={ticket_type.pk: 1}, now=start)
    assert order.status == OrderStatus.RESERVED


def test_sales_closed_after_the_sales_end(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    change(ticket_type, sales_end=now)
    error = _refused(event, {ticket_type.pk: 1}, now)
    assert isinstance(error, errors.SalesClosed)
    assert error.message == "Sales for Floor have ended."


def test_sales_closed_once_the_event_has_ended(event: Event, ticket_type: TicketType) -> None:
    error = _refused(event, {ticket_type.pk: 1}, event.ends_at)
    assert isinstance(error, errors.SalesClosed)
    assert error.code == "sales_closed"


def test_fewer_than_the_minimum_per_order_is_refused(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    change(ticket_type, min_per_order=2, max_per_order=6)
    error = _refused(event, {ticket_type.pk: 1}, now)
    assert isinstance(error, errors.OrderLimit)
    assert error.message == "Buy at least 2 Floor tickets per order."


def test_more_than_the_maximum_per_order_is_refused(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    change(ticket_type, max_per_order=4)
    error = _refused(event, {ticket_type.pk: 5}, now)
    assert isinstance(error, errors.OrderLimit)
    assert (error.code, error.message) == (
        "order_limit",
        "You can buy at most 4 Floor tickets per order.",
    )


@pytest.mark.parametrize("typed", ["NOPE", "SAVE10 ", "OTHER"])
def test_invalid_code_is_refused(
    event: Event, ticket_type: TicketType, now: datetime, typed: str
) -> None:
    # Given SAVE10 is inactive here and OTHER belongs to another event
    discount_code(event, code="SAVE10", active=False)
    discount_code(EventFactory(organizer=event.organizer), code="OTHER")
    error = _refused(event, {ticket_type.pk: 1}, now, code=typed)
    assert isinstance(error, errors.InvalidCode)
    assert error.message == "This code is not valid for this event."


def test_code_not_valid_yet(event: Event, ticket_type: TicketType, now: datetime) -> None:
    discount_code(event, code="EARLY", valid_from=now + timedelta(seconds=1))
    error = _refused(event, {ticket_type.pk: 1}, now, code="EARLY")
    assert isinstance(error, errors.CodeNotValidNow)
    assert error.code == "code_not_valid_now"


def test_code_not_valid_anymore(event: Event, ticket_type: TicketType, now: datetime) -> None:
    discount_code(event, code="LATE", valid_from=now - timedelta(days=2), valid_until=now)
    error = _refused(event, {ticket_type.pk: 1}, now, code="LATE")
    assert isinstance(error, errors.CodeNotValidNow)


def test_code_valid_inside_its_window(event: Event, ticket_type: TicketType, now: datetime) -> None:
    discount_code(event, code="WINDOW", valid_from=now, valid_until=now + timedelta(seconds=1))
    order = services.reservation_create(
        event=event, quantities={ticket_type.pk: 1}, code="window", now=now
    )
    assert order.discount_total == 250


def test_used_up_code_is_refused(event: Event, ticket_type: TicketType, now: datetime) -> None:
    # Given a code with one redemption, held by a live reservation
    code = discount_code(event, code="ONCE", max_redemptions=1)
    services.reservation_create(event=event, quantities={ticket_type.pk: 1}, code="ONCE", now=now)
    # When another buyer uses it
    error = _refused(event, {ticket_type.pk: 1}, now, code="ONCE")
    # Then it is used up, and the first buyer keeps the redemption
    assert isinstance(error, errors.CodeUsedUp)
    assert error.message == "This code has been used up."
    assert counters(event, ticket_type, code=code).code == 1


def test_ticket_types_of_different_currencies_cannot_be_mixed(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    euro = TicketTypeFactory(event=event, name="Euro", currency="EUR")
    error = _refused(event, {ticket_type.pk: 1, euro.pk: 1}, now)
    assert error.message == "Ticket types of different currencies cannot be mixed."
    assert counters(event, ticket_type, euro).types == (0, 0)
