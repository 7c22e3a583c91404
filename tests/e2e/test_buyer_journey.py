"""A buyer's journey in Chromium: choose tickets → reserve → details → the test payment is declined
→ retry and approve → confirmation → the email's link → the order page; and a reservation that
expires before checkout is finished, reserved again.

axe-core must report no violations on any page visited; phone (390 px) and desktop (1280 px)
screenshots land in var/screenshots/.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail

from blackcanyon.core import clock, tenancy
from blackcanyon.core.tasks import run_pending
from blackcanyon.events.models import Event
from blackcanyon.orders.models import Order, OrderStatus
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _visit_check(page: Any, axe: Any, screenshot: Any, name: str) -> None:
    axe.check(page)
    screenshot(page, name)


def _event() -> Event:
    starts = clock.now() + timedelta(days=21)
    event = EventFactory(
        title="Slot Canyon Sessions",
        slug="slot-canyon-sessions",
        venue_name="Echo Amphitheater",
        venue_address="Highway 84\nAbiquiu, NM",
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        ask_attendee_names=True,
    )
    TicketTypeFactory(
        event=event,
        name="Floor",
        price=2500,
        capacity=120,
        max_per_order=6,
        description="Standing, close to the stage.",
        position=1,
    )
    TicketTypeFactory(event=event, name="Balcony", price=1500, capacity=8, position=2)
    return event


def _order(event: Event, code: str) -> Order:
    with tenancy.for_organizer(event.organizer_id):
        return Order.objects.get(code=code)


def _code_from(url: str) -> str:
    return urlsplit(url).path.rstrip("/").split("/")[-2]


def test_buyer_reserves_is_declined_then_pays_and_opens_the_emailed_order_page(
    live_server: Any, page: Any, axe: Any, screenshot: Any
) -> None:
    base = live_server.url
    event = _event()
    event_url = f"{base}/e/{event.organizer.slug}/{event.slug}/"

    # Given a buyer on the event page
    page.goto(event_url)
    assert page.get_by_role("heading", name="Slot Canyon Sessions").is_visible()
    _visit_check(page, axe, screenshot, "shop-01-event")

    # When they try a code that does not exist, they read why, and their choice stays
    page.get_by_label("Tickets for Floor").select_option("2")
    page.get_by_label("Have a code?").fill("FRIENDS")
    page.get_by_role("button", name="Apply code").click()
    page.wait_for_load_state()
    assert "This code is not valid for this event." in page.content()
    assert page.get_by_label("Tickets for Floor").input_value() == "2"
    _visit_check(page, axe, screenshot, "shop-02-event-code-refused")

    # When they clear the code and reserve 2 Floor tickets
    page.get_by_label("Have a code?").fill("")
    page.get_by_role("button", name="Reserve tickets").click()
    page.wait_for_url(re.compile(r"/checkout/"))
    checkout_url = page.url
    body = page.inner_text("main")
    assert "Your tickets are held until" in body
    assert "Total\t$50.00" in body or "$50.00" in body
    _visit_check(page, axe, screenshot, "shop-03-checkout")

    # And submit without accepting the terms: the page explains and keeps what they typed
    page.get_by_label("Your name").fill("Ana Canyon")
    page.get_by_label("Email").fill("ana@example.com")
    page.get_by_label("Attendee 1").fill("Ana Canyon")
    page.get_by_label("Attendee 2").fill("Bo Rivers")
    page.get_by_role("button", name=re.compile("Continue to payment")).click()
    page.wait_for_load_state()
    assert "Please accept the terms of sale and the privacy policy." in page.content()
    assert page.get_by_label("Attendee 2").input_value() == "Bo Rivers"
    _visit_check(page, axe, screenshot, "shop-04-checkout-errors")

    # And accept them and continue to the TEST MODE payment page
    page.get_by_label("I accept the terms of sale and the privacy policy").check()
    page.get_by_role("button", name=re.compile("Continue to payment")).click()
    page.wait_for_url(re.compile(r"/pay/test/"))
    assert "TEST MODE" in page.inner_text("main")
    assert "Amount due: $50.00" in page.inner_text("main")
    _visit_check(page, axe, screenshot, "shop-05-test-payment")

    # When the payment is declined
    page.get_by_role("button", name="Decline payment").click()
    page.wait_for_url(checkout_url)

    # Then they are back at checkout, told so, with their details still there
    assert "Your payment was declined. You can try again." in page.content()
    assert page.get_by_label("Your name").input_value() == "Ana Canyon"
    assert page.get_by_label("Attendee 2").input_value() == "Bo Rivers"
    _visit_check(page, axe, screenshot, "shop-06-declined")

    # When they try again and approve
    page.get_by_role("button", name=re.compile("Continue to payment")).click()
    page.wait_for_url(re.compile(r"/pay/test/"))
    page.get_by_role("button", name="Approve payment").click()
    page.wait_for_url(re.compile(r"/orders/"))

    # Then the confirmation shows the order code and the tickets
    code = _code_from(page.url)
    main = page.inner_text("main")
    assert "Payment approved" in page.inner_text("body")
    assert code in main
    assert "Bo Rivers" in main
    assert page.locator('meta[name="robots"]').get_attribute("content").startswith("noindex")
    assert _order(event, code).status == OrderStatus.PAID
    _visit_check(page, axe, screenshot, "shop-07-confirmation")

    # And the confirmation email (sent by the worker) links to the order page
    run_pending()
    message = next(m for m in mail.outbox if m.to == ["ana@example.com"])
    assert code in message.subject
    link = re.search(r"https?://\S+/orders/\S+/", message.body)
    assert link, message.body
    page.goto(base + urlsplit(link.group(0)).path)
    main = page.inner_text("main")
    assert code in main
    assert "Echo Amphitheater" in main
    assert "Payment approved" not in page.inner_text("body")
    _visit_check(page, axe, screenshot, "shop-08-order-page")

    # And the policies the buyer accepted are readable
    page.goto(base + "/legal/terms/")
    _visit_check(page, axe, screenshot, "shop-09-terms")
    page.goto(base + "/legal/privacy/")
    axe.check(page)


def test_expired_reservation_is_explained_and_reserved_again(
    live_server: Any, page: Any, axe: Any, screenshot: Any
) -> None:
    base = live_server.url
    event = _event()

    # Given a buyer who reserved 1 Balcony ticket
    page.goto(f"{base}/e/{event.organizer.slug}/{event.slug}/")
    page.get_by_label("Tickets for Balcony").select_option("1")
    page.get_by_role("button", name="Reserve tickets").click()
    page.wait_for_url(re.compile(r"/checkout/"))
    code = _code_from(page.url)

    # When the reservation time runs out (the live server runs in another thread, so the clock
    # cannot be frozen there: move the expiry into the past instead)
    with tenancy.for_organizer(event.organizer_id):
        Order.objects.filter(code=code).update(expires_at=clock.now() - timedelta(minutes=1))
    page.get_by_label("Your name").fill("Cy Mesa")
    page.get_by_label("Email").fill("cy@example.com")
    page.get_by_label("Attendee 1").fill("Cy Mesa")
    page.get_by_label("I accept the terms of sale and the privacy policy").check()
    page.get_by_role("button", name=re.compile("Continue to payment")).click()
    page.wait_for_load_state()

    # Then the page says so and offers the same tickets again
    assert page.get_by_role("heading", name="Your reservation expired").is_visible()
    _visit_check(page, axe, screenshot, "shop-10-expired")

    # When they reserve again, a new checkout opens with what they typed
    page.get_by_role("button", name="Reserve the same tickets again").click()
    page.wait_for_url(re.compile(r"/checkout/"))
    new_code = _code_from(page.url)
    assert new_code != code
    assert "the same tickets are reserved for you again" in page.content()
    assert page.get_by_label("Your name").input_value() == "Cy Mesa"
    assert page.get_by_label("Attendee 1").input_value() == "Cy Mesa"
    assert _order(event, new_code).status == OrderStatus.RESERVED
    _visit_check(page, axe, screenshot, "shop-11-reserved-again")
