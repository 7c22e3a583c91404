"""The door scanner in Chromium with a fake camera that films a real ticket's QR code.

Each video needs its own Chromium (the camera file is a launch flag). Valid → green, the same
ticket again → amber "Already checked in at 19:42, Gate 2", a cancelled order's ticket → red;
offline the device verifies the signature itself, queues the scan and syncs it exactly once when
the network is back. axe and 390 px screenshots along the way."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from blackcanyon.checkin.models import Scan
from blackcanyon.checkin.services.lists import checkin_lists_ensure_default
from blackcanyon.core import clock, tenancy
from blackcanyon.events.models import Event
from blackcanyon.orders import services as order_services
from blackcanyon.orders.models import Ticket
from blackcanyon.organizers.models import Role
from blackcanyon.tickets.payloads import ticket_payload
from tests.e2e.conftest import CHROMIUM_ARGS, PHONE, SCREENSHOT_DIR, _chromium_path
from tests.e2e.scanner_video import ticket_video
from tests.factories import EventFactory, MembershipFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"
ZONE = "America/Denver"
RESULT_TIMEOUT = 30_000


@dataclass
class Door:
    event: Event
    email: str
    tickets: dict[str, Ticket]
    payloads: dict[str, str]

    @property
    def slug(self) -> str:
        return self.event.organizer.slug

    def list_id(self) -> int:
        with tenancy.for_organizer(self.event.organizer_id):
            return checkin_lists_ensure_default(event=self.event)[0].pk

    def scans_of(self, name: str) -> list[Scan]:
        with tenancy.for_organizer(self.event.organizer_id):
            return list(
                Scan.objects.filter(ticket=self.tickets[name]).order_by("received_at", "id")
            )


def _door(*names: str, cancelled: tuple[str, ...] = ()) -> Door:
    """An 18+ event tonight with one ticket per name (box office), some orders cancelled."""
    starts = clock.now() + timedelta(hours=2)
    event = EventFactory(
        title="Desert Night",
        timezone=ZONE,
        minimum_age=18,
        starts_at=starts,
        ends_at=starts + timedelta(hours=4),
    )
    ticket_type = TicketTypeFactory(event=event, name="Floor", capacity=50)
    staff = MembershipFactory(organizer=event.organizer, role=Role.SCANNER).user
    tickets, payloads = {}, {}
    for name in names:
        order, _ = order_services.order_create_box_office(
            actor=staff,
            event=event,
            quantities={ticket_type.pk: 1},
            buyer_name=f"{name.title()} Canyon",
        )
        with tenancy.for_organizer(event.organizer_id):
            ticket = Ticket.objects.get(order=order)
            payloads[name] = ticket_payload(ticket, event)
        tickets[name] = ticket
        if name in cancelled:
            order_services.order_cancel(actor=staff, order=order, reason="Changed plans")
    return Door(event=event, email=staff.email, tickets=tickets, payloads=payloads)


@contextmanager
def _camera_page(browser: Any, video: Path, *, init: str = "") -> Iterator[tuple[Any, Any]]:
    """A phone-sized page in a Chromium whose camera plays ``video``."""
    camera = browser.browser_type.launch(
        executable_path=_chromium_path(),
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    context = camera.new_context(viewport=PHONE, permissions=["camera"])
    if init:
        context.add_init_script(init)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield context, page
    finally:
        context.close()
        camera.close()


def _log_in(page: Any, base: str, email: str, next_path: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _result(page: Any, status: str) -> Any:
    result = page.locator(f'#result[data-status="{status}"]')
    result.wait_for(state="visible", timeout=RESULT_TIMEOUT)
    return result


def _shot(page: Any, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"{name}-phone.png"))


GATE_2 = "localStorage.setItem('bct-scanner:gate', 'Gate 2');"
CAMERA_OFF = "localStorage.setItem('bct-scanner:camera', 'off');"


def test_camera_scans_green_then_amber_for_the_same_ticket(
    live_server: Any, browser: Any, axe: Any, screenshot: Any, tmp_path: Path
) -> None:
    # Given door staff at the gate "Gate 2" and a camera filming a valid ticket
    door = _door("ana")
    video = ticket_video(tmp_path / "ana.y4m", door.payloads["ana"])
    with _camera_page(browser, video, init=GATE_2) as (_, page):
        # When they log in and pick the event and its list
        _log_in(page, live_server.url, door.email, "/scan/")
        page.wait_for_url(re.compile(f"/scan/o/{door.slug}/$"))
        axe.check(page)
        screenshot(page, "scanner-01-events")
        page.get_by_role("link", name=re.compile("Desert Night")).click()
        page.wait_for_url(re.compile(f"/events/{door.event.pk}/$"))
        axe.check(page)
        screenshot(page, "scanner-02-lists")
        page.get_by_role("link", name=re.compile("All tickets")).click()

        # Then the first look at the ticket admits it: green, type, ID check 18+
        valid = _result(page, "valid")
        _shot(page, "scanner-04-valid")
        assert valid.get_attribute("data-colour") == "green"
        text = valid.inner_text()
        assert "Valid" in text
        assert "Floor" in text
        assert "ID check 18+" in text
        assert "Ana Canyon" not in text  # the list does not show names
        assert "Valid" in page.locator("#announce").inner_text()

        # And the same ticket again (after the result cleared) is amber with time and gate
        amber = _result(page, "already_checked_in")
        _shot(page, "scanner-05-already")
        first = door.scans_of("ana")[0]
        at = first.scanned_at.astimezone(ZoneInfo(ZONE)).strftime("%H:%M")
        assert amber.get_attribute("data-colour") == "amber"
        assert f"Already checked in at {at}, Gate 2" in amber.inner_text()

    # And the server recorded one admission and one refusal, both from this gate
    scans = door.scans_of("ana")
    assert [s.status for s in scans[:2]] == ["valid", "already_checked_in"]
    assert {s.gate for s in scans} == {"Gate 2"}
    assert not any(s.offline for s in scans)


def test_camera_shows_red_for_a_cancelled_orders_ticket(
    live_server: Any, browser: Any, tmp_path: Path
) -> None:
    # Given a ticket whose order was cancelled (its secret is revoked)
    door = _door("ben", cancelled=("ben",))
    video = ticket_video(tmp_path / "ben.y4m", door.payloads["ben"])
    with _camera_page(browser, video) as (_, page):
        # When door staff scan it
        path = f"/scan/o/{door.slug}/lists/{door.list_id()}/"
        _log_in(page, live_server.url, door.email, path)

        # Then the screen is red and says why in words
        red = _result(page, "revoked")
        _shot(page, "scanner-06-revoked")
        assert red.get_attribute("data-colour") == "red"
        assert "Revoked" in red.inner_text()
        assert "cancelled or replaced" in red.inner_text()
    assert [s.status for s in door.scans_of("ben")][:1] == ["revoked"]


def test_offline_scan_is_verified_on_the_device_queued_and_synced_once(
    live_server: Any, browser: Any, axe: Any, screenshot: Any, tmp_path: Path
) -> None:
    # Given a scanner page opened online with the camera off (as staff left it)
    door = _door("cleo")
    video = ticket_video(tmp_path / "cleo.y4m", door.payloads["cleo"])
    with _camera_page(browser, video, init=CAMERA_OFF + GATE_2) as (context, page):
        path = f"/scan/o/{door.slug}/lists/{door.list_id()}/"
        _log_in(page, live_server.url, door.email, path)
        page.locator('#bundle-state[data-ready="true"]').wait_for()
        axe.check(page)
        screenshot(page, "scanner-03-idle")
        # And the app is installed for offline use (worker active, this page saved)
        assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        for _ in range(100):
            if page.evaluate(
                "caches.open('bct-scanner-pages').then(c => c.match(location.pathname))"
                ".then(r => Boolean(r))"
            ):
                break
            page.wait_for_timeout(100)

        saved = page.evaluate(
            "caches.open('bct-scanner-pages').then(c => c.match(location.pathname))"
            ".then(r => r.text())"
        )

        # When the network goes away and the scanner is reopened
        context.set_offline(True)
        page.reload()

        # Then the page is the copy saved on the device (same nonce), and it knows it is offline
        nonce = page.evaluate("document.querySelector('script[type=importmap]').nonce")
        assert nonce
        assert f'nonce="{nonce}"' in saved
        page.locator('#net[data-state="offline"]').wait_for()
        page.locator('#bundle-state[data-ready="true"]').wait_for()

        # And the camera sees a valid ticket
        page.get_by_role("button", name=re.compile("Camera off")).click()
        green = _result(page, "valid")
        _shot(page, "scanner-07-offline-valid")

        # Then the device admits it, says it decided offline, and keeps the scan
        assert "Checked on this device (offline)" in green.inner_text()
        assert "ID check 18+" in green.inner_text()
        page.get_by_role("button", name=re.compile("Camera on")).click()
        assert page.locator("#sync").inner_text() == "Offline — 1 scan waiting"
        assert door.scans_of("cleo") == []

        # When the network is back
        context.set_offline(False)

        # Then the queue syncs and the server has the scan exactly once
        page.locator("#sync").wait_for(state="hidden", timeout=RESULT_TIMEOUT)
        assert page.locator("#net").inner_text() == "Online"
    scans = door.scans_of("cleo")
    assert len(scans) == 1
    assert scans[0].status == "valid"
    assert scans[0].offline is True
    assert scans[0].client_status == "valid"
    assert scans[0].gate == "Gate 2"


def test_camera_refused_still_leaves_manual_entry(live_server: Any, page: Any, axe: Any) -> None:
    # Given a scanner on a browser that refuses the camera, and a ticket already inside
    door = _door("dora")
    path = f"/scan/o/{door.slug}/lists/{door.list_id()}/"
    page.set_viewport_size(PHONE)
    _log_in(page, live_server.url, door.email, path)

    # Then the page says so and the code field is there
    page.locator("#camera-status").filter(has_text=re.compile("refused|No camera")).wait_for()
    assert "type the ticket code" in page.locator("#camera-status").inner_text().lower()
    axe.check(page)

    # When staff type the ticket's code in lower case with dashes and spaces
    secret = door.tickets["dora"].secret
    typed = f"{secret[:4].lower()}-{secret[4:8]} {secret[8:].lower()}"
    page.get_by_label("Ticket code").fill(typed)
    page.get_by_role("button", name="Check").click()

    # Then it is admitted; the same code again is amber
    _result(page, "valid")
    page.locator("#result").click()
    page.get_by_label("Ticket code").fill(secret)
    page.get_by_role("button", name="Check").click()
    _result(page, "already_checked_in")
    page.locator("#result").click()

    # When staff undo the admission (a mistaken scan), the ticket admits again
    page.get_by_role("button", name="Undo last admission").click()
    page.get_by_text("Undone.").wait_for()
    page.get_by_label("Ticket code").fill(secret)
    page.get_by_role("button", name="Check").click()
    _result(page, "valid")
    page.keyboard.press("Enter")  # the result has focus: Enter dismisses it

    # And a made-up code is red
    page.get_by_label("Ticket code").fill("AAAA-BBBB-CCCCC")
    page.get_by_role("button", name="Check").click()
    red = _result(page, "invalid")
    assert red.get_attribute("data-colour") == "red"
    statuses = [(s.status, s.undone_at is not None) for s in door.scans_of("dora")]
    assert statuses == [("valid", True), ("already_checked_in", False), ("valid", False)]
