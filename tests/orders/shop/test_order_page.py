"""The buyer's order page (reached from the confirmation email, no account) and the emails."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from blackcanyon.core import clock, tenancy
from blackcanyon.core.tasks import run_pending
from blackcanyon.events.models import Event
from blackcanyon.orders import access, services
from blackcanyon.orders.models import Order
from tests.factories import EventFactory, TicketTypeFactory
from tests.orders.shop.helpers import order_url, reserved, text

pytestmark = pytest.mark.django_db

DASH = "\N{EN DASH}"


@pytest.fixture
def concert(db: None) -> Event:
    """Jul 4, 2030, 7:30 PM - 10:00 PM in Denver, asking for attendee names."""
    return EventFactory(
        title="Canyon Fourth",
        timezone="America/Denver",
        starts_at=datetime(2030, 7, 5, 1, 30, tzinfo=UTC),
        ends_at=datetime(2030, 7, 5, 4, 0, tzinfo=UTC),
        venue_name="Red Rock Hall",
        venue_address="1 Canyon Road\nMoab, UT",
        ask_attendee_names=True,
    )


def _paid(event: Event, **quantities: int) -> Order:
    types = {name: TicketTypeFactory(event=event, name=name, price=2500) for name in quantities}
    order = reserved(event, {types[n]: q for n, q in quantities.items()})
    with tenancy.for_organizer(event.organizer_id):
        names = {
            line.pk: [f"Guest {line.ticket_type.name} {i + 1}" for i in range(line.quantity)]
            for line in order.lines.select_related("ticket_type")
        }
    order = services.order_submit_details(
        order=order,
        buyer_name="Ana Canyon",
        buyer_email="ana@example.com",
        accept_terms=True,
        attendee_names=names,
    )
    return services.order_confirm_payment(
        order=order, provider="test", reference="test-1", amount=order.total
    )


def test_order_page_shows_code_event_local_time_tickets_and_total(client, concert):
    order = _paid(concert, Floor=2)

    response = client.get(order_url(order))

    page = text(response)
    assert response.status_code == 200
    assert f"Order code {order.code} Confirmed" in page
    assert "Canyon Fourth" in page
    assert f"Thu, Jul 4, 2030, 7:30 PM {DASH} 10:00 PM MDT" in page
    assert "Red Rock Hall" in page
    assert "Floor Attendee: Guest Floor 1 Ticket 1 of 2" in page
    assert "Guest Floor 2" in page
    assert "Total $50.00" in page
    assert concert.organizer.contact_email in page


def test_order_page_is_private_and_not_indexed(client, concert):
    order = _paid(concert, Floor=1)

    response = client.get(order_url(order))

    assert response["Cache-Control"] == "private, no-store"
    assert "noindex" in response["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()


def test_order_page_needs_the_right_token(client, concert):
    order = _paid(concert, Floor=1)
    other = _paid(EventFactory(), Floor=1)
    slug = concert.organizer.slug

    wrong_token = client.get(f"/orders/{slug}/{order.code}/{'a' * 32}/")
    token_of_another_order = client.get(f"/orders/{slug}/{order.code}/{access.token_for(other)}/")
    another_organizer = client.get(
        f"/orders/{other.event.organizer.slug}/{order.code}/{access.token_for(order)}/"
    )

    assert wrong_token.status_code == 404
    assert token_of_another_order.status_code == 404
    assert another_organizer.status_code == 404
    assert order.code not in text(wrong_token)


def test_an_unpaid_order_page_links_back_to_checkout(client, concert):
    ticket_type = TicketTypeFactory(event=concert, name="Floor")
    order = reserved(concert, {ticket_type: 1})

    page = text(client.get(order_url(order)))

    assert "Waiting for payment" in page
    assert "Continue checkout" in page


def test_an_expired_order_page_says_so(client, concert):
    ticket_type = TicketTypeFactory(event=concert, name="Floor")
    order = reserved(concert, {ticket_type: 1}, now=clock.now() - timedelta(hours=1))

    page = text(client.get(order_url(order)))

    assert "Reservation expired" in page
    assert "See if the same tickets are still available" in page


def test_a_cancelled_order_page_says_its_tickets_are_void(client, concert):
    order = _paid(concert, Floor=1)
    services.order_cancel(actor=None, order=order, reason="Duplicate")

    page = text(client.get(order_url(order)))

    assert "Cancelled" in page
    assert "This order was cancelled on" in page
    assert "no longer valid" in page


# --- emails ---------------------------------------------------------------------------------------


def test_confirmation_email_has_the_order_and_a_working_link(client, concert):
    # Given a paid order of 2 Floor and 1 Balcony
    order = _paid(concert, Floor=2, Balcony=1)

    # When the worker runs
    run_pending()

    # Then the buyer gets one email in text and HTML with everything needed at the door
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@example.com"]
    assert message.subject == f"Your tickets for Canyon Fourth — order {order.code}"
    assert message.reply_to == [concert.organizer.contact_email]
    body = message.body
    for expected in (
        f"Order code: {order.code}",
        f"When: Thu, Jul 4, 2030, 7:30 PM {DASH} 10:00 PM MDT",
        "Where: Red Rock Hall",
        "1. Floor — Guest Floor 1",
        "3. Balcony — Guest Balcony 1",
        "Total paid: $75.00",
        concert.organizer.contact_email,
    ):
        assert expected in body, expected
    html = message.alternatives[0].content
    assert order.code in html
    assert "Guest Balcony 1" in html
    assert "$75.00" in html
    assert 'lang="en"' in html

    # And its link opens the order page
    link = re.search(r"https?://\S+/orders/\S+/", body)
    assert link
    path = link.group(0).split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 200
    assert order.code in text(response)


def test_cancellation_email_tells_the_buyer(concert):
    order = _paid(concert, Floor=1)
    run_pending()
    mail.outbox.clear()

    services.order_cancel(actor=None, order=order, reason="Artist ill")
    run_pending()

    message = mail.outbox[0]
    assert message.subject == f"Order {order.code} for Canyon Fourth was cancelled"
    assert "was cancelled by" in message.body
    assert "no longer valid" in message.body
    assert access.order_page_url(order) in message.body
    with tenancy.for_organizer(concert.organizer_id):
        assert Order.objects.get(pk=order.pk).status == "cancelled"
