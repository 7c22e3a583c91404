"""The organizer's order pages in Chromium, on a phone: list, detail, codes — axe clean, no
sideways scrolling, and a cancellation that the buyer's order page reflects."""

from __future__ import annotations

import re
from typing import Any

import pytest

from blackcanyon.core import tenancy
from blackcanyon.orders import services
from blackcanyon.orders.models import DiscountCode, DiscountKind
from tests.e2e.conftest import PHONE
from tests.factories import MembershipFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"


def test_organizer_reviews_and_cancels_an_order_on_a_phone(
    live_server: Any, page: Any, axe: Any, screenshot: Any
) -> None:
    # Given an organizer with a sold order and a discount code
    ticket_type = TicketTypeFactory(name="Floor", price=4500, capacity=50)
    event = ticket_type.event
    owner = MembershipFactory(organizer=event.organizer).user
    order, _ = services.order_create_box_office(
        actor=owner,
        event=event,
        quantities={ticket_type.pk: 2},
        buyer_name="Ana Canyon",
        buyer_email="ana@example.com",
    )
    with tenancy.for_organizer(event.organizer_id):
        DiscountCode.objects.create(
            organizer=event.organizer,
            event=event,
            code="SPRING",
            kind=DiscountKind.PERCENT,
            value=10,
        )
    slug = event.organizer.slug
    page.set_viewport_size(PHONE)

    # When the owner logs in and opens the orders list
    page.goto(f"{live_server.url}/accounts/login/?next=/o/{slug}/orders/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(f"/o/{slug}/orders/"))
    assert order.code in page.content()
    axe.check(page)
    screenshot(page, "org-01-orders")

    # And the order detail
    page.goto(f"{live_server.url}/o/{slug}/orders/{order.code}/")
    assert "Ana Canyon" in page.content()
    axe.check(page)
    screenshot(page, "org-02-order")

    # And the event's codes
    page.goto(f"{live_server.url}/o/{slug}/events/{event.pk}/codes/")
    assert "SPRING" in page.content()
    axe.check(page)
    screenshot(page, "org-03-codes")

    # When they cancel the order
    page.goto(f"{live_server.url}/o/{slug}/orders/{order.code}/")
    page.get_by_role("link", name=re.compile("cancel order", re.I)).first.click()
    axe.check(page)
    page.get_by_role("button", name=re.compile("cancel", re.I)).first.click()
    page.wait_for_load_state()

    # Then the order shows as cancelled, and so does the buyer's page
    assert "Cancelled" in page.content()
    with tenancy.for_organizer(event.organizer_id):
        order.refresh_from_db()
        from blackcanyon.orders.access import order_page_path

        buyer_path = order_page_path(order)
    page.goto(live_server.url + buyer_path)
    assert "ancelled" in page.content()
    axe.check(page)
