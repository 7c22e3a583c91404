"""Reservations: seats (and code redemptions) held by conditional UPDATEs, released exactly once,
explained when short, and never half-written."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.conf import settings

from blackcanyon.core import tenancy
from blackcanyon.events.models import Event, TicketType
from blackcanyon.orders import errors, inventory, selectors, services
from blackcanyon.orders.codes import ALPHABET, LENGTH, new_order_code, normalize_code
from blackcanyon.orders.models import DiscountKind, OrderStatus
from tests.factories import EventFactory, TicketTypeFactory
from tests.orders.domain.helpers import (
    Counters,
    counters,
    fresh,
    lines,
    order_count,
    pay,
    submit,
)
from tests.orders.helpers import discount_code

pytestmark = pytest.mark.django_db

TTL = timedelta(minutes=settings.BCT_RESERVATION_MINUTES)


def test_reservation_holds_seats_and_a_code_redemption_until_it_expires(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    # Given Floor and Balcony tickets and a 10 % code
    balcony = TicketTypeFactory(event=event, name="Balcony", price=1500, capacity=20)
    code = discount_code(event, code="SAVE10", max_redemptions=5)
    # When a buyer reserves 2 Floor and 3 Balcony with the code
    order = services.reservation_create(
        event=event, quantities={ticket_type.pk: 2, balcony.pk: 3}, code="save10", now=now
    )
    # Then the order holds them for the reservation time, priced with the code
    assert order.status == OrderStatus.RESERVED
    assert order.expires_at == now + TTL
    assert [
        (li.ticket_type_id, li.quantity, li.unit_price, li.unit_discount) for li in lines(order)
    ] == [
        (ticket_type.pk, 2, 2500, 250),
        (balcony.pk, 3, 1500, 150),
    ]
    assert (order.subtotal, order.discount_total, order.total) == (9500, 950, 8550)
    # And every counter went up: event-wide, per type, and the code
    assert counters(event, ticket_type, balcony, code=code) == Counters(5, (2, 3), 1)


def test_expiry_gives_seats_and_redemption_back_once(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    # Given a reservation with a code
    code = discount_code(event, code="SAVE10")
    order = services.reservation_create(
        event=event, quantities={ticket_type.pk: 3}, code="SAVE10", now=now
    )
    # When it is expired after its time, twice (two jobs racing)
    later = now + TTL + timedelta(seconds=1)
    with tenancy.for_organizer(event.organizer_id):
        first = services.order_expire(order_id=order.pk, now=later)
        second = services.order_expire(order_id=order.pk, now=later)
    # Then it is expired and released exactly once
    assert (first, second) == (True, False)
    assert fresh(order).status == OrderStatus.EXPIRED
    assert fresh(order).released_at == later
    assert counters(event, ticket_type, code=code) == Counters(0, (0,), 0)


def test_reservation_is_not_expired_before_its_time(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    order = services.reservation_create(event=event, quantities={ticket_type.pk: 1}, now=now)
    with tenancy.for_organizer(event.organizer_id):
        assert services.order_expire(order_id=order.pk, now=order.expires_at) is False
        assert services.reservations_release_expired(now=order.expires_at) == 0
    assert fresh(order).status == OrderStatus.RESERVED
    assert counters(event, ticket_type) == Counters(1, (1,))


def test_cancelling_a_reservation_gives_seats_and_redemption_back(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    code = discount_code(event, code="SAVE10")
    order = services.reservation_create(
        event=event, quantities={ticket_type.pk: 2}, code="SAVE10", now=now
    )
    services.order_cancel(actor=None, order=order, reason="changed my mind", now=now)
    assert fresh(order).status == OrderStatus.CANCELLED
    assert counters(event, ticket_type, code=code) == Counters(0, (0,), 0)


def test_paying_keeps_the_seats_taken_and_expiry_no_longer_applies(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    # Given a reservation paid within its time
    code = discount_code(event, code="SAVE10")
    order = services.reservation_create(
        event=event, quantities={ticket_type.pk: 2}, code="SAVE10", now=now
    )
    pay(submit(order, now=now), now=now)
    # When the expiry job runs long after
    with tenancy.for_organizer(event.organizer_id):
        released = services.reservations_release_expired(now=now + timedelta(days=1))
    # Then nothing is released: a paid order keeps its seats and redemption
    assert released == 0
    assert fresh(order).status == OrderStatus.PAID
    assert counters(event, ticket_type, code=code) == Counters(2, (2,), 1)


def test_expired_hold_is_released_on_demand_when_seats_are_short(
    event: Event, now: datetime
) -> None:
    # Given the last seat held by a reservation that expired, not yet released by the job
    last = TicketTypeFactory(event=event, capacity=1)
    stale = services.reservation_create(event=event, quantities={last.pk: 1}, now=now)
    later = now + TTL + timedelta(minutes=1)
    # Then reads already show the seat as free
    with tenancy.for_organizer(event.organizer_id):
        assert selectors.seats_left(event_id=event.pk, now=later).by_type[last.pk] == 1
    # When another buyer reserves it
    order = services.reservation_create(event=event, quantities={last.pk: 1}, now=later)
    # Then the stale hold is expired first and the new buyer gets the seat, counted once
    assert order.status == OrderStatus.RESERVED
    assert fresh(stale).status == OrderStatus.EXPIRED
    assert counters(event, last) == Counters(1, (1,))


def test_expired_hold_of_the_last_code_redemption_is_released_on_demand(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    # Given a one-time code held by a reservation that expired, not yet released by the job
    code = discount_code(event, code="ONCE", max_redemptions=1)
    stale = services.reservation_create(
        event=event, quantities={ticket_type.pk: 1}, code="ONCE", now=now
    )
    later = now + TTL + timedelta(minutes=1)
    # When another buyer uses the code
    order = services.reservation_create(
        event=event, quantities={ticket_type.pk: 1}, code="ONCE", now=later
    )
    # Then the stale hold gives the redemption back and the new buyer gets it
    assert order.discount_code_id == code.pk
    assert fresh(stale).status == OrderStatus.EXPIRED
    assert counters(event, ticket_type, code=code) == Counters(1, (1,), 1)


def test_live_holds_are_not_released_when_seats_are_short(event: Event, now: datetime) -> None:
    last = TicketTypeFactory(event=event, capacity=1, name="Last")
    held = services.reservation_create(event=event, quantities={last.pk: 1}, now=now)
    with pytest.raises(errors.SoldOut):
        services.reservation_create(
            event=event, quantities={last.pk: 1}, now=now + TTL - timedelta(seconds=1)
        )
    assert fresh(held).status == OrderStatus.RESERVED
    assert counters(event, last) == Counters(1, (1,))


def test_fewer_left_of_a_type_says_how_many(event: Event, now: datetime) -> None:
    floor = TicketTypeFactory(event=event, capacity=3, name="Floor")
    services.reservation_create(event=event, quantities={floor.pk: 2}, now=now)
    with pytest.raises(errors.NotEnoughLeft) as refusal:
        services.reservation_create(event=event, quantities={floor.pk: 2}, now=now)
    assert refusal.value.code == "not_enough_left"
    assert refusal.value.message == "Only 1 Floor tickets are left."
    assert refusal.value.available == 1


def test_sold_out_type_names_what_is_still_available(event: Event, now: datetime) -> None:
    # Given Floor sold out; Balcony on sale; VIP hidden; Late not on sale yet; Gone sold out
    floor = TicketTypeFactory(event=event, capacity=1, name="Floor")
    TicketTypeFactory(event=event, capacity=8, name="Balcony")
    TicketTypeFactory(event=event, capacity=8, name="VIP", hidden=True)
    TicketTypeFactory(event=event, capacity=8, name="Late", sales_start=now + timedelta(days=1))
    gone = TicketTypeFactory(event=event, capacity=1, name="Gone")
    services.reservation_create(event=event, quantities={floor.pk: 1, gone.pk: 1}, now=now)
    # When a buyer asks for Floor
    with pytest.raises(errors.SoldOut) as refusal:
        services.reservation_create(event=event, quantities={floor.pk: 1}, now=now)
    # Then they see what they could buy instead
    assert refusal.value.code == "sold_out"
    assert refusal.value.message == "Floor is sold out. Still available: Balcony (8 left)."


def test_event_wide_capacity_short_and_sold_out(now: datetime) -> None:
    # Given an event of 3 seats shared by two types of 3 each
    event = EventFactory(
        capacity=3, starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3, hours=2)
    )
    stalls = TicketTypeFactory(event=event, capacity=3)
    circle = TicketTypeFactory(event=event, capacity=3)
    services.reservation_create(event=event, quantities={stalls.pk: 2}, now=now)
    # When another buyer asks for 2 of the other type, Then only 1 is left event-wide
    with pytest.raises(errors.NotEnoughLeft) as fewer:
        services.reservation_create(event=event, quantities={circle.pk: 2}, now=now)
    assert fewer.value.message == "Only 1 tickets are left for this event."
    assert fewer.value.available == 1
    # When the last seat goes, Then the event is sold out for everyone
    services.reservation_create(event=event, quantities={circle.pk: 1}, now=now)
    with pytest.raises(errors.SoldOut) as sold_out:
        services.reservation_create(event=event, quantities={stalls.pk: 1}, now=now)
    assert sold_out.value.message == "This event is sold out."
    assert counters(event, stalls, circle) == Counters(3, (2, 1))


def test_order_never_half_written_when_a_later_type_is_short(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    # Given an order whose second type (by id) is short: the event row and the first type's
    # counter are updated before the take fails
    short = TicketTypeFactory(event=event, capacity=1, name="Short")
    assert short.pk > ticket_type.pk
    # When it is refused
    with pytest.raises(errors.NotEnoughLeft):
        services.reservation_create(
            event=event, quantities={ticket_type.pk: 2, short.pk: 2}, now=now
        )
    # Then no order, no line, and no counter kept any of it
    assert order_count(event) == (0, 0)
    assert counters(event, ticket_type, short) == Counters(0, (0, 0))


def test_order_never_half_written_when_the_take_fails_unexpectedly(
    event: Event, ticket_type: TicketType, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the database fails right after the counters were updated (fault injection: the
    # real take runs, then the connection "drops")
    real_take = inventory.take

    def take_then_fail(**kwargs: object) -> None:
        real_take(**kwargs)  # type: ignore[arg-type]
        raise ConnectionError("server closed the connection unexpectedly")

    monkeypatch.setattr(inventory, "take", take_then_fail)
    code = discount_code(event, code="SAVE10")
    # When a buyer reserves
    with pytest.raises(ConnectionError):
        services.reservation_create(
            event=event, quantities={ticket_type.pk: 2}, code="SAVE10", now=now
        )
    # Then nothing of the order survives
    assert order_count(event) == (0, 0)
    assert counters(event, ticket_type, code=code) == Counters(0, (0,), 0)


def test_rereserve_takes_the_same_tickets_and_code_again(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    code = discount_code(event, code="SAVE10", kind=DiscountKind.FIXED, value=500)
    expired = services.reservation_create(
        event=event, quantities={ticket_type.pk: 2}, code="SAVE10", now=now
    )
    later = now + TTL + timedelta(minutes=1)
    with tenancy.for_organizer(event.organizer_id):
        services.order_expire(order_id=expired.pk, now=later)
    again = services.order_rereserve(order=fresh(expired), now=later)
    assert again.pk != expired.pk
    assert (again.status, again.total, again.discount_code_id) == (
        OrderStatus.RESERVED,
        4000,
        code.pk,
    )
    assert counters(event, ticket_type, code=code) == Counters(2, (2,), 1)


def test_order_codes_are_short_unambiguous_and_unique(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    # Given the alphabet has no 0/O or 1/I
    assert not set("0O1I") & set(ALPHABET)
    # When many codes are made (and a few real orders)
    made = [new_order_code() for _ in range(2000)]
    orders = [
        services.reservation_create(event=event, quantities={ticket_type.pk: 1}, now=now)
        for _ in range(3)
    ]
    # Then each is LENGTH characters of the alphabet and they do not repeat
    for code in [*made, *(o.code for o in orders)]:
        assert len(code) == LENGTH
        assert set(code) <= set(ALPHABET)
    assert len(set(made)) == len(made)
    assert len({o.code for o in orders}) == 3


def test_order_code_typed_loosely_is_normalised() -> None:
    assert normalize_code(" abcd-efgh ") == "ABCDEFGH"
    assert normalize_code("ab cd\tef gh") == "ABCDEFGH"
