"""Row-level security on the check-in tables, checked with raw SQL as the app role: another
organizer's lists, scans and devices are invisible and cannot be written, and a device token's
row is visible by its hash alone before any organizer is known."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction
from django.test import Client

from blackcanyon.checkin.selectors import device_token_hash
from blackcanyon.core import tenancy
from tests.checkin.helpers import make_door, post_scans, scan
from tests.tenancy.helpers import raw_organizer_context, rows, scalar, set_setting

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

TABLES = (
    "checkin_checkinlist",
    "checkin_checkinlisttickettype",
    "checkin_scan",
    "checkin_scannerdevice",
)


def test_every_checkin_table_forces_row_level_security():
    for table in TABLES:
        forced = scalar(
            "SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE relname = %s",
            [table],
        )
        assert forced, table


def test_one_organizer_never_sees_or_writes_anothers_check_in_rows():
    # Given two organizers, each with a scanned ticket
    here, there = make_door("Here"), make_door("There")
    for door in (here, there):
        post_scans(Client(), [scan(door, payload=door.qr(0))], **door.device_auth)

    # When "here" looks at every check-in table without any WHERE clause
    with raw_organizer_context(here.organizer.pk):
        seen = {
            table: {row[0] for row in rows(f"SELECT DISTINCT organizer_id FROM {table}")}  # noqa: S608
            for table in ("checkin_checkinlist", "checkin_scan", "checkin_scannerdevice")
        }
        # And tries to move its scan to the other organizer, and to write one in its name
        moved = rows(
            "UPDATE checkin_scan SET gate = 'x' WHERE organizer_id = %s RETURNING id",
            [there.organizer.pk],
        )
        with pytest.raises(DatabaseError), transaction.atomic():
            rows("UPDATE checkin_scan SET organizer_id = %s RETURNING id", [there.organizer.pk])

    # Then only its own rows exist for it
    assert seen == {
        "checkin_checkinlist": {here.organizer.pk},
        "checkin_scan": {here.organizer.pk},
        "checkin_scannerdevice": {here.organizer.pk},
    }
    assert moved == []


def test_a_device_row_is_visible_by_its_token_hash_only():
    door = make_door()
    digest = device_token_hash(door.device_token)

    with tenancy.scoped():
        nothing = scalar("SELECT count(*) FROM checkin_scannerdevice")
        set_setting("app.api_token", digest)
        try:
            found = rows("SELECT id FROM checkin_scannerdevice")
            lists = scalar("SELECT count(*) FROM checkin_checkinlist")
        finally:
            set_setting("app.api_token", "")

    assert nothing == 0
    assert found == [(door.device.pk,)]
    assert lists == 0
