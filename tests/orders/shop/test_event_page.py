"""The event page as a buyer uses it: choose quantities (and a code), reserve, or read why not —
with the quantities and the code they entered still there."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blackcanyon.core import clock, tenancy
from blackcanyon.events.models import EventStatus, TicketType
from blackcanyon.orders.models import Order, OrderStatus
from tests.factories import TicketTypeFactory
from tests.orders.helpers import discount_code
from tests.orders.shop.helpers import (
    code_value,
    event_url,
    options,
    order_from,
    reserve,
    reserved,
    selected,
    text,
)

pytestmark = pytest.mark.django_db


def _taken(ticket_type: TicketType) -> int:
    with tenancy.for_organizer(ticket_type.organizer_id):
        return TicketType.objects.get(pk=ticket_type.pk).taken


# --- choosing ------------------------------------------------------------------------------------


def test_each_type_on_sale_offers_quantities_up_to_the_limit_or_the_seats_left(
    client, event, floor
):
    # Given Floor (up to 4 per order, 10 seats) and Balcony with 3 of 20 seats left
    balcony = TicketTypeFactory(event=event, name="Balcony", capacity=20, taken=17)
    sold_out = TicketTypeFactory(event=event, name="Boxes", capacity=5, taken=5)

    # When a buyer opens the event page
    response = client.get(event_url(event))

    # Then each type on sale has a select from 0 to what can be bought; sold out has none
    assert response.status_code == 200
    assert options(response, floor) == ["0", "1", "2", "3", "4"]
    assert options(response, balcony) == ["0", "1", "2", "3"]
    assert options(response, sold_out) == []
    page = text(response)
    assert "Have a code?" in page
    assert "Reserve tickets" in page


def test_minimum_per_order_starts_the_choice_at_the_minimum(client, event):
    pair = TicketTypeFactory(event=event, name="Pair", min_per_order=2, max_per_order=6)

    response = client.get(event_url(event))

    assert options(response, pair) == ["0", "2", "3", "4", "5", "6"]


def test_reserving_holds_the_seats_and_opens_checkout(client, event, floor, balcony):
    # When a buyer picks 2 Floor and 1 Balcony and reserves
    response = reserve(client, event, {floor: 2, balcony: 1})

    # Then they land on the checkout of a reservation holding those seats
    assert response.status_code == 302
    assert response["Location"].startswith(f"/checkout/{event.organizer.slug}/")
    order = order_from(response, event)
    assert order.status == OrderStatus.RESERVED
    assert {line.ticket_type_id: line.quantity for line in order.lines.all()} == {
        floor.pk: 2,
        balcony.pk: 1,
    }
    assert (_taken(floor), _taken(balcony)) == (2, 1)


def test_expired_holds_are_shown_as_free_seats(client, event):
    # Given the only 3 seats reserved 16 minutes ago (not released yet by the job)
    ticket_type = TicketTypeFactory(event=event, name="Floor", capacity=3)
    start = clock.now()
    reserved(event, {ticket_type: 3}, now=start)
    assert "Sold out" in text(client.get(event_url(event)))

    # When a buyer opens the page after the hold expired
    with clock.frozen(start + timedelta(minutes=16)):
        response = client.get(event_url(event))

    # Then the seats are on offer again
    page = text(response)
    assert "Sold out" not in page
    assert options(response, ticket_type) == ["0", "1", "2", "3"]


# --- refusals keep what the buyer entered ---------------------------------------------------------


def test_sold_out_says_what_is_still_available_and_keeps_the_other_choices(
    client, event, floor, balcony
):
    # Given another buyer took the last Floor seats after this buyer loaded the page
    reserved(event, {floor: 4})
    reserved(event, {floor: 4})
    reserved(event, {floor: 2})

    # When the buyer reserves 2 Floor and 1 Balcony
    response = reserve(client, event, {floor: 2, balcony: 1})

    # Then the page explains, shows Floor sold out and keeps the Balcony choice
    assert response.status_code == 409
    page = text(response)
    assert "Floor is sold out. Still available: Balcony (20 left)." in page
    assert selected(response, balcony) == "1"
    assert options(response, floor) == []
    assert _taken(balcony) == 0


def test_fewer_left_than_asked_keeps_the_quantity_and_says_how_many(client, event, floor):
    reserved(event, {floor: 4})
    reserved(event, {floor: 4})

    response = reserve(client, event, {floor: 4}, code="")

    assert response.status_code == 409
    assert "Only 2 Floor tickets are left." in text(response)
    # The choice stays (it is no longer possible; the message says so)
    assert selected(response, floor) == "4"
    assert options(response, floor) == ["0", "1", "2", "4"]


def test_sales_not_open_yet_is_explained_with_the_local_start(client, event):
    opens = clock.now() + timedelta(days=2)
    later = TicketTypeFactory(event=event, name="Late Release", sales_start=opens)
    other = TicketTypeFactory(event=event, name="General")

    response = reserve(client, event, {later: 1, other: 2})

    assert response.status_code == 409
    page = text(response)
    assert "Late Release goes on sale" in page
    assert "MST" in page or "MDT" in page
    assert selected(response, other) == "2"


def test_sales_closed_is_explained(client, event):
    ended = TicketTypeFactory(
        event=event, name="Presale", sales_end=clock.now() - timedelta(hours=1)
    )

    response = reserve(client, event, {ended: 1})

    assert response.status_code == 409
    assert "Sales for Presale have ended." in text(response)


def test_below_the_minimum_per_order_is_refused(client, event):
    pair = TicketTypeFactory(event=event, name="Pair", min_per_order=2)

    response = reserve(client, event, {pair: 1})

    assert response.status_code == 422
    assert "Buy at least 2 Pair tickets per order." in text(response)
    assert selected(response, pair) == "1"


def test_above_the_maximum_per_order_is_refused(client, event, floor):
    response = reserve(client, event, {floor: 5})

    assert response.status_code == 422
    assert "You can buy at most 4 Floor tickets per order." in text(response)
    assert selected(response, floor) == "5"


def test_no_ticket_chosen_asks_for_one(client, event, floor):
    response = reserve(client, event, {floor: 0}, code="SAVE10")

    assert response.status_code == 422
    assert "Choose at least one ticket." in text(response)


def test_invalid_code_is_shown_next_to_the_code_with_everything_kept(client, event, floor):
    response = reserve(client, event, {floor: 3}, code="nope-nope")

    assert response.status_code == 422
    assert "This code is not valid for this event." in text(response)
    assert code_value(response) == "nope-nope"
    assert selected(response, floor) == "3"
    # The error sits next to the code field
    code_field = response.content.decode().split('class="field code-field')[1]
    assert "This code is not valid for this event." in code_field


def test_used_up_code_is_refused(client, event, floor):
    discount_code(event, code="ONCE", max_redemptions=1)
    reserved(event, {floor: 1}, code="ONCE")

    response = reserve(client, event, {floor: 2}, code="once")

    assert response.status_code == 409
    assert "This code has been used up." in text(response)
    assert code_value(response) == "once"
    assert selected(response, floor) == "2"


def test_code_outside_its_validity_window_is_refused(client, event, floor):
    discount_code(event, code="LATER", valid_from=clock.now() + timedelta(days=1))

    response = reserve(client, event, {floor: 1}, code="LATER")

    assert response.status_code == 409
    assert "This code is not valid at this time." in text(response)


def test_event_cancelled_after_the_page_was_opened_is_explained(client, event, floor):
    # Given the organizer cancels while the buyer decides
    with tenancy.for_organizer(event.organizer_id):
        type(event).objects.filter(pk=event.pk).update(
            status=EventStatus.CANCELLED, cancelled_at=clock.now()
        )

    response = reserve(client, event, {floor: 2})

    assert response.status_code == 409
    page = text(response)
    assert "This event has been cancelled." in page
    assert "Reserve tickets" not in page
    with tenancy.for_organizer(event.organizer_id):
        assert not Order.objects.exists()


# --- codes ----------------------------------------------------------------------------------------


def test_access_code_in_the_link_unlocks_hidden_types(client, event, floor):
    # Given a hidden type unlocked by an access code
    backstage = TicketTypeFactory(event=event, name="Backstage", hidden=True, price=9900)
    discount_code(event, code="VIP", kind="access", value=0, unlocks_hidden=True)

    # Then without the code it is not on the page
    assert "Backstage" not in text(client.get(event_url(event)))

    # When the buyer follows a link with the code
    response = client.get(event_url(event) + "?code=vip")

    # Then it appears with a quantity, and the code is accepted
    page = text(response)
    assert "Code VIP accepted. It unlocks: Backstage." in page
    assert options(response, backstage)[:2] == ["0", "1"]
    assert code_value(response) == "vip"


def test_apply_code_keeps_quantities_and_reserving_a_hidden_type_needs_the_code(
    client, event, floor
):
    backstage = TicketTypeFactory(event=event, name="Backstage", hidden=True)
    discount_code(event, code="VIP", kind="access", value=0, unlocks_hidden=True)

    # When the buyer picks 1 Floor, enters the code and applies it
    applied = client.post(
        event_url(event), {f"qty_{floor.pk}": "1", "code": "VIP", "apply_code": "1"}
    )

    # Then the hidden type shows and Floor's choice is kept
    assert applied.status_code == 200
    assert options(applied, backstage)
    assert selected(applied, floor) == "1"

    # And reserving it with the code works, without the code it is refused
    without = client.post(event_url(event), {f"qty_{backstage.pk}": "1", "code": ""})
    assert "Choose at least one ticket." in text(without)
    response = reserve(client, event, {backstage: 2, floor: 1}, code="VIP")
    assert response.status_code == 302
    assert order_from(response, event).status == OrderStatus.RESERVED


def test_an_invalid_code_in_the_link_is_explained(client, event, floor):
    TicketTypeFactory(event=event, name="Backstage", hidden=True)

    response = client.get(event_url(event) + "?code=GUESS")

    page = text(response)
    assert "This code is not valid for this event." in page
    assert "Backstage" not in page


# --- rate limit -----------------------------------------------------------------------------------


def test_too_many_reservation_attempts_from_one_address_are_slowed_down(
    client, event, floor, settings
):
    settings.BCT_SHOP_RESERVE_LIMIT = 2
    assert reserve(client, event, {floor: 1}).status_code == 302
    assert reserve(client, event, {floor: 1}).status_code == 302

    response = reserve(client, event, {floor: 3}, code="SAVE")

    assert response.status_code == 429
    page = text(response)
    assert "Too many attempts from your network." in page
    assert "Please wait" in page
    assert selected(response, floor) == "3"
    assert code_value(response) == "SAVE"
    assert _taken(floor) == 2


def test_event_page_costs_the_same_queries_with_more_ticket_types_and_holds(client, event):
    # Given a type with a live reservation and an expired one
    def add_type() -> None:
        ticket_type = TicketTypeFactory(event=event)
        reserved(event, {ticket_type: 1})
        reserved(event, {ticket_type: 1}, now=clock.now() - timedelta(hours=1))

    add_type()
    with CaptureQueriesContext(connection) as one:
        assert client.get(event_url(event)).status_code == 200

    # When the event has five such types
    for _ in range(4):
        add_type()
    with CaptureQueriesContext(connection) as five:
        assert client.get(event_url(event)).status_code == 200

    # Then the page costs the same few queries
    assert len(five) == len(one)
    assert len(one) <= 8


def test_a_discount_code_is_accepted_on_the_page_and_applied_at_checkout(client, event, floor):
    discount_code(event, code="SAVE10", value=10)

    page = text(client.get(event_url(event) + "?code=save10"))

    assert "Code SAVE10 accepted. Any discount shows at checkout." in page
