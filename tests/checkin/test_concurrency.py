"""Many doors scanning the same ticket at the same moment, as real parallel requests against
PostgreSQL (each thread its own connection, released together by a barrier).

The control turns the ticket lock off (``BCT_CHECKIN_TICKET_LOCK=False``): requests then decide
on the same stale state at once, several conclude "valid", and only the database's partial
unique constraint (one current scan per list and ticket) stops all but one — visible as batches
decided again. With the lock, they are served one after the other and never race at all.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import pytest
from django.test import Client, override_settings

from blackcanyon.checkin import services
from blackcanyon.checkin.models import Scan, ScanStatus
from blackcanyon.core import tenancy
from tests.checkin.helpers import Door, make_door, post_scans, scan
from tests.concurrency.conftest import in_parallel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DOORS = 24
RETRY_LOG = "decided again after a parallel write"


def _devices(door: Door, count: int) -> list[str]:
    with tenancy.for_organizer(door.organizer.pk):
        return [
            services.scanner_device_create(actor=None, event=door.event, name=f"Door {i}")[1]
            for i in range(count)
        ]


def _same_ticket_everywhere(door: Door, tokens: list[str], client_scan_id=None) -> Any:
    def request(client: Client, index: int) -> list[dict[str, Any]]:
        fields = {"client_scan_id": client_scan_id} if client_scan_id else {}
        body = scan(door, payload=door.qr(0), gate=f"Door {index}", **fields)
        response = post_scans(
            client, [body], HTTP_AUTHORIZATION=f"Bearer {tokens[index % len(tokens)]}"
        )
        assert response.status_code == 200, response.content
        return response.json()["results"]

    return request


def _valid_rows(door: Door) -> int:
    with tenancy.for_organizer(door.organizer.pk):
        return Scan.objects.filter(event=door.event, status=ScanStatus.VALID).count()


def _retries(caplog: pytest.LogCaptureFixture) -> int:
    return sum(RETRY_LOG in record.getMessage() for record in caplog.records)


def test_control_without_the_ticket_lock_parallel_scans_race(caplog):
    # Given one ticket and 24 doors, with the ticket lock turned off
    door = make_door()
    tokens = _devices(door, DOORS)
    caplog.set_level(logging.INFO, logger="blackcanyon.checkin")

    # When every door scans it at the same moment
    with override_settings(BCT_CHECKIN_TICKET_LOCK=False):
        results = in_parallel(DOORS, _same_ticket_everywhere(door, tokens))

    # Then several requests decided "valid" on the same state: the database constraint
    # refused all but one, and those batches had to be decided again
    assert _retries(caplog) > 0
    assert Counter(r[0]["status"] for r in results)["valid"] == 1
    assert _valid_rows(door) == 1


def test_one_ticket_scanned_at_24_doors_at_once_is_admitted_exactly_once(caplog):
    # Given one ticket and 24 doors
    door = make_door()
    tokens = _devices(door, DOORS)
    caplog.set_level(logging.INFO, logger="blackcanyon.checkin")

    # When every door scans it at the same moment
    results = in_parallel(DOORS, _same_ticket_everywhere(door, tokens))

    # Then one door shows green and every other door amber, with no race to repair
    assert Counter(r[0]["status"] for r in results) == {
        "valid": 1,
        "already_checked_in": DOORS - 1,
    }
    assert _retries(caplog) == 0
    assert _valid_rows(door) == 1
    with tenancy.for_organizer(door.organizer.pk):
        assert Scan.objects.filter(event=door.event).count() == DOORS


def test_one_scan_uploaded_16_times_at_once_is_stored_once():
    # Given a device whose network retries the same upload 16 times in parallel
    door = make_door()
    tokens = [door.device_token]

    # When all 16 arrive together
    results = in_parallel(16, _same_ticket_everywhere(door, tokens, client_scan_id="retry-me"))

    # Then every answer is the same green one, one of them new and the rest duplicates
    assert {r[0]["status"] for r in results} == {"valid"}
    assert Counter(r[0]["duplicate"] for r in results) == {False: 1, True: 15}
    with tenancy.for_organizer(door.organizer.pk):
        assert Scan.objects.filter(event=door.event).count() == 1
