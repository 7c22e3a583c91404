"""The buyer's downloads: tickets PDF and calendar file, by the order page's signed link."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from blackcanyon.orders import access, services
from blackcanyon.orders.models import Order
from blackcanyon.tickets import signing
from tests.factories import EventFactory, TicketTypeFactory
from tests.tickets.helpers import during, paid_order, pdf_pages, public_key, reload_order

pytestmark = pytest.mark.django_db


def _url(order: Order, name: str, *, token: str | None = None, slug: str | None = None) -> str:
    order = reload_order(order)
    return reverse(
        f"tickets:{name}",
        kwargs={
            "organizer_slug": slug or order.event.organizer.slug,
            "code": order.code,
            "token": token or access.token_for(order),
        },
    )


def _assert_private_attachment(response, filename: str) -> None:
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["Cache-Control"] == "private, no-store"
    assert "noindex" in response["X-Robots-Tag"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pdf_download_has_the_tickets(client: Client, concert, floor):
    order = paid_order(floor, 2)

    response = client.get(_url(order, "order_pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    _assert_private_attachment(response, f"canyon-fourth-{order.code}.pdf")
    pages = pdf_pages(response.content)
    assert len(pages) == 2
    for _, codes in pages:
        assert signing.verify(
            codes[0], public_key(concert), event_id=concert.pk, now=during(concert)
        )


def test_ics_download_is_the_events_calendar_entry(client: Client, concert, floor):
    order = paid_order(floor, 1)

    response = client.get(_url(order, "order_ics"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    _assert_private_attachment(response, f"canyon-fourth-{order.code}.ics")
    entry = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert entry.decoded("DTSTART") == concert.starts_at


def test_ics_is_available_for_an_unpaid_order_but_the_pdf_is_not(client: Client, concert, floor):
    order = services.reservation_create(event=concert, quantities={floor.pk: 1})

    assert client.get(_url(order, "order_ics")).status_code == 200
    assert client.get(_url(order, "order_pdf")).status_code == 404


def test_a_cancelled_orders_pdf_is_gone(client: Client, concert, floor):
    order = paid_order(floor, 1)
    services.order_cancel(actor=None, order=order)

    response = client.get(_url(order, "order_pdf"))

    assert response.status_code == 404


@pytest.mark.parametrize("name", ["order_pdf", "order_ics"])
def test_a_wrong_token_is_not_found(client: Client, concert, floor, name):
    order = paid_order(floor, 1)
    other = paid_order(floor, 1)

    wrong = client.get(_url(order, name, token="a" * 32))
    borrowed = client.get(_url(order, name, token=access.token_for(reload_order(other))))
    foreign = client.get(_url(order, name, slug=EventFactory().organizer.slug))

    assert (wrong.status_code, borrowed.status_code, foreign.status_code) == (404, 404, 404)
    assert "Content-Disposition" not in wrong
    assert order.code not in wrong.content.decode()


@pytest.mark.parametrize("name", ["order_pdf", "order_ics"])
def test_downloads_answer_only_get(client: Client, floor, name):
    order = paid_order(floor, 1)

    assert client.post(_url(order, name)).status_code == 405


def test_pdf_downloads_are_rate_limited_per_client(client: Client, floor, settings):
    settings.BCT_TICKET_PDF_LIMIT = 2
    order = paid_order(floor, 1)
    url = _url(order, "order_pdf")

    statuses = [client.get(url).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_pdf_of_an_event_with_a_non_ascii_title_gets_a_safe_filename(client: Client):
    event = EventFactory(title="Ελληνική Βραδιά")
    order = paid_order(TicketTypeFactory(event=event), 1)

    response = client.get(_url(order, "order_pdf"))

    assert response["Content-Disposition"] == f'attachment; filename="event-{order.code}.pdf"'
