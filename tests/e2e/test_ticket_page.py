"""The buyer's tickets in Chromium: QR codes big enough to scan from a phone screen (decoded from
a screenshot and verified with the event key), downloads, cancelled tickets, and the organizer's
re-issue button — axe clean, no sideways scrolling at 390 px and 1280 px."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from icalendar import Calendar
from PIL import Image

from blackcanyon.orders import access, services
from blackcanyon.orders.models import Order
from blackcanyon.tickets import signing
from tests.e2e.conftest import DESKTOP, PHONE, SCREENSHOT_DIR
from tests.factories import EventFactory, MembershipFactory, TicketTypeFactory
from tests.tickets.helpers import (
    QR_ONLY,
    during,
    paid_order,
    pdf_pages,
    public_key,
    reload_order,
    revoked,
    tickets_of,
)

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"


@pytest.fixture
def concert(transactional_db: None) -> Any:
    return EventFactory(
        title="Canyon Fourth",
        timezone="America/Denver",
        starts_at=datetime(2030, 7, 5, 1, 30, tzinfo=UTC),
        ends_at=datetime(2030, 7, 5, 4, 0, tzinfo=UTC),
        venue_name="Red Rock Hall",
        venue_address="1 Canyon Road\nMoab, UT",
        minimum_age=18,
        ask_attendee_names=True,
    )


@pytest.fixture
def floor(concert: Any) -> Any:
    return TicketTypeFactory(event=concert, name="Floor", price=2500, capacity=50)


def _open(page: Any, live_server: Any, order: Order) -> None:
    page.goto(live_server.url + access.order_page_path(reload_order(order)))


def _scan(page: Any, locator: Any, name: str) -> list[str]:
    """Decode the QR codes in a screenshot of ``locator`` (as a phone camera would see it)."""
    path = SCREENSHOT_DIR / f"{name}.png"
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    png = locator.screenshot(path=str(path))
    image = Image.open(io.BytesIO(png))
    return [r.text for r in zxingcpp.read_barcodes(image, formats=QR_ONLY)]


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]


def test_buyer_sees_scannable_tickets_on_a_phone_and_a_desktop(
    live_server: Any, page: Any, axe: Any, screenshot: Any, concert: Any, floor: Any
) -> None:
    # Given a paid order of two tickets for an 18+ concert
    order = paid_order(floor, 2, names=["Ana Canyon", "Ben Mesa"])
    tickets = tickets_of(order)
    key = public_key(concert)

    # When the buyer opens their order page on a phone
    page.set_viewport_size(PHONE)
    _open(page, live_server, order)

    # Then each ticket shows a QR code at least 240 px wide, and it scans to a payload that
    # verifies with the event key and names that ticket
    cards = page.locator(".ticket-card")
    assert cards.count() == 2
    for index, ticket in enumerate(tickets):
        qr = cards.nth(index).locator(".ticket-qr svg")
        box = qr.bounding_box()
        assert box["width"] >= 240, box
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"]
        codes = _scan(page, qr, f"ticket-qr-{index + 1}-phone")
        assert len(codes) == 1
        claims = signing.verify(codes[0], key, event_id=concert.pk, now=during(concert))
        assert claims.ticket_id == ticket.pk
    first = cards.first
    assert first.get_by_text("ID check 18+").is_visible()
    assert first.get_by_text("Attendee: Ana Canyon").is_visible()
    secret = tickets[0].secret
    assert first.get_by_text(f"{secret[:4]} {secret[4:8]} {secret[8:]}").is_visible()
    _no_sideways_scroll(page)
    axe.check(page)
    screenshot(page, "tickets-01-order-page")

    # And on a desktop the codes still scan
    page.set_viewport_size(DESKTOP)
    codes = _scan(page, cards.first.locator(".ticket-qr"), "ticket-qr-1-desktop")
    assert signing.verify(codes[0], key, event_id=concert.pk, now=during(concert))
    _no_sideways_scroll(page)
    axe.check(page)


def test_qr_code_stays_black_on_white_in_dark_mode(
    live_server: Any, page: Any, concert: Any, floor: Any
) -> None:
    order = paid_order(floor, 1)
    page.emulate_media(color_scheme="dark")
    page.set_viewport_size(PHONE)
    _open(page, live_server, order)

    qr = page.locator(".ticket-qr svg").first
    codes = _scan(page, qr, "ticket-qr-dark")

    assert signing.verify(codes[0], public_key(concert), event_id=concert.pk, now=during(concert))
    background = page.locator(".ticket-qr").first.evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert background == "rgb(255, 255, 255)"


def test_buyer_downloads_the_pdf_and_calendar_file(
    live_server: Any, page: Any, concert: Any, floor: Any, tmp_path: Path
) -> None:
    order = paid_order(floor, 2)
    page.set_viewport_size(PHONE)
    _open(page, live_server, order)

    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Tickets (PDF)").click()
    pdf_path = tmp_path / pdf_download.value.suggested_filename
    pdf_download.value.save_as(pdf_path)
    with page.expect_download() as ics_download:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    ics_path = tmp_path / ics_download.value.suggested_filename
    ics_download.value.save_as(ics_path)

    pages = pdf_pages(pdf_path.read_bytes())
    assert len(pages) == 2
    assert signing.verify(
        pages[0][1][0], public_key(concert), event_id=concert.pk, now=during(concert)
    )
    assert pdf_path.name == f"canyon-fourth-{order.code}.pdf"
    entry = Calendar.from_ical(ics_path.read_bytes()).walk("VEVENT")[0]
    assert entry.decoded("DTSTART") == concert.starts_at


def test_cancelled_tickets_are_greyed_without_a_qr_code(
    live_server: Any, page: Any, axe: Any, screenshot: Any, concert: Any, floor: Any
) -> None:
    order = paid_order(floor, 2)
    services.order_cancel(actor=None, order=order, reason="Duplicate")
    page.set_viewport_size(PHONE)

    _open(page, live_server, order)

    assert page.locator(".ticket-card-void").count() == 2
    assert page.locator(".ticket-qr").count() == 0
    assert page.get_by_text("Cancelled — no longer valid").first.is_visible()
    axe.check(page)
    screenshot(page, "tickets-02-cancelled")


def test_organizer_reissues_a_ticket_and_the_buyer_sees_the_new_code(
    live_server: Any, page: Any, axe: Any, screenshot: Any, concert: Any, floor: Any
) -> None:
    # Given a paid order and a staff member who manages orders
    order = reload_order(paid_order(floor, 2))
    old = tickets_of(order)[0]
    staff = MembershipFactory(organizer=concert.organizer, role="staff").user
    slug = concert.organizer.slug
    page.set_viewport_size(PHONE)

    # When they open the order and re-issue the first ticket
    page.goto(f"{live_server.url}/accounts/login/?next=/o/{slug}/orders/{order.code}/")
    page.get_by_label("Email").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(f"/o/{slug}/orders/{order.code}/"))
    page.get_by_text(f"Re-issue ticket #{old.pk} (Guest 1)…").click()
    assert page.get_by_text("The old QR code stops working").first.is_visible()
    _no_sideways_scroll(page)
    axe.check(page)
    screenshot(page, "tickets-03-reissue-confirm")
    page.get_by_role("button", name=f"Re-issue ticket #{old.pk}").click()
    page.wait_for_load_state()

    # Then they are told, the old secret is revoked, and the buyer's page shows the new QR code
    assert page.get_by_text(f"Ticket #{old.pk} re-issued").is_visible()
    axe.check(page)
    assert revoked(concert) == {old.secret: "reissued"}
    _open(page, live_server, order)
    codes = _scan(page, page.locator(".ticket-qr svg").first, "ticket-qr-reissued")
    claims = signing.verify(
        codes[0],
        public_key(concert),
        event_id=concert.pk,
        now=during(concert),
        revoked=revoked(concert),
    )
    assert claims.ticket_id == old.pk
    assert claims.secret != old.secret
