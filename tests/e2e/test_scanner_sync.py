"""The scanner's offline queue against the real server: a scan the server refuses is set aside
with its reason, and the good scans queued with it are still recorded (static/scanner/app.js,
net.js ``sendQueued``, store.js). Also: a device's version 1 database is upgraded without losing
its queue, and a refusal that names no scan neither loops nor drains the queue."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from blackcanyon.checkin.models import CheckInList, Scan
from blackcanyon.checkin.services.lists import (
    checkin_list_create,
    checkin_list_delete,
    checkin_lists_ensure_default,
)
from blackcanyon.core import clock, tenancy
from blackcanyon.events.models import Event
from blackcanyon.orders import services as order_services
from blackcanyon.orders.models import Ticket
from blackcanyon.organizers.models import Role
from blackcanyon.tickets.payloads import ticket_payload
from tests.e2e.conftest import PHONE
from tests.factories import EventFactory, MembershipFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"
SYNC_TIMEOUT = 30_000
CAMERA_OFF = "localStorage.setItem('bct-scanner:camera', 'off');"

# The device's storage, read the way the app stores it (IndexedDB "bct-scanner").
DEVICE_STORES = """
() => new Promise((resolve, reject) => {
  const open = indexedDB.open("bct-scanner");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const names = [...db.objectStoreNames];
    const tx = db.transaction(names.filter((n) => n === "queue" || n === "refused"), "readonly");
    const out = {version: db.version, stores: names.sort()};
    for (const name of ["queue", "refused"]) {
      if (!names.includes(name)) continue;
      const all = tx.objectStore(name).getAll();
      all.onsuccess = () => { out[name] = all.result; };
    }
    tx.oncomplete = () => { db.close(); resolve(out); };
  };
})
"""

# What a device running the first scanner release holds: the version 1 database, one scan queued.
VERSION_1_WITH_A_QUEUED_SCAN = """
(scan) => new Promise((resolve, reject) => {
  const open = indexedDB.open("bct-scanner", 1);
  open.onupgradeneeded = () => {
    const db = open.result;
    db.createObjectStore("bundles", {keyPath: "listId"});
    db.createObjectStore("queue", {keyPath: "client_scan_id"});
    db.createObjectStore("tickets", {keyPath: ["listId", "ticketId"]});
  };
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const tx = db.transaction("queue", "readwrite");
    tx.objectStore("queue").put(scan);
    tx.oncomplete = () => { db.close(); resolve(true); };
    tx.onerror = () => reject(tx.error);
  };
})
"""


@dataclass
class Door:
    event: Event
    email: str
    tickets: dict[str, Ticket]
    payloads: dict[str, str]

    @property
    def slug(self) -> str:
        return self.event.organizer.slug

    def path(self, checkin_list: CheckInList) -> str:
        return f"/scan/o/{self.slug}/lists/{checkin_list.pk}/"

    def main_list(self) -> CheckInList:
        with tenancy.for_organizer(self.event.organizer_id):
            return checkin_lists_ensure_default(event=self.event)[0]

    def scans_of(self, name: str) -> list[Scan]:
        with tenancy.for_organizer(self.event.organizer_id):
            return list(
                Scan.objects.filter(ticket=self.tickets[name])
                .select_related("checkin_list")
                .order_by("received_at", "id")
            )


def _door(*names: str) -> Door:
    """An event tonight with one box-office ticket per name, and a scanner-role member."""
    starts = clock.now() + timedelta(hours=2)
    event = EventFactory(
        title="Canyon Echoes",
        timezone="America/Denver",
        starts_at=starts,
        ends_at=starts + timedelta(hours=4),
    )
    ticket_type = TicketTypeFactory(event=event, name="Floor", capacity=50)
    staff = MembershipFactory(organizer=event.organizer, role=Role.SCANNER).user
    tickets, payloads = {}, {}
    for name in names:
        order, _ = order_services.order_create_box_office(
            actor=staff, event=event, quantities={ticket_type.pk: 1}, buyer_name=name.title()
        )
        with tenancy.for_organizer(event.organizer_id):
            ticket = Ticket.objects.get(order=order)
            payloads[name] = ticket_payload(ticket, event)
        tickets[name] = ticket
    return Door(event=event, email=staff.email, tickets=tickets, payloads=payloads)


def _phone(browser: Any) -> tuple[Any, Any]:
    """A phone-sized page whose scanner starts with the camera off (codes typed or pasted)."""
    context = browser.new_context(viewport=PHONE)
    context.add_init_script(CAMERA_OFF)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _log_in(page: Any, base: str, email: str, next_path: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _until(page: Any, expression: str, what: str) -> Any:
    """Evaluate ``expression`` (it may be async) every 100 ms until it is truthy.
    (``wait_for_function`` takes a pending promise for a truthy answer.)"""
    deadline = time.monotonic() + SYNC_TIMEOUT / 1000
    while not (value := page.evaluate(expression)):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        page.wait_for_timeout(100)
    return value


def _ready_offline(page: Any) -> None:
    """Wait until this scanner page works offline: its bundle and saved copy are on the device."""
    page.locator('#bundle-state[data-ready="true"]').wait_for()
    _until(
        page,
        "caches.open('bct-scanner-pages').then(c => c.match(location.pathname)).then(Boolean)",
        "the page saved for offline use",
    )


def _scan_offline(page: Any, payload: str) -> None:
    """Paste a ticket's QR text into the code field while offline: admitted on the device."""
    page.get_by_label("Ticket code").fill(payload)
    page.get_by_role("button", name="Check").click()
    result = page.locator('#result[data-status="valid"]')
    result.wait_for(state="visible")
    assert "Checked on this device (offline)" in result.inner_text()
    result.click()
    result.wait_for(state="hidden")


def test_a_scan_for_a_deleted_list_is_set_aside_and_the_good_scans_are_recorded(
    live_server: Any, browser: Any, axe: Any, screenshot: Any
) -> None:
    # Given door staff who opened two lists of tonight's event while online: "All tickets" and
    # "Balcony" (each page saved on the device with its offline data)
    door = _door("amy", "bo", "cy")
    main = door.main_list()
    with tenancy.for_organizer(door.event.organizer_id):
        balcony = checkin_list_create(actor=None, event=door.event, name="Balcony")
    context, page = _phone(browser)
    try:
        _log_in(page, live_server.url, door.email, door.path(main))
        _ready_offline(page)
        page.goto(f"{live_server.url}{door.path(balcony)}")
        _ready_offline(page)

        # When the network goes away: Amy is admitted on the Balcony list, then staff switch to
        # "All tickets" (the saved copy opens offline) and admit Bo and Cy there
        context.set_offline(True)
        page.locator('#net[data-state="offline"]').wait_for()
        _scan_offline(page, door.payloads["amy"])
        page.goto(f"{live_server.url}{door.path(main)}")
        page.locator('#net[data-state="offline"]').wait_for()
        _scan_offline(page, door.payloads["bo"])
        _scan_offline(page, door.payloads["cy"])
        assert page.locator("#sync").inner_text() == "Offline — 3 scans waiting"

        # And meanwhile the organizer deletes the Balcony list (the server never saw a scan on it)
        with tenancy.for_organizer(door.event.organizer_id):
            checkin_list_delete(actor=None, checkin_list=CheckInList.objects.get(pk=balcony.pk))

        # When the network is back and the queue syncs (Amy's scan is the oldest, first in the
        # batch the server refuses as a whole)
        context.set_offline(False)

        # Then the queue empties: nothing is left "waiting to sync"
        page.locator("#sync").wait_for(state="hidden", timeout=SYNC_TIMEOUT)
        refused = page.locator("#refused")
        refused.wait_for(state="visible")

        # And Bo's and Cy's scans are recorded on the server, as the device decided them
        for name in ("bo", "cy"):
            scans = door.scans_of(name)
            assert [(s.status, s.offline, s.client_status) for s in scans] == [
                ("valid", True, "valid")
            ]
            assert scans[0].checkin_list_id == main.pk
        assert door.scans_of("amy") == []

        # And staff see plainly that Amy's scan was refused, with the server's reason and the list
        assert page.locator("#refused-title").inner_text() == (
            "1 scan refused by the server — not recorded"
        )
        assert page.locator("#refused-reasons").inner_text() == "No such check-in list."
        page.get_by_text("Show the scans").click()
        line = page.locator("#refused-list li").inner_text()
        assert re.fullmatch(
            r"\d\d:\d\d · Entry · Balcony · admitted here — No such check-in list\.", line
        ), line
        assert page.locator("#net").inner_text() == "Online"

        # And the device keeps it apart from the queue, with the server's answer
        device = page.evaluate(DEVICE_STORES)
        assert device["version"] == 2
        assert device["queue"] == []
        [aside] = device["refused"]
        assert aside["list_id"] == balcony.pk
        assert aside["payload"] == door.payloads["amy"]
        assert aside["refused"]["status"] == 404
        assert aside["refused"]["code"] == "checkin_list_not_found"
        assert aside["refused"]["message"] == "No such check-in list."

        axe.check(page)
        screenshot(page, "scanner-08-refused")

        # When staff send it again, the server refuses it again: nothing loops, nothing is lost
        page.get_by_role("button", name="Send again").click()
        page.get_by_text("Sent again: 1 scan refused again.").wait_for()
        assert page.locator("#refused-title").inner_text().startswith("1 scan refused")
        assert page.locator("#sync").is_hidden()

        # When staff remove it from the device (and confirm), the note goes away
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Remove from this device").click()
        page.get_by_text("Removed 1 scan from this device.").wait_for()
        assert refused.is_hidden()
        assert page.evaluate(DEVICE_STORES)["refused"] == []
    finally:
        context.close()
    assert door.scans_of("amy") == []
    assert [len(door.scans_of(name)) for name in ("bo", "cy")] == [1, 1]


def test_a_device_with_the_old_database_keeps_its_queued_scan_and_sends_it(
    live_server: Any, browser: Any
) -> None:
    # Given a device that ran the first scanner release: its version 1 database holds a scan
    # admitted offline and not yet sent
    door = _door("dee")
    main = door.main_list()
    context, page = _phone(browser)
    try:
        _log_in(page, live_server.url, door.email, "/scan/offline/")
        queued = {
            "client_scan_id": "0b6f7c1e-2f43-4a57-9d1c-4f1f0a7e3c21",
            "list_id": main.pk,
            "payload": door.payloads["dee"],
            "secret": None,
            "direction": "entry",
            "scanned_at": (clock.now() - timedelta(minutes=5)).isoformat(),
            "gate": "North",
            "offline": True,
            "client_status": "valid",
        }
        page.evaluate(VERSION_1_WITH_A_QUEUED_SCAN, queued)

        # When this release's scanner opens (and upgrades the database)
        page.goto(f"{live_server.url}{door.path(main)}")

        # Then the queued scan was kept and is sent: recorded once, as the device decided it
        page.locator('#bundle-state[data-ready="true"]').wait_for()
        device = _until(
            page,
            f"({DEVICE_STORES})().then(d => d.version === 2 && d.queue.length === 0 && d)",
            "the queue upgraded and sent",
        )
        [scan] = door.scans_of("dee")
        assert (scan.client_scan_id, scan.status, scan.offline, scan.gate) == (
            queued["client_scan_id"],
            "valid",
            True,
            "North",
        )
        assert device["stores"] == ["bundles", "queue", "refused", "tickets"]
        assert device["queue"] == []
        assert device["refused"] == []
        assert page.locator("#refused").is_hidden()
    finally:
        context.close()


# sendQueued against a stand-in server, for the refusals the real one cannot be made to give
# (it takes 500 scans per request; the app sends 100): a batch refused without naming a scan.
SEND_QUEUED = """
async ([url, scenario]) => {
  const { Refusal, Unreachable, sendQueued } = await import(url);
  const scans = ["s0", "s1", "s2", "s3", "s4"].map((id) => ({ client_scan_id: id, list_id: 1 }));
  const requests = [];
  const answered = [];
  const aside = [];
  const api = {
    async postScans(batch) {
      requests.push(batch.map((s) => s.client_scan_id));
      const ids = batch.map((s) => s.client_scan_id);
      const documented = { fromApi: true };
      if (scenario === "proxy_page") throw new Refusal(413, "http_413", undefined, {});
      if (scenario === "log_in_again") {
        throw new Refusal(401, "not_authenticated", "Sign in.", documented);
      }
      if (scenario === "unreachable") throw new Unreachable("HTTP 502");
      if (batch.length > 2) {
        throw new Refusal(422, "batch_too_large", "Send at most 2 scans per request.", documented);
      }
      if (ids.includes("s3")) {
        throw new Refusal(422, "validation_failed", "This scan cannot be recorded.", documented);
      }
      return { results: ids.map((id) => ({ client_scan_id: id })) };
    },
  };
  let thrown = null;
  try {
    await sendQueued(api, scans, {
      size: 100,
      timeout: 1000,
      answered: async (ids) => { answered.push(...ids); },
      setAside: async (rows) => {
        aside.push(...rows.map((r) => [r.client_scan_id, r.refused.code, r.refused.message]));
      },
    });
  } catch (error) {
    thrown = `${error.name} ${error.status || ""}`.trim();
  }
  return { requests, answered, aside, thrown };
}
"""


def test_a_refusal_naming_no_scan_halves_the_batch_and_sets_a_lone_refused_scan_aside(
    live_server: Any, page: Any
) -> None:
    # Given the scanner's modules in Chromium
    page.goto(f"{live_server.url}/scan/offline/")

    def run(scenario: str) -> dict[str, Any]:
        return page.evaluate(SEND_QUEUED, ["/static/scanner/net.js", scenario])

    # When a server takes two scans per request and refuses any batch with s3, naming none
    halving = run("too_large_then_one_bad")

    # Then batches halve until they are taken, the lone s3 is set aside, and the rest land
    assert halving["requests"] == [
        ["s0", "s1", "s2", "s3", "s4"],
        ["s0", "s1", "s2"],
        ["s0", "s1"],
        ["s2", "s3"],
        ["s2"],
        ["s3"],
        ["s4"],
    ]
    assert halving["answered"] == ["s0", "s1", "s2", "s4"]
    assert halving["aside"] == [["s3", "validation_failed", "This scan cannot be recorded."]]
    assert halving["thrown"] is None

    # And an answer that is not the API's (a proxy's error page) never sets a scan aside: the
    # queue stays as it is, and the error surfaces
    proxy = run("proxy_page")
    assert (proxy["answered"], proxy["aside"], proxy["thrown"]) == ([], [], "Refusal 413")
    assert proxy["requests"][-1] == ["s0"]

    # And "log in again" and an unreachable server keep everything queued after one request
    for scenario, thrown in (("log_in_again", "Refusal 401"), ("unreachable", "Unreachable")):
        outcome = run(scenario)
        assert (outcome["requests"], outcome["aside"], outcome["thrown"]) == (
            [["s0", "s1", "s2", "s3", "s4"]],
            [],
            thrown,
        ), scenario
