"""Checkout: the summary and the time left, the buyer's details, attendees, terms, free orders,
and an expired reservation with the offer to reserve the same tickets again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from blackcanyon.core import clock, tenancy
from blackcanyon.events.models import Event, EventStatus
from blackcanyon.orders import services
from blackcanyon.orders.models import Order, OrderStatus
from tests.factories import TicketTypeFactory
from tests.orders.helpers import discount_code
from tests.orders.shop.helpers import (
    checkout_url,
    details,
    load,
    order_from,
    reserve,
    reserved,
    text,
)

pytestmark = pytest.mark.django_db

MINUS = "\N{MINUS SIGN}"


def test_checkout_shows_the_order_the_total_and_how_long_tickets_are_held(client, event, floor):
    # Given a reservation of 2 Floor with a 10% code, made at 19:27 Denver time
    discount_code(event, code="SAVE10", value=10)
    start = datetime(2026, 7, 4, 1, 27, tzinfo=UTC)  # 7:27 PM MDT on Jul 3
    with clock.frozen(start):
        order = reserved(event, {floor: 2}, code="save10", now=start)
        # When the buyer opens checkout
        response = client.get(checkout_url(order))

    # Then they see the lines, discount, total and the hold time in the event's zone
    page = text(response)
    assert response.status_code == 200
    assert "Desert Night" in page
    assert "Floor 2 $25.00 $45.00" in page
    assert f"Discount (SAVE10) {MINUS}$5.00" in page
    assert "Total $45.00" in page
    assert "Your tickets are held until 7:42 PM MDT (15 minutes)" in page
    assert "Continue to payment · $45.00" in page
    assert 'href="/legal/terms/"' in response.content.decode()
    assert 'href="/legal/privacy/"' in response.content.decode()


def test_checkout_needs_the_signed_link(client, event, floor):
    order = reserved(event, {floor: 1})
    wrong = f"/checkout/{event.organizer.slug}/{order.code}/{'0' * 32}/"

    assert client.get(wrong).status_code == 404
    assert client.post(wrong, details(order)).status_code == 404


def test_missing_details_are_explained_and_what_was_typed_stays(client, event, floor):
    order = reserved(event, {floor: 1})

    response = client.post(
        checkout_url(order),
        {"buyer_name": "Ana Canyon", "buyer_email": "ana@", "accept_terms": ""},
    )

    assert response.status_code == 422
    page = text(response)
    assert "Enter a valid email address: your tickets are sent there." in page
    assert "Please accept the terms of sale and the privacy policy." in page
    html = response.content.decode()
    assert 'value="Ana Canyon"' in html
    assert 'value="ana@"' in html
    assert load(event, order.code).status == OrderStatus.RESERVED


def test_attendee_names_are_asked_per_ticket_when_the_event_wants_them(client, event, floor):
    # Given an event that asks for attendee names, and 2 Floor reserved
    with tenancy.for_organizer(event.organizer_id):
        Event.objects.filter(pk=event.pk).update(ask_attendee_names=True)
    event.ask_attendee_names = True
    order = reserved(event, {floor: 2})
    with tenancy.for_organizer(event.organizer_id):
        line = order.lines.get()

    # When the buyer fills only the first name
    page = client.get(checkout_url(order))
    assert "Attendees: Floor" in text(page)
    response = client.post(
        checkout_url(order),
        details(order, **{f"attendee_{line.pk}_0": "Ana Canyon", f"attendee_{line.pk}_1": ""}),
    )

    # Then the second is asked for and the first stays
    assert response.status_code == 422
    assert "Enter the name of this attendee." in text(response)
    assert 'value="Ana Canyon"' in response.content.decode()

    # And with both names the order goes to payment with the names saved
    response = client.post(
        checkout_url(order),
        details(order, **{f"attendee_{line.pk}_0": "Ana Canyon", f"attendee_{line.pk}_1": "Bo"}),
    )
    assert response.status_code == 302
    saved = load(event, order.code)
    assert saved.status == OrderStatus.PENDING
    assert [line.attendee_names for line in saved.lines.all()] == [["Ana Canyon", "Bo"]]


def test_submitting_details_records_the_accepted_policy_versions_and_goes_to_payment(
    client, event, floor
):
    order = reserved(event, {floor: 1})

    response = client.post(checkout_url(order), details(order, buyer_email="Ana@Example.com"))

    assert response.status_code == 302
    assert response["Location"].startswith(f"/pay/test/{event.organizer.slug}/{order.code}/")
    saved = load(event, order.code)
    assert saved.status == OrderStatus.PENDING
    assert saved.buyer_email == "ana@example.com"
    assert saved.terms_version == settings.BCT_TERMS_VERSION
    assert saved.privacy_version == settings.BCT_PRIVACY_VERSION
    assert saved.terms_accepted_at is not None


def test_a_free_order_skips_payment_and_shows_the_tickets(client, event):
    free = TicketTypeFactory(event=event, name="Community", price=0)
    response = reserve(client, event, {free: 2})
    order = order_from(response, event)
    assert "Get my free tickets" in text(client.get(response["Location"]))

    response = client.post(checkout_url(order), details(order), follow=True)

    assert response.redirect_chain[-1][0].startswith(f"/orders/{event.organizer.slug}/")
    page = text(response)
    assert "You're going!" in page
    assert order.code in page
    assert "Confirmed" in page
    saved = load(event, order.code)
    assert saved.status == OrderStatus.PAID
    assert saved.tickets.count() == 2


def test_checkout_of_a_paid_order_goes_to_the_order_page(client, event, floor):
    order = reserved(event, {floor: 1})
    order = services.order_submit_details(
        order=order, buyer_name="Ana", buyer_email="ana@example.com", accept_terms=True
    )
    services.order_confirm_payment(order=order, provider="test", reference="r1", amount=2500)

    response = client.get(checkout_url(order))

    assert response.status_code == 302
    assert response["Location"].startswith(f"/orders/{event.organizer.slug}/{order.code}/")


# --- expired reservation --------------------------------------------------------------------------


def test_expired_reservation_offers_the_same_tickets_again(client, event, floor):
    # Given a reservation whose time ran out
    start = clock.now() - timedelta(minutes=20)
    order = reserved(event, {floor: 2}, now=start)

    # When the buyer opens checkout
    response = client.get(checkout_url(order))

    # Then it says so and offers to reserve again
    assert response.status_code == 410
    page = text(response)
    assert "Your reservation expired" in page
    assert "Reserve the same tickets again" in page

    # And reserving again makes a new reservation and opens its checkout
    again = client.post(checkout_url(order) + "again/", follow=True)
    assert again.status_code == 200
    new_path = again.redirect_chain[-1][0]
    assert order.code not in new_path
    assert "the same tickets are reserved for you again" in text(again)
    assert "Your tickets are held until" in text(again)
    new_code = new_path.rstrip("/").split("/")[-2]
    assert load(event, new_code).status == OrderStatus.RESERVED
    with tenancy.for_organizer(event.organizer_id):
        assert Order.objects.count() == 2


def test_details_typed_when_the_reservation_expired_follow_the_new_reservation(
    client, event, floor
):
    order = reserved(event, {floor: 1}, now=clock.now() - timedelta(minutes=20))

    # When the buyer submits their details after the hold ran out
    response = client.post(
        checkout_url(order), details(order, buyer_name="Late Larry", buyer_email="larry@x.org")
    )

    # Then they read it expired; reserving again keeps what they typed
    assert response.status_code == 410
    assert "What you entered stays filled in." in text(response)
    html = response.content.decode()
    assert 'name="buyer_name" value="Late Larry"' in html
    again = client.post(
        checkout_url(order) + "again/",
        {"buyer_name": "Late Larry", "buyer_email": "larry@x.org"},
        follow=True,
    )
    html = again.content.decode()
    assert 'value="Late Larry"' in html
    assert 'value="larry@x.org"' in html


def test_expired_reservation_whose_tickets_are_gone_says_so(client, event):
    # Given the only 2 seats: one buyer's hold expired, and another buyer took them
    scarce = TicketTypeFactory(event=event, name="Floor", capacity=2)
    start = clock.now() - timedelta(minutes=20)
    order = reserved(event, {scarce: 2}, now=start)
    reserved(event, {scarce: 2})  # releases the expired hold, then takes the seats

    response = client.get(checkout_url(order))

    page = text(response)
    assert "Your reservation expired" in page
    assert "Sorry, these tickets are no longer available." in page
    assert "Reserve the same tickets again" not in page

    # And a re-reserve posted anyway (an old tab) explains what is left
    again = client.post(checkout_url(order) + "again/")
    assert again.status_code == 410
    assert "Floor is sold out." in text(again)


def test_expired_reservation_of_a_cancelled_event_is_not_offered_again(client, event, floor):
    order = reserved(event, {floor: 1}, now=clock.now() - timedelta(minutes=20))
    with tenancy.for_organizer(event.organizer_id):
        Event.objects.filter(pk=event.pk).update(status=EventStatus.CANCELLED)

    page = text(client.get(checkout_url(order)))

    assert "no longer available: the event has been cancelled" in page
