"""The organizer's check-in pages: lists, devices, scan log with conflicts and undo, and the live
counts panel on the event page — with the permissions of each role."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from blackcanyon.checkin.models import CheckInList, Scan, ScannerDevice
from blackcanyon.core import clock, tenancy
from blackcanyon.organizers.models import Role
from tests.checkin.helpers import Door, make_door, member_client, post_scans, scan

pytestmark = pytest.mark.django_db


def base(door: Door) -> str:
    return f"/o/{door.organizer.slug}/events/{door.event.pk}/checkin/"


def owner_client(door: Door) -> Client:
    client = Client()
    client.force_login(door.owner.user)
    return client


def test_check_in_page_shows_counts_per_list_and_latest_scans():
    door = make_door()
    post_scans(Client(), [scan(door, payload=door.qr(0), gate="North")], **door.device_auth)

    page = owner_client(door).get(base(door))

    html = page.content.decode()
    assert page.status_code == 200
    assert "All tickets" in html
    assert re.search(r'data-stat="checked_in">1<', html)
    assert re.search(r'data-stat="total_tickets">4<', html)
    assert "North" in html
    assert "Door 1" in html  # the device list
    assert "js/checkin-live" in html


def test_create_edit_and_delete_a_list_through_the_pages():
    door = make_door()
    client = owner_client(door)

    refused = client.post(base(door) + "lists/new/", {"name": "VIP", "which": "some"})
    created = client.post(
        base(door) + "lists/new/",
        {"name": "VIP", "which": "some", "ticket_types": [door.vip.pk], "allow_reentry": "on"},
    )
    with tenancy.for_organizer(door.organizer.pk):
        vip = CheckInList.objects.get(name="VIP")
    edit_form = client.get(base(door) + f"lists/{vip.pk}/edit/")
    edited = client.post(
        base(door) + f"lists/{vip.pk}/edit/",
        {"name": "VIP lounge", "which": "all", "show_attendee_names": "on"},
    )
    confirm = client.get(base(door) + f"lists/{vip.pk}/delete/")
    deleted = client.post(base(door) + f"lists/{vip.pk}/delete/")

    assert refused.status_code == 422
    assert "Tick at least one ticket type" in refused.content.decode()
    assert created.status_code == 302
    assert vip.allow_reentry
    assert 'value="VIP"' in edit_form.content.decode()
    assert edited.status_code == 302
    assert "Delete “VIP lounge”?" in confirm.content.decode()
    assert deleted.status_code == 302
    with tenancy.for_organizer(door.organizer.pk):
        assert not CheckInList.objects.filter(pk=vip.pk).exists()


def test_duplicate_list_name_is_shown_on_the_form():
    door = make_door()

    response = owner_client(door).post(
        base(door) + "lists/new/", {"name": "All tickets", "which": "all"}
    )

    assert response.status_code == 422
    assert "already has a check-in list with that name" in response.content.decode()


def test_a_scanned_list_is_not_deleted_and_the_page_says_why():
    door = make_door()
    post_scans(Client(), [scan(door, payload=door.qr(0))], **door.device_auth)

    response = owner_client(door).post(
        base(door) + f"lists/{door.checkin_list.pk}/delete/", follow=True
    )

    assert "has scans and is kept as a record" in response.content.decode()


def test_device_token_is_shown_once_with_a_qr_code_then_revoked():
    door = make_door()
    client = owner_client(door)

    created = client.post(
        base(door) + "devices/new/", {"name": "Gate B", "checkin_list": door.checkin_list.pk}
    )
    html = created.content.decode()
    token = re.search(r'value="(bctd_[^"]+)"', html).group(1)
    with tenancy.for_organizer(door.organizer.pk):
        device = ScannerDevice.objects.get(name="Gate B")
    listed = client.get(base(door)).content.decode()
    revoked = client.post(base(door) + f"devices/{device.pk}/revoke/")
    refused = post_scans(
        Client(), [scan(door, payload=door.qr(0))], HTTP_AUTHORIZATION=f"Bearer {token}"
    )

    assert "<svg" in html
    assert "only time the token is shown" in html
    assert "no-store" in created["Cache-Control"]
    assert token not in listed
    assert f"bctd_{device.prefix}_" in listed
    assert revoked.status_code == 302
    assert refused.status_code == 401


def test_device_form_errors_stay_on_the_page():
    door = make_door()

    response = owner_client(door).post(base(door) + "devices/new/", {"name": ""})

    assert response.status_code == 422
    assert "Give the device a name." in response.content.decode()


def test_scan_log_highlights_conflicts_filters_and_undoes():
    # Given an admission, then an offline admission of the same ticket (a conflict)
    door = make_door()
    client = Client()
    first = scan(door, payload=door.qr(0))
    post_scans(client, [first], **door.device_auth)
    earlier = (clock.now() - timedelta(minutes=1)).isoformat()
    conflict = scan(
        door, payload=door.qr(0), offline=True, client_status="valid", scanned_at=earlier
    )
    post_scans(client, [conflict], **door.device_auth)
    owner = owner_client(door)

    # When the owner opens the log, filters conflicts, and undoes the first admission
    log = owner.get(base(door) + "scans/").content.decode()
    only_conflicts = owner.get(base(door) + "scans/", {"conflicts": "on"}).content.decode()
    with tenancy.for_organizer(door.organizer.pk):
        admitted = Scan.objects.get(client_scan_id=first["client_scan_id"])
    undo = owner.post(
        base(door) + f"scans/{admitted.pk}/undo/", {"return_query": "conflicts=on&x=%0d"}
    )

    # Then the conflict is marked, the filter shows only it, and the undo took effect
    assert log.count("scan-conflict") == 1
    assert "Conflict: admitted offline" in log
    assert only_conflicts.count("<tr class=") == 1
    assert undo.status_code == 302
    assert undo["Location"].endswith("scans/?conflicts=on&x=%0D")
    with tenancy.for_organizer(door.organizer.pk):
        admitted.refresh_from_db()
    assert admitted.undone_at is not None
    assert admitted.undone_by_id == door.owner.user_id


def test_roles_on_the_check_in_pages():
    door = make_door()
    staff, _ = member_client(door.organizer, Role.STAFF)
    scanner, _ = member_client(door.organizer, Role.SCANNER)
    stranger, _ = member_client(make_door("Other").organizer, Role.OWNER)
    post_scans(Client(), [scan(door, payload=door.qr(0))], **door.device_auth)
    with tenancy.for_organizer(door.organizer.pk):
        scan_id = Scan.objects.get().pk

    # Staff manage lists but cannot undo scans; scanners watch and undo but cannot manage
    assert staff.get(base(door)).status_code == 200
    assert staff.get(base(door) + "lists/new/").status_code == 200
    assert staff.post(base(door) + f"scans/{scan_id}/undo/").status_code == 403
    assert scanner.get(base(door)).status_code == 200
    assert "Create device token" not in scanner.get(base(door)).content.decode()
    assert scanner.get(base(door) + "lists/new/").status_code == 403
    assert scanner.post(base(door) + "devices/new/", {"name": "x"}).status_code == 403
    assert "Undo" in scanner.get(base(door) + "scans/").content.decode()
    # Other organizers' members see nothing at all
    assert stranger.get(base(door)).status_code == 404
    assert stranger.get(base(door) + "scans/").status_code == 404
    # Anonymous visitors are sent to log in
    assert Client().get(base(door)).status_code == 302


def test_event_page_has_a_live_counts_panel_and_a_check_in_link():
    door = make_door()
    post_scans(Client(), [scan(door, payload=door.qr(0))], **door.device_auth)

    html = (
        owner_client(door).get(f"/o/{door.organizer.slug}/events/{door.event.pk}/").content.decode()
    )

    assert 'id="checkin-live-heading"' in html
    assert f'data-stats-url="/api/v1/events/{door.event.pk}/checkin-stats/"' in html
    assert re.search(r'data-stat="checked_in">1<', html)
    assert f"/events/{door.event.pk}/checkin/" in html


def test_another_organizers_list_or_device_id_is_404():
    door, other = make_door("Here"), make_door("There")
    client = owner_client(door)

    assert client.get(base(door) + f"lists/{other.checkin_list.pk}/edit/").status_code == 404
    assert client.get(base(door) + f"devices/{other.device.pk}/revoke/").status_code == 404
