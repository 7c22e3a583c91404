"""The organizer's orders list: columns, search, filters, pagination, constant query count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import EventFactory, TicketTypeFactory
from tests.orders.organizer.helpers import page_text, paid_order, pending_order, reserve

pytestmark = pytest.mark.django_db


def orders_url(owner, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/o/{owner.organizer.slug}/orders/" + (f"?{query}" if query else "")


def test_list_shows_each_order_newest_first_with_its_columns(owner_client, owner, ticket_type):
    # Given a paid order of two tickets and a newer reservation
    paid = paid_order(ticket_type, 2, name="Ana Canyon", email="ana@example.com")
    held = reserve(ticket_type, 1)

    # When the owner opens the orders list
    response = owner_client.get(orders_url(owner))

    # Then both show, newest first, with buyer, event, tickets, total, status and local time
    assert response.status_code == 200
    text = page_text(response)
    assert text.index(held.code) < text.index(paid.code)
    row = text[text.index(paid.code) :]
    assert row.startswith(
        f"{paid.code} Ana Canyon ana@example.com Canyon Blues 2 tickets $50.00 Paid"
    )
    assert "MST" in row or "MDT" in row  # the organizer's time zone (America/Denver)
    assert "Not entered yet" in text
    assert "Reserved" in text
    assert "2 orders" in text


@pytest.mark.parametrize(
    "query", ["zed@Example.COM", "ZED@", "zed", "Quartz", "quartz ZED"], ids=str
)
def test_search_matches_email_and_name_case_insensitively(owner_client, owner, ticket_type, query):
    # Given two buyers
    wanted = pending_order(ticket_type, name="Quartz Zed", email="zed@example.com")
    other = pending_order(ticket_type, name="Ana Canyon", email="ana@example.com")

    # When the owner searches
    text = page_text(owner_client.get(orders_url(owner, q=query)))

    # Then only the matching order is listed
    assert wanted.code in text
    assert other.code not in text


def test_search_by_order_code_in_any_case(owner_client, owner, ticket_type):
    wanted = reserve(ticket_type)
    other = reserve(ticket_type)

    text = page_text(owner_client.get(orders_url(owner, q=wanted.code.lower())))

    assert wanted.code in text
    assert other.code not in text
    assert "1 order found" in text


def test_search_without_match_says_so(owner_client, owner, ticket_type):
    reserve(ticket_type)

    text = page_text(owner_client.get(orders_url(owner, q="nobody@nowhere")))

    assert "No orders match" in text


def test_filter_by_status_and_by_event(owner_client, owner, ticket_type):
    # Given a paid and a reserved order of one event, and a paid order of another event
    paid = paid_order(ticket_type)
    held = reserve(ticket_type)
    other_type = TicketTypeFactory(event=EventFactory(organizer=owner.organizer, title="Mesa Jazz"))
    elsewhere = paid_order(other_type)

    # When filtering by status paid
    text = page_text(owner_client.get(orders_url(owner, status="paid")))
    # Then only paid orders show
    assert paid.code in text
    assert elsewhere.code in text
    assert held.code not in text

    # When filtering by the second event
    text = page_text(owner_client.get(orders_url(owner, event=str(other_type.event_id))))
    assert elsewhere.code in text
    assert paid.code not in text
    assert held.code not in text

    # When combining both filters
    text = page_text(
        owner_client.get(orders_url(owner, status="reserved", event=str(ticket_type.event_id)))
    )
    assert held.code in text
    assert paid.code not in text
    assert elsewhere.code not in text


def test_unknown_filter_values_are_ignored_not_errors(owner_client, owner, ticket_type):
    order = reserve(ticket_type)

    response = owner_client.get(orders_url(owner, status="bogus", event="abc", page="zz"))

    assert response.status_code == 200
    assert order.code in page_text(response)


def test_event_orders_page_lists_only_that_event(owner_client, owner, ticket_type):
    mine = reserve(ticket_type)
    other_type = TicketTypeFactory(event=EventFactory(organizer=owner.organizer))
    theirs = reserve(other_type)

    response = owner_client.get(f"/o/{owner.organizer.slug}/events/{ticket_type.event_id}/orders/")

    text = page_text(response)
    assert response.status_code == 200
    assert "Orders · Canyon Blues" in text
    assert mine.code in text
    assert theirs.code not in text


def test_fifty_orders_per_page(owner_client, owner):
    # Given 51 orders
    ticket_type = TicketTypeFactory(event=EventFactory(organizer=owner.organizer), capacity=100)
    orders = [reserve(ticket_type) for _ in range(51)]

    # When the owner opens the first and the second page
    first = page_text(owner_client.get(orders_url(owner)))
    second_response = owner_client.get(orders_url(owner, page="2"))
    second = page_text(second_response)

    # Then the newest 50 are on page 1 and the oldest one on page 2
    assert orders[0].code not in first
    assert orders[1].code in first
    assert orders[-1].code in first
    assert "page 1 of 2" in first
    assert "Older" in first
    assert orders[0].code in second
    assert orders[1].code not in second
    assert "Newer" in second


def test_pagination_keeps_the_search(owner_client, owner):
    ticket_type = TicketTypeFactory(event=EventFactory(organizer=owner.organizer), capacity=100)
    for _ in range(51):
        reserve(ticket_type)

    html = owner_client.get(orders_url(owner, status="reserved")).content.decode()

    assert "?status=reserved&amp;page=2" in html


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.parametrize("params", [{}, {"q": "ana", "status": "paid"}], ids=["all", "search"])
def test_list_costs_the_same_queries_for_one_or_many_orders(owner_client, owner, params):
    # Given one order of one event
    def add_order() -> None:
        ticket_type = TicketTypeFactory(event=EventFactory(organizer=owner.organizer))
        paid_order(ticket_type, 2)

    add_order()
    one = _queries(owner_client, orders_url(owner, **params))

    # When there are six orders of six events
    for _ in range(5):
        add_order()

    # Then the page costs the same number of queries
    assert _queries(owner_client, orders_url(owner, **params)) == one
