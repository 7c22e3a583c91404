"""The first journey of a new organizer, in Chromium: sign up → verify the email from the sent
mail → create an organizer → create an event and a ticket type → publish → the public page shows it.

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

from blackcanyon.core import clock
from blackcanyon.core.tasks import run_pending

pytestmark = pytest.mark.django_db(transaction=True)


def _visit_check(page: Any, axe: Any, screenshot: Any, name: str) -> None:
    axe.check(page)
    screenshot(page, name)


def _link_from_last_mail(live_url: str, to: str) -> str:
    message = next(m for m in reversed(mail.outbox) if to in m.to)
    match = re.search(r"https?://\S+/accounts/verify-email/\S+/", message.body)
    assert match, message.body
    # Links use PUBLIC_APP_URL; point them at this test's live server.
    parts = urlsplit(match.group(0))
    return live_url + parts.path


def test_new_organizer_signs_up_creates_and_publishes_an_event(
    live_server: Any, page: Any, axe: Any, screenshot: Any
) -> None:
    base = live_server.url
    email = "river@canyon-events.example"

    # Given a visitor on the home page
    page.goto(base + "/")
    _visit_check(page, axe, screenshot, "01-home-empty")

    # When they sign up
    page.get_by_role("link", name="Sell tickets", exact=True).click()
    _visit_check(page, axe, screenshot, "02-signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Full name").fill("River Stone")
    page.get_by_label("Password", exact=True).fill("sandstone-arches-42")
    page.get_by_label("Repeat the password").fill("sandstone-arches-42")
    page.get_by_role("button", name=re.compile("sign up|create", re.I)).click()
    page.wait_for_load_state()
    assert "check your email" in page.content().lower() or "verify" in page.content().lower()
    _visit_check(page, axe, screenshot, "03-verify-sent")

    # Then a verification email was sent by the worker; following its link verifies the address
    run_pending()
    page.goto(_link_from_last_mail(base, email))
    page.wait_for_load_state()
    _visit_check(page, axe, screenshot, "04-verified")

    # When they create an organizer
    page.goto(base + "/o/new/")
    _visit_check(page, axe, screenshot, "05-organizer-new")
    page.get_by_label("Name", exact=True).fill("Canyon Events Co")
    page.get_by_label("Contact email").fill("hello@canyon-events.example")
    page.get_by_label("Country").select_option("US")
    page.get_by_label("Default currency").select_option("USD")
    page.get_by_label("Time zone").select_option("America/Denver")
    page.get_by_role("button", name=re.compile("create", re.I)).click()
    page.wait_for_load_state()
    assert "Canyon Events Co" in page.content()
    _visit_check(page, axe, screenshot, "06-organizer-dashboard")

    # And an event with a ticket type
    slug = urlsplit(page.url).path.strip("/").split("/")[1]
    page.goto(f"{base}/o/{slug}/events/new/")
    _visit_check(page, axe, screenshot, "07-event-new")
    starts = (clock.now() + timedelta(days=14)).strftime("%Y-%m-%dT19:00")
    ends = (clock.now() + timedelta(days=14)).strftime("%Y-%m-%dT22:30")
    page.get_by_label("Title").fill("Slot Canyon Sessions")
    page.get_by_label("Description").fill("Acoustic sets in a **sandstone** canyon.")
    page.get_by_label("Venue name").fill("Echo Amphitheater")
    page.get_by_label("Venue address").fill("Highway 84, Abiquiu, NM")
    page.get_by_label("Time zone").select_option("America/Denver")
    page.get_by_label("Starts").fill(starts)
    page.get_by_label("Ends").fill(ends)
    page.get_by_role("button", name=re.compile("create|save", re.I)).click()
    page.wait_for_load_state()
    assert "Slot Canyon Sessions" in page.content()
    _visit_check(page, axe, screenshot, "08-event-detail-draft")

    page.get_by_role("link", name=re.compile("add (a )?ticket type", re.I)).first.click()
    _visit_check(page, axe, screenshot, "09-ticket-type-new")
    page.get_by_label("Name").fill("General admission")
    page.get_by_label("Price").fill("25.00")
    page.get_by_label("Capacity").fill("120")
    page.get_by_role("button", name=re.compile("create|save|add", re.I)).click()
    page.wait_for_load_state()
    assert "General admission" in page.content()

    # And publishes it
    page.get_by_role("button", name=re.compile("^publish", re.I)).click()
    page.wait_for_load_state()
    assert "Published" in page.content()
    _visit_check(page, axe, screenshot, "10-event-published")

    # Then the public event page shows the event and its ticket type on sale
    page.goto(f"{base}/e/{slug}/slot-canyon-sessions/")
    body = page.content()
    assert "Slot Canyon Sessions" in body
    assert "Echo Amphitheater" in body
    assert "<strong>sandstone</strong>" in body
    assert "General admission" in body
    assert "$25.00" in body
    assert "On sale" in body
    _visit_check(page, axe, screenshot, "11-public-event")

    # And the home page lists it
    page.goto(base + "/")
    assert "Slot Canyon Sessions" in page.content()
    _visit_check(page, axe, screenshot, "12-home-with-event")
