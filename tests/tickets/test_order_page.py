"""The buyer's order page: each ticket as a card with a large QR code that admits."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from blackcanyon.orders import access, services
from blackcanyon.orders.models import Order
from blackcanyon.tickets.services import ticket_reissue
from tests.factories import EventFactory, TicketTypeFactory
from tests.tickets.helpers import (
    page_text,
    paid_order,
    reload_order,
    revoked,
    tickets_of,
)

pytestmark = pytest.mark.django_db


def _page(client: Client, order: Order):
    return client.get(access.order_page_path(reload_order(order)))


def _cards(response) -> list[str]:
    return re.findall(r'<li class="ticket-card[^"]*">.*?</li>', response.content.decode(), re.S)


def _qr_svgs(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, re.S)


def test_each_ticket_is_a_card_with_its_qr_code_code_and_details(client: Client, concert, floor):
    order = paid_order(floor, 2, names=["Ana Canyon", "Ben Mesa"])
    tickets = tickets_of(order)

    response = _page(client, order)

    assert response.status_code == 200
    cards = _cards(response)
    assert len(cards) == 2
    for card, ticket, name in zip(cards, tickets, ["Ana Canyon", "Ben Mesa"], strict=True):
        text = " ".join(unescape(re.sub(r"<[^>]+>", " ", card)).split())
        secret = ticket.secret
        assert len(_qr_svgs(card)) == 1
        assert f"{secret[:4]} {secret[4:8]} {secret[8:]}" in text
        assert f"Attendee: {name}" in text
        assert "Floor" in text
        assert "ID check 18+" in text
        assert "Canyon Fourth" in text
        assert "Thu, Jul 4, 2030, 7:30 PM \N{EN DASH} 10:00 PM MDT" in text
        assert "Red Rock Hall, 1 Canyon Road" in text
        assert order.code in text


def test_the_qr_code_is_a_scalable_black_on_white_svg(client: Client, concert, floor):
    order = paid_order(floor, 1)

    svg = _qr_svgs(_cards(_page(client, order))[0])[0]

    assert re.search(r'viewBox="0 0 (\d+) \1"', svg)
    assert 'fill="#fff"' in svg
    assert 'stroke="#000"' in svg


def test_page_links_the_downloads(client: Client, concert, floor):
    order = reload_order(paid_order(floor, 1))

    html = _page(client, order).content.decode()

    token = access.token_for(order)
    assert f'href="/orders/{concert.organizer.slug}/{order.code}/{token}/tickets.pdf"' in html
    assert f'href="/orders/{concert.organizer.slug}/{order.code}/{token}/calendar.ics"' in html
    assert "Tickets (PDF)" in html
    assert "Add to calendar (.ics)" in html


def test_no_id_check_badge_without_a_minimum_age(client: Client):
    event = EventFactory(minimum_age=None)
    order = paid_order(TicketTypeFactory(event=event), 1)

    assert "ID check" not in page_text(_page(client, order))


def test_a_cancelled_orders_tickets_are_greyed_without_qr_codes(client: Client, concert, floor):
    order = paid_order(floor, 2)
    services.order_cancel(actor=None, order=order)

    response = _page(client, order)

    cards = _cards(response)
    assert len(cards) == 2
    assert all("ticket-card-void" in card for card in cards)
    assert all("Cancelled — no longer valid" in card for card in cards)
    assert _qr_svgs(response.content.decode()) == []
    assert "Tickets (PDF)" not in response.content.decode()
    for ticket in tickets_of(order):
        assert ticket.secret not in response.content.decode()


def test_an_unpaid_order_has_no_ticket_cards(client: Client, concert, floor):
    order = services.reservation_create(event=concert, quantities={floor.pk: 1})

    response = _page(client, order)

    assert _cards(response) == []
    assert "Tickets (PDF)" not in response.content.decode()


def test_a_reissued_ticket_shows_its_new_code(client: Client, concert, floor):
    order = paid_order(floor, 1)
    old = tickets_of(order)[0]
    new = ticket_reissue(actor=None, ticket=old)

    text = page_text(_page(client, order))

    assert f"{new.secret[:4]} {new.secret[4:8]}" in text
    assert f"{old.secret[:4]} {old.secret[4:8]} {old.secret[8:]}" not in text
    assert old.secret in revoked(concert)


def test_page_queries_do_not_grow_with_the_number_of_tickets(client: Client, concert, floor):
    small, large = paid_order(floor, 1), paid_order(floor, 6)
    _page(client, small)  # the event key exists from here on

    with CaptureQueriesContext(connection) as one:
        _page(client, small)
    with CaptureQueriesContext(connection) as six:
        _page(client, large)

    assert len(six.captured_queries) == len(one.captured_queries)
