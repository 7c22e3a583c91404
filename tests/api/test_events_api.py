"""Reading the organizer's events and ticket types: seats taken and available (expired holds count
as free), event-wide capacity, pagination and constant query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blackcanyon.core import clock
from blackcanyon.events.models import EventStatus
from blackcanyon.orders import services
from tests.api.conftest import ApiClient, Seller, order_body
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


def _queries(api: ApiClient, path: str) -> int:
    api.get(path)  # the token's first use of the minute also notes last_used_at
    with CaptureQueriesContext(connection) as queries:
        response = api.get(path)
    assert response.status_code == 200, response.content
    return len(queries)


def test_events_lists_only_my_events_with_their_seats(
    api: ApiClient, seller: Seller, other: Seller
):
    # Given a draft next to the published event, and a sale of 3 seats
    draft = EventFactory(organizer=seller.organizer, status=EventStatus.DRAFT, capacity=100)
    api.post(f"/api/v1/events/{seller.event.pk}/orders/", order_body((seller.floor.pk, 3)))

    # When the integrator lists events
    body = api.get("/api/v1/events/").json()

    # Then both of this organizer's events are there (not the other organizer's)
    assert body["count"] == 2
    by_id = {event["id"]: event for event in body["results"]}
    assert set(by_id) == {seller.event.pk, draft.pk}
    event = by_id[seller.event.pk]
    assert event["title"] == "Alpha Live"
    assert event["slug"] == seller.event.slug
    assert event["status"] == "published"
    assert event["timezone"] == "America/Denver"
    assert event["capacity"] is None
    assert event["taken"] == 3
    assert event["starts_at"].endswith(("Z", "+00:00"))
    assert by_id[draft.pk]["status"] == "draft"
    assert by_id[draft.pk]["capacity"] == 100


def test_ticket_types_show_capacity_taken_and_available(api: ApiClient, seller: Seller):
    api.post(f"/api/v1/events/{seller.event.pk}/orders/", order_body((seller.floor.pk, 4)))
    hidden = TicketTypeFactory(event=seller.event, name="Crew", hidden=True, capacity=2)

    response = api.get(f"/api/v1/events/{seller.event.pk}/ticket-types/")

    assert response.status_code == 200
    rows = {row["name"]: row for row in response.json()}
    assert set(rows) == {"Floor", "Balcony", "Crew"}
    floor = rows["Floor"]
    assert (floor["capacity"], floor["taken"], floor["available"]) == (10, 4, 6)
    assert (floor["price"], floor["currency"]) == (2500, "USD")
    assert floor["sale_state"] == "on_sale"
    assert floor["sales_start"] is None
    assert floor["sales_end"] is None
    assert (floor["min_per_order"], floor["max_per_order"]) == (1, 10)
    assert rows["Crew"]["hidden"] is True
    assert rows["Crew"]["id"] == hidden.pk


def test_expired_holds_count_as_available(api: ApiClient, seller: Seller):
    # Given a web reservation of 5 Floor seats that expired without being released
    start = clock.now()
    services.reservation_create(
        event=seller.event, quantities={seller.floor.pk: 5}, now=start - timedelta(hours=1)
    )

    # When the integrator reads the ticket types and events now
    rows = {r["name"]: r for r in api.get(f"/api/v1/events/{seller.event.pk}/ticket-types/").json()}
    event = api.get("/api/v1/events/").json()["results"][0]

    # Then the expired hold is not shown as taken
    assert (rows["Floor"]["taken"], rows["Floor"]["available"]) == (0, 10)
    assert event["taken"] == 0


def test_live_holds_count_as_taken(api: ApiClient, seller: Seller):
    services.reservation_create(event=seller.event, quantities={seller.floor.pk: 5})

    rows = {r["name"]: r for r in api.get(f"/api/v1/events/{seller.event.pk}/ticket-types/").json()}

    assert (rows["Floor"]["taken"], rows["Floor"]["available"]) == (5, 5)


def test_event_wide_capacity_bounds_what_is_available(api: ApiClient, seller: Seller):
    # Given an event of 8 seats shared by Floor (10) and Balcony (5), with 6 Floor sold
    event = EventFactory(organizer=seller.organizer, capacity=8)
    floor = TicketTypeFactory(event=event, name="Floor", capacity=10)
    balcony = TicketTypeFactory(event=event, name="Balcony", capacity=5)
    api.post(f"/api/v1/events/{event.pk}/orders/", order_body((floor.pk, 6)))

    rows = {r["name"]: r for r in api.get(f"/api/v1/events/{event.pk}/ticket-types/").json()}

    assert rows["Floor"]["available"] == 2
    assert rows["Balcony"]["available"] == 2
    assert balcony.pk == rows["Balcony"]["id"]


def test_sale_state_tells_sold_out_and_not_yet(api: ApiClient, seller: Seller):
    later = TicketTypeFactory(
        event=seller.event, name="Late", sales_start=clock.now() + timedelta(days=1)
    )
    api.post(f"/api/v1/events/{seller.event.pk}/orders/", order_body((seller.balcony.pk, 5)))

    rows = {r["id"]: r for r in api.get(f"/api/v1/events/{seller.event.pk}/ticket-types/").json()}

    assert rows[seller.balcony.pk]["sale_state"] == "sold_out"
    assert rows[seller.balcony.pk]["available"] == 0
    assert rows[later.pk]["sale_state"] == "not_yet"
    assert rows[later.pk]["available"] == later.capacity


def test_events_are_paginated(api: ApiClient, seller: Seller):
    for _ in range(4):
        EventFactory(organizer=seller.organizer)

    first = api.get("/api/v1/events/?limit=2").json()
    last = api.get("/api/v1/events/?limit=2&offset=4").json()

    assert first["count"] == 5
    assert len(first["results"]) == 2
    assert first["next"].endswith("/api/v1/events/?limit=2&offset=2")
    assert first["previous"] is None
    assert len(last["results"]) == 1
    assert last["next"] is None
    assert last["previous"].endswith("limit=2&offset=2")


def test_events_list_costs_the_same_for_one_and_five_events(api: ApiClient, seller: Seller):
    one = _queries(api, "/api/v1/events/")
    for _ in range(4):
        event = EventFactory(organizer=seller.organizer)
        TicketTypeFactory(event=event)
    assert _queries(api, "/api/v1/events/") == one


def test_orders_list_costs_the_same_for_one_and_five_orders(api: ApiClient, seller: Seller):
    path = f"/api/v1/events/{seller.event.pk}/orders/"
    api.post(path, order_body((seller.floor.pk, 1), (seller.balcony.pk, 1)))
    one = _queries(api, path)
    for _ in range(4):
        api.post(path, order_body((seller.floor.pk, 1), (seller.balcony.pk, 1)))
    assert _queries(api, path) == one


def test_ticket_types_cost_the_same_for_two_and_six_types(api: ApiClient, seller: Seller):
    path = f"/api/v1/events/{seller.event.pk}/ticket-types/"
    two = _queries(api, path)
    for _ in range(4):
        TicketTypeFactory(event=seller.event)
    assert _queries(api, path) == two
