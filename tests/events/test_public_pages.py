"""The public home page and event pages, as a buyer sees them (no organizer context)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blackcanyon.core import clock
from blackcanyon.events.models import EventStatus
from tests.events.helpers import page_text, ticket_card
from tests.factories import EventFactory, OrganizerFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


def public_url(event) -> str:  # type: ignore[no-untyped-def]
    return f"/e/{event.organizer.slug}/{event.slug}/"


# --- home -----------------------------------------------------------------------------------------


def test_home_lists_only_upcoming_and_ongoing_published_events_soonest_first(client):
    # Given events in every state, from two organizers
    now = clock.now()
    later = EventFactory(title="Later Show", starts_at=now + timedelta(days=20))
    sooner = EventFactory(title="Sooner Show", starts_at=now + timedelta(days=2))
    EventFactory(
        title="Ongoing Festival",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=5),
    )
    EventFactory(title="Secret Draft", status=EventStatus.DRAFT)
    EventFactory(title="Called Off", status=EventStatus.CANCELLED, cancelled_at=now)
    EventFactory(
        title="Last Year",
        starts_at=now - timedelta(days=300),
        ends_at=now - timedelta(days=299),
    )

    # When a visitor opens the home page
    response = client.get("/")

    # Then only upcoming/ongoing published events show, soonest first
    text = page_text(response)
    assert response.status_code == 200
    assert "Secret Draft" not in text
    assert "Called Off" not in text
    assert "Last Year" not in text
    positions = [text.index(t) for t in ("Ongoing Festival", "Sooner Show", "Later Show")]
    assert positions == sorted(positions)
    assert sooner.organizer.name in text
    assert later.venue_name in text


def test_home_card_shows_lowest_visible_price_and_event_local_time(client):
    # Given an event at 19:30 Denver time with three types, the cheapest of them hidden
    event = EventFactory(
        title="Canyon Jazz",
        timezone="America/Denver",
        starts_at=datetime(2030, 7, 5, 1, 30, tzinfo=UTC),
        ends_at=datetime(2030, 7, 5, 4, 0, tzinfo=UTC),
    )
    TicketTypeFactory(event=event, price=4000)
    TicketTypeFactory(event=event, price=2550)
    TicketTypeFactory(event=event, price=500, hidden=True)

    with clock.frozen(datetime(2030, 6, 1, tzinfo=UTC)):
        text = page_text(client.get("/"))

    assert "From $25.50" in text
    assert "$5.00" not in text
    assert "Jul 4, 2030, 7:30 PM MDT" in text


def test_home_shows_a_friendly_empty_state(client):
    text = page_text(client.get("/"))

    assert "No upcoming events yet" in text


def test_home_query_count_does_not_grow_with_the_number_of_events(client):
    # Given one event with two ticket types
    def add_event() -> None:
        event = EventFactory(organizer=OrganizerFactory())
        TicketTypeFactory(event=event)
        TicketTypeFactory(event=event, price=1000)

    add_event()
    with CaptureQueriesContext(connection) as one:
        assert client.get("/").status_code == 200

    # When there are six such events from six organizers
    for _ in range(5):
        add_event()
    with CaptureQueriesContext(connection) as six:
        response = client.get("/")

    # Then the page still costs the same (small) number of queries
    assert page_text(response).count("From $10.00") == 6
    assert len(six) == len(one)
    assert len(one) <= 6


# --- event page -----------------------------------------------------------------------------------


def test_event_page_shows_details_in_the_event_time_zone(client):
    event = EventFactory(
        title="Desert Night",
        timezone="America/Denver",
        starts_at=datetime(2030, 7, 5, 1, 30, tzinfo=UTC),
        ends_at=datetime(2030, 7, 5, 4, 0, tzinfo=UTC),
        venue_name="Red Rock Hall",
        venue_address="1 Canyon Road\nMoab, UT",
        minimum_age=21,
    )

    with clock.frozen(datetime(2030, 6, 1, tzinfo=UTC)):
        response = client.get(public_url(event))

    text = page_text(response)
    assert response.status_code == 200
    assert "Desert Night" in text
    assert "Jul 4, 2030, 7:30 PM \u2013 10:00 PM MDT" in text
    assert "Red Rock Hall" in text
    assert "1 Canyon Road" in text
    assert "Moab, UT" in text
    assert "Ages 21+" in text
    assert "ID check 21+" in text
    assert "<strong>stars</strong>" in response.content.decode()


def test_event_page_shows_the_state_of_each_ticket_type(client):
    # Given a published event with a type in each sale state and a hidden one
    now = clock.now()
    event = EventFactory()
    TicketTypeFactory(event=event, name="General", price=2500)
    TicketTypeFactory(event=event, name="Early Bird", capacity=50, taken=50)
    TicketTypeFactory(
        event=event,
        name="Late Release",
        sales_start=now + timedelta(days=3),
    )
    TicketTypeFactory(event=event, name="Presale", sales_end=now - timedelta(hours=1))
    TicketTypeFactory(event=event, name="Comp", hidden=True)

    # When a buyer opens the event page
    response = client.get(public_url(event))

    # Then each type shows its price and state, and hidden types are absent
    assert response.status_code == 200
    general = ticket_card(response, "General")
    assert "$25.00" in general
    assert "On sale" in general
    assert "Sold out" in ticket_card(response, "Early Bird")
    late = ticket_card(response, "Late Release")
    assert "On sale from" in late
    assert "MST" in late or "MDT" in late
    assert "Sales ended" in ticket_card(response, "Presale")
    assert "Comp" not in page_text(response)


def test_event_wide_capacity_reached_sells_out_every_type(client):
    # Given a 10-seat event whose two types have 6 + 4 seats taken (of 100 each)
    event = EventFactory(capacity=10)
    TicketTypeFactory(event=event, name="Floor", taken=6)
    TicketTypeFactory(event=event, name="Balcony", taken=4)

    response = client.get(public_url(event))

    assert "Sold out" in ticket_card(response, "Floor")
    assert "Sold out" in ticket_card(response, "Balcony")
    assert "On sale" not in page_text(response)


def test_cancelled_event_shows_a_banner_and_nothing_on_sale(client):
    event = EventFactory(status=EventStatus.CANCELLED, cancelled_at=clock.now())
    TicketTypeFactory(event=event, name="General")

    response = client.get(public_url(event))

    text = page_text(response)
    assert response.status_code == 200
    assert "This event has been cancelled" in text
    assert "On sale" not in text
    assert "Not on sale" in ticket_card(response, "General")


def test_draft_event_is_not_found_publicly(client):
    event = EventFactory(status=EventStatus.DRAFT)

    response = client.get(public_url(event))

    assert response.status_code == 404
    assert event.title not in page_text(response)


def test_draft_event_is_not_found_even_for_its_signed_in_owner(client, owner):
    # The public page never switches to the organizer context; owners preview from their pages.
    event = EventFactory(organizer=owner.organizer, status=EventStatus.DRAFT)
    client.force_login(owner.user)

    assert client.get(public_url(event)).status_code == 404


def test_unknown_event_is_not_found(client):
    event = EventFactory()

    assert client.get(f"/e/{event.organizer.slug}/no-such-event/").status_code == 404
    assert client.get(f"/e/someone-else/{event.slug}/").status_code == 404


def test_event_page_description_is_rendered_safe_html(client):
    event = EventFactory(description_html="<p>Doors at <strong>7</strong></p>")

    response = client.get(public_url(event))

    assert "<p>Doors at <strong>7</strong></p>" in response.content.decode()
