"""The organizer's check-in pages in Chromium on a phone: live counts on the event page that
update by themselves, lists, a device token with its QR code, the scan log with a conflict and
undo — axe clean, no sideways scrolling."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from blackcanyon.core import clock
from tests.checkin.helpers import make_door, post_scans, scan
from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"


def test_organizer_watches_check_in_live_and_manages_the_door_on_a_phone(
    live_server: Any, page: Any, axe: Any, screenshot: Any
) -> None:
    # Given an event tonight with one ticket already scanned in at the door
    door = make_door("Mesa")
    api = Client()
    post_scans(api, [scan(door, payload=door.qr(0), gate="North")], **door.device_auth)
    slug, event_id = door.organizer.slug, door.event.pk
    event_url = f"{live_server.url}/o/{slug}/events/{event_id}/"
    page.set_viewport_size(PHONE)

    # When the owner logs in and opens the event
    page.goto(f"{live_server.url}/accounts/login/?next=/o/{slug}/events/{event_id}/")
    page.get_by_label("Email").fill(door.owner.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(f"/o/{slug}/events/{event_id}/$"))

    # Then the live panel shows 1 of 4 checked in, and follows the door by itself
    panel = page.locator("section.checkin-live")
    assert panel.locator('[data-stat="checked_in"]').inner_text() == "1"
    axe.check(page)
    screenshot(page, "checkin-01-event-panel")
    post_scans(api, [scan(door, payload=door.qr(1), gate="North")], **door.device_auth)
    expect(panel.locator('[data-stat="checked_in"]')).to_have_text("2", timeout=20_000)
    assert "Updated" in panel.locator("[data-updated]").inner_text()

    # When they open the check-in page and add a VIP-only list
    page.get_by_role("link", name="Check-in", exact=True).click()
    page.wait_for_url(re.compile("/checkin/$"))
    axe.check(page)
    screenshot(page, "checkin-02-home")
    page.get_by_role("link", name="New list").click()
    page.get_by_label("Name", exact=True).fill("VIP lounge")
    page.get_by_label("Only the ticket types ticked below").check()
    page.get_by_label("VIP", exact=True).check()
    page.get_by_label("Allow re-entry").check()
    axe.check(page)
    screenshot(page, "checkin-03-list-form")
    page.get_by_role("button", name="Create list").click()
    page.wait_for_url(re.compile("/checkin/$"))
    assert "VIP lounge" in page.content()

    # And create a device token for the VIP door
    page.get_by_label("Device name").fill("VIP handheld")
    page.get_by_role("combobox", name="Check-in list").select_option(label="VIP lounge")
    page.get_by_role("button", name="Create device token").click()
    token = page.get_by_label("Device token").input_value()
    assert token.startswith("bctd_")
    assert page.locator(".device-qr svg").is_visible()
    axe.check(page)
    screenshot(page, "checkin-04-device-token")

    # When a second door that was offline syncs an admission of the first ticket
    earlier = (clock.now() - timedelta(minutes=2)).isoformat()
    conflict = scan(
        door,
        payload=door.qr(0),
        offline=True,
        client_status="valid",
        scanned_at=earlier,
        gate="South",
    )
    post_scans(api, [conflict], **door.device_auth)

    # Then the scan log marks the conflict, and a mistaken scan can be undone
    page.goto(f"{event_url}checkin/scans/")
    assert page.locator("tr.scan-conflict").count() == 1
    axe.check(page)
    screenshot(page, "checkin-05-scan-log")
    page.get_by_role("button", name=re.compile("^Undo")).last.click()
    page.wait_for_load_state()
    assert "Scan undone" in page.content()
    page.goto(event_url)
    assert panel.locator('[data-stat="checked_in"]').inner_text() == "1"
