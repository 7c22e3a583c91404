"""The check-in API over HTTP: the three ways in, what each endpoint answers, and refusals that
are always JSON (never a 500, never another organizer's data)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client, override_settings

from blackcanyon.api import services as api_services
from blackcanyon.checkin import services
from blackcanyon.core import clock, tenancy
from blackcanyon.orders import services as order_services
from blackcanyon.organizers.models import Role
from tests.checkin.helpers import make_door, member_client, post_scans, scan, statuses

pytestmark = pytest.mark.django_db


def error_code(response) -> str:
    return response.json()["error"]["code"]


# --- authentication ------------------------------------------------------------------------------


def test_without_credentials_every_endpoint_answers_401_not_authenticated():
    door = make_door()
    client = Client()

    responses = [
        client.get(f"/api/v1/events/{door.event.pk}/checkin-lists/"),
        client.get(f"/api/v1/checkin-lists/{door.checkin_list.pk}/offline/"),
        post_scans(client, [scan(door, payload=door.qr(0))]),
        client.post("/api/v1/checkins/abc/undo/"),
        client.get(f"/api/v1/events/{door.event.pk}/revocations/"),
        client.get(f"/api/v1/events/{door.event.pk}/checkin-stats/"),
    ]

    assert {r.status_code for r in responses} == {401}
    assert {error_code(r) for r in responses} == {"not_authenticated"}


def test_a_device_token_scans_its_event_and_is_noted_as_seen():
    door = make_door()

    response = post_scans(Client(), [scan(door, payload=door.qr(0))], **door.device_auth)

    assert statuses(response) == ["valid"]
    with tenancy.for_organizer(door.organizer.pk):
        door.device.refresh_from_db()
    assert door.device.last_seen_at is not None


def test_unknown_and_revoked_device_tokens_are_refused():
    door = make_door()
    with tenancy.for_organizer(door.organizer.pk):
        services.scanner_device_revoke(actor=door.owner.user, device=door.device)
    client = Client()

    revoked = post_scans(client, [scan(door, payload=door.qr(0))], **door.device_auth)
    unknown = post_scans(
        client,
        [scan(door, payload=door.qr(0))],
        HTTP_AUTHORIZATION="Bearer bctd_nope1234_" + "x" * 43,
    )

    assert (revoked.status_code, error_code(revoked)) == (401, "device_revoked")
    assert (unknown.status_code, error_code(unknown)) == (401, "token_invalid")


def test_a_device_only_reaches_its_own_event_and_list():
    # Given a device bound to a VIP list, and another organizer's event
    door, other = make_door("Here"), make_door("There")
    with tenancy.for_organizer(door.organizer.pk):
        vip = services.checkin_list_create(actor=None, event=door.event, name="VIP")
        _, token = services.scanner_device_create(
            actor=None, event=door.event, name="VIP door", checkin_list=vip
        )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client = Client()

    # Then the other event, and the other list of its own event, do not exist for it
    assert client.get(f"/api/v1/events/{other.event.pk}/checkin-stats/", **auth).status_code == 404
    lists = client.get(f"/api/v1/events/{door.event.pk}/checkin-lists/", **auth).json()["items"]
    assert [row["name"] for row in lists] == ["VIP"]
    response = post_scans(client, [scan(door, payload=door.qr(0))], **auth)
    assert response.status_code == 404
    assert response.json()["error"]["fields"] == {"scans.0.list_id": ["No such check-in list."]}
    offline = client.get(f"/api/v1/checkin-lists/{door.checkin_list.pk}/offline/", **auth)
    assert offline.status_code == 404


def test_an_organizer_api_token_can_scan_and_other_organizers_events_are_404():
    door, other = make_door("Here"), make_door("There")
    _, token = api_services.api_token_create(
        actor=door.owner.user, organizer=door.organizer, name="Door app"
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client = Client()

    assert statuses(post_scans(client, [scan(door, payload=door.qr(0))], **auth)) == ["valid"]
    assert client.get(f"/api/v1/events/{other.event.pk}/checkin-lists/", **auth).status_code == 404
    foreign = post_scans(client, [scan(other, payload=other.qr(0))], **auth)
    assert foreign.status_code == 404


def test_a_signed_in_scanner_uses_the_session_with_csrf():
    # Given door staff signed in with the scanner role
    door = make_door()
    client, user = member_client(door.organizer, Role.SCANNER)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)

    # When they scan without, then with the CSRF token
    refused = post_scans(strict, [scan(door, payload=door.qr(0))])
    strict.get("/o/")  # any page with a form sets the CSRF cookie
    token = strict.cookies["csrftoken"].value
    allowed = post_scans(strict, [scan(door, payload=door.qr(0))], HTTP_X_CSRFTOKEN=token)

    # Then only the request with the token is served, and the scan names them
    assert (refused.status_code, error_code(refused)) == (403, "csrf_failed")
    assert statuses(allowed) == ["valid"]
    stats = client.get(f"/api/v1/events/{door.event.pk}/checkin-stats/")
    assert stats.json()["checked_in"] == 1
    from blackcanyon.checkin.models import Scan

    with tenancy.for_organizer(door.organizer.pk):
        assert Scan.objects.get().user_id == user.pk


def test_session_roles_staff_may_watch_but_not_scan_and_strangers_get_404():
    door = make_door()
    staff, _ = member_client(door.organizer, Role.STAFF)
    stranger, _ = member_client(make_door("Else").organizer, Role.OWNER)

    scanning = post_scans(staff, [scan(door, payload=door.qr(0))])
    watching = staff.get(f"/api/v1/events/{door.event.pk}/checkin-stats/")
    outside = stranger.get(f"/api/v1/events/{door.event.pk}/checkin-stats/")
    outside_scan = post_scans(stranger, [scan(door, payload=door.qr(0))])

    assert (scanning.status_code, error_code(scanning)) == (403, "permission_denied")
    assert watching.status_code == 200
    assert outside.status_code == 404
    assert outside_scan.status_code == 404


# --- endpoints -----------------------------------------------------------------------------------


def test_lists_endpoint_creates_the_default_list_once_and_counts():
    door = make_door()
    client = Client()
    post_scans(client, [scan(door, payload=door.qr(0))], **door.device_auth)

    first = client.get(f"/api/v1/events/{door.event.pk}/checkin-lists/", **door.device_auth)
    second = client.get(f"/api/v1/events/{door.event.pk}/checkin-lists/", **door.device_auth)

    assert first.json() == second.json()
    assert first.json() == {
        "items": [
            {
                "id": door.checkin_list.pk,
                "name": "All tickets",
                "ticket_type_ids": [],
                "allow_reentry": False,
                "show_attendee_names": False,
                "checked_in": 1,
                "inside": 1,
                "total": 4,
            }
        ]
    }


def test_offline_bundle_has_key_revocations_state_and_names_only_when_shown():
    # Given one ticket inside and a cancelled order's tickets on the revocation list
    door = make_door()
    client = Client()
    post_scans(client, [scan(door, payload=door.qr(0), gate="North")], **door.device_auth)
    extra, _ = order_services.order_create_box_office(
        actor=None, event=door.event, quantities={door.vip.pk: 1}, buyer_name="Bo Refund"
    )
    order_services.order_cancel(actor=None, order=extra)
    url = f"/api/v1/checkin-lists/{door.checkin_list.pk}/offline/"

    # When a device downloads the list's offline data, before and after names are turned on
    hidden = client.get(url, **door.device_auth).json()
    with tenancy.for_organizer(door.organizer.pk):
        services.checkin_list_update(
            actor=None,
            checkin_list=door.checkin_list,
            name="All tickets",
            all_ticket_types=True,
            allow_reentry=False,
            show_attendee_names=True,
        )
    shown = client.get(url, **door.device_auth).json()

    # Then it has what offline verification needs
    from blackcanyon.tickets import keys

    with tenancy.for_organizer(door.organizer.pk):
        assert hidden["public_key"] == keys.event_key(door.event).public_key
        revoked = [t.secret for t in extra.tickets.all()]
    assert hidden["format"] == 1
    assert hidden["list"]["id"] == door.checkin_list.pk
    assert hidden["event"]["minimum_age"] == 18
    assert hidden["event"]["timezone"] == "America/Denver"
    assert {t["name"] for t in hidden["ticket_types"]} == {"General", "VIP"}
    assert hidden["revoked"] == revoked
    assert list(hidden["inside"]) == [str(door.tickets[0].pk)]
    assert hidden["inside"][str(door.tickets[0].pk)]["gate"] == "North"
    assert hidden["attendees"] == {}
    assert shown["attendees"][str(door.tickets[1].pk)] == "Ana Canyon"
    assert str(extra.tickets.first().pk) not in shown["attendees"]


def test_batch_answers_in_request_order_with_the_contract_fields():
    door = make_door()
    body = [
        scan(door, payload=door.qr(0)),
        scan(door, secret="nope"),
        scan(door, payload=door.qr(0), gate="B"),
    ]

    response = post_scans(Client(), body, **door.device_auth)

    results = response.json()["results"]
    assert [r["client_scan_id"] for r in results] == [s["client_scan_id"] for s in body]
    assert [r["status"] for r in results] == ["valid", "invalid", "already_checked_in"]
    assert set(results[0]) == {
        "client_scan_id",
        "status",
        "message",
        "duplicate",
        "conflict",
        "ticket",
        "previous",
    }
    assert set(results[0]["ticket"]) == {
        "id",
        "ticket_type",
        "attendee_name",
        "minimum_age",
        "order_code",
    }
    assert results[1]["ticket"] is None
    assert results[2]["previous"]["gate"] == "Gate 2"


def test_sending_a_batch_again_returns_the_stored_answers():
    door = make_door()
    body = [scan(door, payload=door.qr(0)), scan(door, payload=door.qr(1))]
    client = Client()

    first = post_scans(client, body, **door.device_auth).json()["results"]
    again = post_scans(client, body, **door.device_auth).json()["results"]

    assert [r["status"] for r in again] == ["valid", "valid"]
    assert [r["duplicate"] for r in first] == [False, False]
    assert [r["duplicate"] for r in again] == [True, True]


def test_bad_batches_are_422_with_field_errors_never_500():
    door = make_door()
    client = Client()
    too_many = [scan(door, secret="X") for _ in range(501)]

    big = post_scans(client, too_many, **door.device_auth)
    empty = post_scans(client, [], **door.device_auth)
    nothing = post_scans(client, [scan(door)], **door.device_auth)
    wrong = post_scans(
        client, [scan(door, payload=door.qr(0), direction="sideways")], **door.device_auth
    )
    not_json = client.post(
        "/api/v1/checkins/", "{", content_type="application/json", **door.device_auth
    )
    bad_id = post_scans(
        client, [scan(door, payload=door.qr(0), client_scan_id="has spaces")], **door.device_auth
    )

    assert (big.status_code, error_code(big)) == (422, "batch_too_large")
    for response in (empty, nothing, wrong, not_json, bad_id):
        assert (response.status_code, error_code(response)) == (422, "validation_failed")
    assert "scans.0.direction" in wrong.json()["error"]["fields"]


def test_undo_endpoint_undoes_and_unknown_ids_are_404():
    door = make_door()
    client = Client()
    body = scan(door, payload=door.qr(0))
    post_scans(client, [body], **door.device_auth)

    undone = client.post(f"/api/v1/checkins/{body['client_scan_id']}/undo/", **door.device_auth)
    missing = client.post("/api/v1/checkins/no-such-scan/undo/", **door.device_auth)

    assert undone.json() == {"client_scan_id": body["client_scan_id"], "undone": True}
    assert (missing.status_code, error_code(missing)) == (404, "scan_not_found")
    assert statuses(post_scans(client, [scan(door, payload=door.qr(0))], **door.device_auth)) == [
        "valid"
    ]


def test_revocations_since_returns_only_newer_ones():
    door = make_door()
    before = clock.now()
    with clock.frozen(before + timedelta(minutes=1)):
        order_services.order_cancel(actor=None, order=door.order)
    client = Client()
    url = f"/api/v1/events/{door.event.pk}/revocations/"

    everything = client.get(url, **door.device_auth).json()
    newer = client.get(
        url, {"since": (before + timedelta(minutes=2)).isoformat()}, **door.device_auth
    ).json()

    assert everything["event_id"] == door.event.pk
    assert len(everything["revoked"]) == 4
    assert set(everything["revoked"][0]) == {"secret", "ticket_id", "reason", "revoked_at"}
    assert everything["revoked"][0]["reason"] == "cancelled"
    assert newer["revoked"] == []


def test_stats_count_checked_in_inside_and_recent_scans():
    door = make_door()
    client = Client()
    post_scans(
        client,
        [
            scan(door, payload=door.qr(0)),
            scan(door, payload=door.qr(1)),
            scan(door, payload=door.qr(1), direction="exit", gate="Exit A"),
        ],
        **door.device_auth,
    )

    stats = client.get(f"/api/v1/events/{door.event.pk}/checkin-stats/", **door.device_auth).json()

    assert (stats["total_tickets"], stats["checked_in"], stats["inside"]) == (4, 2, 1)
    assert stats["lists"] == [
        {
            "id": door.checkin_list.pk,
            "name": "All tickets",
            "total": 4,
            "checked_in": 2,
            "inside": 1,
        }
    ]
    assert len(stats["recent"]) == 3
    assert stats["recent"][0] == {
        "at": stats["recent"][0]["at"],
        "gate": "Exit A",
        "status": "valid",
        "ticket_type": "General",
    }


@override_settings(BCT_CHECKIN_RATE_LIMIT=3)
def test_a_device_is_rate_limited_with_retry_after():
    door = make_door()
    client = Client()
    url = f"/api/v1/events/{door.event.pk}/checkin-stats/"

    codes = [client.get(url, **door.device_auth).status_code for _ in range(4)]
    limited = client.get(url, **door.device_auth)

    assert codes == [200, 200, 200, 429]
    assert error_code(limited) == "rate_limited"
    assert int(limited["Retry-After"]) >= 1


def test_openapi_documents_the_checkin_endpoints():
    schema = json.loads(Client().get("/api/v1/openapi.json").content)
    paths = set(schema["paths"])
    assert {
        "/api/v1/checkins/",
        "/api/v1/checkins/{client_scan_id}/undo/",
        "/api/v1/events/{event_id}/checkin-lists/",
        "/api/v1/checkin-lists/{list_id}/offline/",
        "/api/v1/events/{event_id}/revocations/",
        "/api/v1/events/{event_id}/checkin-stats/",
    } <= paths
