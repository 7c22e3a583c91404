"""scans_record: what each scan answers, what is stored, and how few queries a batch costs."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blackcanyon.checkin import services
from blackcanyon.checkin.models import Scan
from blackcanyon.checkin.verdict import ScanInput, ScanResult
from blackcanyon.core import clock, tenancy
from blackcanyon.orders import services as order_services
from blackcanyon.orders.models import Ticket
from blackcanyon.tickets import payloads, signing
from tests.checkin.helpers import Door, make_door

pytestmark = pytest.mark.django_db


def record(door: Door, *items: dict[str, Any], **kwargs: Any) -> list[ScanResult]:
    scans = [
        ScanInput(
            client_scan_id=item.pop("client_scan_id", str(uuid.uuid4())),
            list_id=item.pop("list_id", door.checkin_list.pk),
            direction=item.pop("direction", "entry"),
            scanned_at=item.pop("scanned_at", clock.now()),
            gate=item.pop("gate", "Gate 2"),
            **item,
        )
        for item in items
    ]
    with tenancy.for_organizer(door.organizer.pk):
        return services.scans_record(
            actor=kwargs.get("actor"), organizer=door.organizer, scans=scans, device=door.device
        )


def only(results: list[ScanResult]) -> ScanResult:
    (result,) = results
    return result


def test_a_signed_ticket_is_admitted_once_then_amber_with_when_and_where():
    # Given a paid ticket
    door = make_door()

    # When it is scanned at gate 2, then again at the side door
    first = only(record(door, {"payload": door.qr(0), "gate": "Gate 2"}))
    again = only(record(door, {"payload": door.qr(0), "gate": "Side door"}))

    # Then the first is green with the ticket's facts, the second amber saying when and where
    assert first.status == "valid"
    assert first.message == "Admitted."
    assert first.ticket is not None
    assert first.ticket.ticket_type == "General"
    assert first.ticket.order_code == door.order.code
    assert first.ticket.minimum_age == 18
    assert first.ticket.attendee_name is None  # names are hidden unless the list shows them
    assert again.status == "already_checked_in"
    assert again.previous is not None
    assert again.previous.gate == "Gate 2"
    assert again.message.startswith("Already checked in at ")
    assert "Gate 2" in again.message


def test_attendee_name_is_shown_only_when_the_list_says_so():
    door = make_door()
    with tenancy.for_organizer(door.organizer.pk):
        door.checkin_list.show_attendee_names = True
        door.checkin_list.save(update_fields=["show_attendee_names"])

    result = only(record(door, {"payload": door.qr(0)}))

    assert result.ticket is not None
    assert result.ticket.attendee_name == "Ana Canyon"


def test_manual_code_is_found_in_any_case_with_spaces_and_dashes():
    door = make_door()
    secret = door.tickets[1].secret
    typed = f"{secret[:4].lower()} {secret[4:8]}-{secret[8:]}"

    result = only(record(door, {"secret": typed}))

    assert result.status == "valid"
    assert result.ticket is not None
    assert result.ticket.id == door.tickets[1].pk


def test_unknown_code_tampered_payload_and_garbage_are_invalid():
    door = make_door()
    good = door.qr(0)
    tampered = good[:-6] + ("A" if good[-6] != "A" else "B") + good[-5:]

    results = record(
        door,
        {"secret": "AAAAAAAAAAAAA"},
        {"payload": tampered},
        {"payload": "https://example.com/not-a-ticket"},
    )

    assert [r.status for r in results] == ["invalid", "invalid", "invalid"]
    assert all(r.ticket is None for r in results)


def test_a_ticket_of_another_event_is_wrong_event():
    door, other = make_door("Here"), make_door("There")

    result = only(record(door, {"payload": other.qr(0)}))

    assert result.status == "wrong_event"
    assert result.message == "This ticket is for another event."


def test_cancelled_order_makes_its_tickets_red_by_payload_and_by_code():
    # Given an order cancelled after its tickets were sent
    door = make_door()
    order_services.order_cancel(actor=door.owner.user, order=door.order, reason="Double booking")

    # When door staff scan one ticket and type another's code
    results = record(door, {"payload": door.qr(0)}, {"secret": door.tickets[1].secret})

    # Then both are refused as revoked
    assert [r.status for r in results] == ["revoked", "revoked"]


def test_a_cancelled_ticket_not_yet_on_the_revocation_list_is_still_revoked():
    door = make_door()
    with tenancy.for_organizer(door.organizer.pk):
        Ticket.objects.filter(pk=door.tickets[0].pk).update(status="cancelled")

    assert only(record(door, {"payload": door.qr(0)})).status == "revoked"


def test_a_reissued_ticket_old_qr_is_revoked():
    # Given a ticket whose secret changed after its QR code was made
    door = make_door()
    with tenancy.for_organizer(door.organizer.pk):
        Ticket.objects.filter(pk=door.tickets[0].pk).update(secret="ABCDEFGHIJKLM")

    assert only(record(door, {"payload": door.qr(0)})).status == "revoked"


def test_validity_window_is_checked_at_the_scan_time():
    door = make_door(starts_in=timedelta(days=3))

    result = only(record(door, {"payload": door.qr(0)}))

    assert result.status == "not_yet_valid"
    assert result.ticket is not None  # the signature was good: the ticket is known
    with clock.frozen(door.event.ends_at + timedelta(hours=13)):
        late = only(record(door, {"payload": door.qr(1)}))
        manual = only(record(door, {"secret": door.tickets[2].secret}))
    assert late.status == "expired"
    assert manual.status == "expired"


def test_a_type_not_on_the_list_is_refused():
    door = make_door()
    with tenancy.for_organizer(door.organizer.pk):
        vip_only = services.checkin_list_create(
            actor=None,
            event=door.event,
            name="VIP lounge",
            all_ticket_types=False,
            ticket_type_ids=[door.vip.pk],
        )

    results = record(
        door,
        {"payload": door.qr(0), "list_id": vip_only.pk},
        {"payload": door.qr(3), "list_id": vip_only.pk},
    )

    assert [r.status for r in results] == ["not_on_list", "valid"]


def test_exit_needs_entry_and_reentry_follows_the_list():
    # Given the default list (no re-entry) and a re-entry list
    door = make_door()
    with tenancy.for_organizer(door.organizer.pk):
        bar = services.checkin_list_create(
            actor=None, event=door.event, name="Bar", allow_reentry=True
        )
    ticket = door.qr(0)

    # When the ticket exits before entering, enters, exits and enters again on each list
    strict = record(
        door,
        {"payload": ticket, "direction": "exit"},
        {"payload": ticket},
        {"payload": ticket, "direction": "exit"},
        {"payload": ticket},
    )
    relaxed = record(
        door,
        *[
            {"payload": ticket, "list_id": bar.pk, "direction": d}
            for d in ("entry", "exit", "entry", "entry")
        ],
    )

    # Then the strict list refuses the second entry, the re-entry list admits it once
    assert [r.status for r in strict] == ["not_inside", "valid", "valid", "already_checked_in"]
    assert [r.status for r in relaxed] == ["valid", "valid", "valid", "already_checked_in"]
    assert strict[2].message == "Exit recorded."


def test_lists_keep_separate_state():
    door = make_door()
    with tenancy.for_organizer(door.organizer.pk):
        bar = services.checkin_list_create(actor=None, event=door.event, name="Bar")

    results = record(door, {"payload": door.qr(0)}, {"payload": door.qr(0), "list_id": bar.pk})

    assert [r.status for r in results] == ["valid", "valid"]


def test_the_same_client_scan_id_is_recorded_once_and_answered_the_same():
    # Given a scan that was recorded
    door = make_door()
    scan_id = str(uuid.uuid4())
    first = only(record(door, {"client_scan_id": scan_id, "payload": door.qr(0)}))

    # When the device sends it again (twice in one batch, too)
    again = record(
        door,
        {"client_scan_id": scan_id, "payload": door.qr(0)},
        {"client_scan_id": "fresh-1", "payload": door.qr(1)},
        {"client_scan_id": "fresh-1", "payload": door.qr(1)},
    )

    # Then the stored answers come back marked duplicate, and nothing is stored twice
    assert first.status == "valid"
    assert not first.duplicate
    assert again[0].status == "valid"
    assert again[0].duplicate
    assert again[1].status == "valid"
    assert not again[1].duplicate
    assert again[2].status == "valid"
    assert again[2].duplicate
    with tenancy.for_organizer(door.organizer.pk):
        assert Scan.objects.filter(event=door.event).count() == 2


def test_two_devices_admitting_one_ticket_offline_is_a_conflict():
    # Given one ticket admitted by device A while both doors were offline
    door = make_door()
    ticket = door.qr(0)
    earlier = clock.now() - timedelta(minutes=5)
    a = only(
        record(
            door,
            {"payload": ticket, "offline": True, "client_status": "valid", "scanned_at": earlier},
        )
    )

    # When device B syncs its own offline admission of the same ticket
    b = only(record(door, {"payload": ticket, "offline": True, "client_status": "valid"}))

    # Then A's counts, B's is recorded as a conflict (amber) for the organizer to see
    assert a.status == "valid"
    assert not a.conflict
    assert b.status == "already_checked_in"
    assert b.conflict
    with tenancy.for_organizer(door.organizer.pk):
        stored = Scan.objects.get(client_scan_id__isnull=False, conflict=True)
    assert stored.offline
    assert stored.client_status == "valid"


def test_an_offline_refusal_admits_nobody_even_if_the_server_would_have():
    door = make_door()

    refused = only(
        record(door, {"payload": door.qr(0), "offline": True, "client_status": "not_on_list"})
    )
    later = only(record(door, {"payload": door.qr(0)}))

    assert refused.status == "not_on_list"
    assert not refused.conflict
    assert later.status == "valid"


def test_undo_of_an_entry_lets_the_ticket_in_again_and_is_audited():
    # Given a ticket admitted by mistake
    door = make_door()
    scan_id = str(uuid.uuid4())
    record(door, {"client_scan_id": scan_id, "payload": door.qr(0)})

    # When the scan is undone
    with tenancy.for_organizer(door.organizer.pk):
        services.scan_undo(actor=door.owner.user, organizer=door.organizer, client_scan_id=scan_id)
        services.scan_undo(actor=door.owner.user, organizer=door.organizer, client_scan_id=scan_id)

    # Then the ticket is admitted again, and the undo is in the audit trail once
    assert only(record(door, {"payload": door.qr(0)})).status == "valid"
    with tenancy.for_organizer(door.organizer.pk):
        from blackcanyon.core.models import AuditLog

        entries = AuditLog.objects.filter(action="checkin.scan.undone")
        assert entries.count() == 1
        assert entries.get().data["client_scan_id"] == scan_id


def test_undo_of_an_exit_puts_the_ticket_back_inside():
    door = make_door()
    record(door, {"payload": door.qr(0)})
    exit_id = str(uuid.uuid4())
    record(door, {"client_scan_id": exit_id, "payload": door.qr(0), "direction": "exit"})

    with tenancy.for_organizer(door.organizer.pk):
        services.scan_undo(actor=None, organizer=door.organizer, client_scan_id=exit_id)

    assert only(record(door, {"payload": door.qr(0)})).status == "already_checked_in"
    assert only(record(door, {"payload": door.qr(0), "direction": "exit"})).status == "valid"


def test_a_device_cannot_use_a_list_of_another_event():
    from blackcanyon.checkin.errors import CheckInListNotFound

    door, other = make_door("Here"), make_door("There")
    with tenancy.for_organizer(door.organizer.pk), pytest.raises(CheckInListNotFound):
        services.scans_record(
            actor=None,
            organizer=door.organizer,
            scans=[
                ScanInput("x-1", other.checkin_list.pk, "entry", clock.now(), payload=door.qr(0))
            ],
            device=door.device,
        )


def test_more_than_500_scans_are_refused():
    from blackcanyon.checkin.errors import BatchTooLarge

    door = make_door()
    scans = [
        ScanInput(f"id-{i}", door.checkin_list.pk, "entry", clock.now(), secret="X")
        for i in range(501)
    ]
    with tenancy.for_organizer(door.organizer.pk), pytest.raises(BatchTooLarge):
        services.scans_record(actor=None, organizer=door.organizer, scans=scans)


def test_a_batch_costs_the_same_queries_for_10_or_44_tickets():
    # Given an event with 54 paid tickets
    door = make_door()
    with tenancy.for_organizer(door.organizer.pk):
        for index in range(5):
            order_services.order_create_box_office(
                actor=None,
                event=door.event,
                quantities={door.general.pk: 9, door.vip.pk: 1},
                buyer_name=f"Group {index}",
            )
        tickets = list(Ticket.objects.filter(event=door.event).order_by("id"))
        signed = payloads.payloads_for(tickets, door.event)
    texts = [signed[t.pk] for t in tickets]

    # When 10 are scanned, then the 44 others
    with CaptureQueriesContext(connection) as small:
        record(door, *[{"payload": text} for text in texts[:10]])
    with CaptureQueriesContext(connection) as large:
        results = record(door, *[{"payload": text} for text in texts[10:]])

    # Then every scan is admitted and the query count does not grow with the batch
    assert {r.status for r in results} == {"valid"}
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(large.captured_queries) <= 12, [q["sql"][:80] for q in large.captured_queries]


def test_signing_format_is_what_the_scanner_sends():
    # The fixture's payloads are real signed payloads of the event key (sanity of the helpers)
    door = make_door()
    claims, _, _ = signing.parse(door.qr(0))
    assert claims.ticket_id == door.tickets[0].pk
