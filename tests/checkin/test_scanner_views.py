"""The door scanner's pages at /scan/: who may open them, the looser CSP on the scanning screen
only, and the PWA parts (manifest, service worker, offline page)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils.csp import build_policy

from blackcanyon.checkin.models import CheckInList
from blackcanyon.checkin.services.lists import checkin_list_create
from blackcanyon.core import clock, tenancy
from blackcanyon.events.models import Event, EventStatus
from blackcanyon.organizers.models import Organizer, Role
from tests.factories import EventFactory, MembershipFactory, OrganizerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _member(organizer: Organizer, role: str) -> Client:
    return _client_for(MembershipFactory(organizer=organizer, role=role).user)


def _list(event: Event, name: str = "Main door") -> CheckInList:
    with tenancy.for_organizer(event.organizer_id):
        return checkin_list_create(actor=None, event=event, name=name)


def _directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


# --- Access --------------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_log_in() -> None:
    response = Client().get("/scan/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/scan/"


def test_account_without_a_door_role_gets_a_clear_403() -> None:
    # Given someone who is only "staff" (events and orders, no check-in) somewhere
    organizer = OrganizerFactory()
    client = _member(organizer, Role.STAFF)

    # When they open the scanner, or that organizer's scanner pages
    home = client.get("/scan/")
    events = client.get(f"/scan/o/{organizer.slug}/")

    # Then both say plainly that they may not scan, with a 403
    for response in (home, events):
        assert response.status_code == 403
        assert "Not allowed to scan" in response.content.decode()
        assert "Scanner" in response.content.decode()


def test_other_organizers_scanner_pages_are_not_found() -> None:
    # Given a scanner of one organizer and another organizer's event and list
    client = _member(OrganizerFactory(), Role.SCANNER)
    event = EventFactory()
    checkin_list = _list(event)
    slug = event.organizer.slug

    # Then every page of the other organizer answers 404
    for path in (
        f"/scan/o/{slug}/",
        f"/scan/o/{slug}/events/{event.pk}/",
        f"/scan/o/{slug}/lists/{checkin_list.pk}/",
    ):
        assert client.get(path).status_code == 404, path


def test_scanner_with_one_organizer_goes_straight_to_its_events() -> None:
    # Given a door scanner of one organizer with a current, a cancelled and a past event
    organizer = OrganizerFactory(name="Red Rock Live")
    current = EventFactory(organizer=organizer, title="Tonight at the Canyon")
    EventFactory(organizer=organizer, title="Called off", status=EventStatus.CANCELLED)
    EventFactory(
        organizer=organizer,
        title="Last month",
        starts_at=clock.now() - timedelta(days=30),
        ends_at=clock.now() - timedelta(days=30) + timedelta(hours=3),
    )
    client = _member(organizer, Role.SCANNER)

    # When they open /scan/
    response = client.get("/scan/", follow=True)

    # Then they land on the organizer's events that can be scanned now
    assert response.redirect_chain[-1][0] == f"/scan/o/{organizer.slug}/"
    page = response.content.decode()
    assert "Tonight at the Canyon" in page
    assert f"/scan/o/{organizer.slug}/events/{current.pk}/" in page
    assert "Called off" not in page
    assert "Last month" not in page


def test_member_of_several_organizers_chooses_one_first() -> None:
    # Given a user who scans for two organizers and is only staff at a third
    user = UserFactory()
    first = MembershipFactory(user=user, role=Role.SCANNER).organizer
    second = MembershipFactory(user=user, role=Role.ADMIN).organizer
    third = MembershipFactory(user=user, role=Role.STAFF).organizer

    # When they open /scan/
    response = _client_for(user).get("/scan/")

    # Then they choose between the two they may scan for
    page = response.content.decode()
    assert response.status_code == 200
    assert f"/scan/o/{first.slug}/" in page
    assert f"/scan/o/{second.slug}/" in page
    assert f"/scan/o/{third.slug}/" not in page


def test_event_page_lists_check_in_lists_and_creates_the_default_one() -> None:
    # Given an event without any check-in list yet
    event = EventFactory()
    client = _member(event.organizer, Role.SCANNER)

    # When the scanner opens the event
    response = client.get(f"/scan/o/{event.organizer.slug}/events/{event.pk}/")

    # Then "All tickets" is offered, with its counts, linking to the scanning screen
    page = response.content.decode()
    assert response.status_code == 200
    assert "All tickets" in page
    assert "0 of 0 checked in" in page
    with tenancy.for_organizer(event.organizer_id):
        only = CheckInList.objects.get(event=event)
    assert f"/scan/o/{event.organizer.slug}/lists/{only.pk}/" in page


# --- Scanning screen and CSP ---------------------------------------------------------------------


def test_scanning_screen_carries_its_list_and_the_looser_csp_only_there() -> None:
    # Given a scanner and an event with an 18+ age limit and a list
    event = EventFactory(minimum_age=18, title="Desert Night")
    checkin_list = _list(event, "VIP door")
    client = _member(event.organizer, Role.SCANNER)
    slug = event.organizer.slug

    # When they open the scanning screen and, for comparison, the event picker
    scanner = client.get(f"/scan/o/{slug}/lists/{checkin_list.pk}/")
    picker = client.get(f"/scan/o/{slug}/")

    # Then the scanning screen may compile WebAssembly and start the service worker
    assert scanner.status_code == 200
    csp = _directives(scanner["Content-Security-Policy"])
    assert "'wasm-unsafe-eval'" in csp["script-src"]
    assert "'self'" in csp["script-src"]
    assert any(v.startswith("'nonce-") for v in csp["script-src"])
    assert csp["worker-src"] == ["'self'"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert csp["connect-src"] == ["'self'"]
    # And every other page keeps the site's policy exactly
    nonce = re.search(r"'nonce-([^']+)'", picker["Content-Security-Policy"])
    expected = build_policy(settings.SECURE_CSP, nonce.group(1) if nonce else None)
    assert picker["Content-Security-Policy"] == expected
    assert "wasm-unsafe-eval" not in picker["Content-Security-Policy"]
    # And the screen knows its list, event, decoder and API addresses
    page = scanner.content.decode()
    config = json.loads(
        re.search(
            r'<script id="scanner-config" type="application/json">(.*?)</script>', page, re.S
        ).group(1)  # type: ignore[union-attr]
    )
    assert config["listId"] == checkin_list.pk
    assert config["eventId"] == event.pk
    assert config["listName"] == "VIP door"
    assert config["minimumAge"] == 18
    assert config["timezone"] == event.timezone
    assert config["urls"]["bundle"] == f"/api/v1/checkin-lists/{checkin_list.pk}/offline/"
    assert config["urls"]["checkins"] == "/api/v1/checkins/"
    assert config["wasmUrl"].endswith("zxing_reader.wasm")
    assert config["csrfToken"]
    # And the import map is allowed by the nonce
    scanner_nonce = re.search(r"'nonce-([^']+)'", scanner["Content-Security-Policy"])
    assert scanner_nonce is not None
    assert f'<script type="importmap" nonce="{scanner_nonce.group(1)}">' in page
    assert 'name="direction"' in page
    assert 'aria-live="assertive"' in page


# --- PWA: manifest, service worker, offline page -------------------------------------------------


def test_manifest_describes_an_installable_dark_app() -> None:
    response = Client().get("/scan/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["start_url"] == "/scan/"
    assert manifest["scope"] == "/scan/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == manifest["background_color"] == "#0b0b0c"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon["purpose"] == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        served = Client().get(icon["src"])
        assert served.status_code == 200, icon["src"]
        body = b"".join(served.streaming_content)  # type: ignore[attr-defined]
        assert body.startswith(b"\x89PNG")


def test_service_worker_is_served_for_the_scanner_scope_and_precaches_the_shell() -> None:
    response = Client().get("/scan/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert response["Service-Worker-Allowed"] == "/scan/"
    script = response.content.decode()
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", script).group(1))  # type: ignore[union-attr]
    assert "/scan/offline/" in precache
    assert "/scan/manifest.webmanifest" in precache
    assert any(url.endswith("/scanner/app.js") for url in precache)
    assert any(url.endswith("/scanner/verify.js") for url in precache)
    assert any(url.endswith("/zxing_reader.wasm") for url in precache)
    # Every precached file exists (one missing file would make the install fail)
    for url in precache:
        assert Client().get(url).status_code == 200, url


def test_decoder_wasm_is_served_as_webassembly() -> None:
    response = Client().get("/static/scanner/vendor/zxing-wasm/zxing_reader.wasm")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/wasm"


def test_offline_page_and_session_endpoint() -> None:
    offline = Client().get("/scan/offline/")
    assert offline.status_code == 200
    assert "You are offline" in offline.content.decode()
    assert offline["Cache-Control"] == "no-cache"

    anonymous = Client().get("/scan/session/").json()
    assert anonymous["authenticated"] is False

    user = MembershipFactory(role=Role.SCANNER).user
    signed_in = _client_for(user).get("/scan/session/")
    assert signed_in.json()["authenticated"] is True
    assert signed_in.json()["csrfToken"]
    assert "no-store" in signed_in["Cache-Control"]
