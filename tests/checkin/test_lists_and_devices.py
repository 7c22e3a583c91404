"""Check-in lists and scanner devices: the rules of their services and their audit trail."""

from __future__ import annotations

import pytest
from django.test import Client

from blackcanyon.checkin import selectors, services
from blackcanyon.checkin.errors import (
    CheckInListHasScans,
    CheckInListInvalid,
    CheckInListNameTaken,
    CheckInListNotFound,
    DeviceNameInvalid,
)
from blackcanyon.checkin.models import CheckInList, ScannerDevice
from blackcanyon.core import tenancy
from blackcanyon.core.models import AuditLog
from blackcanyon.organizers.access import RoleLacksPermission
from blackcanyon.organizers.models import Role
from tests.checkin.helpers import make_door, post_scans, scan
from tests.factories import EventFactory, MembershipFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


def actions(organizer_id: int) -> list[str]:
    with tenancy.for_organizer(organizer_id):
        return list(
            AuditLog.objects.filter(organizer_id=organizer_id, action__startswith="checkin.")
            .order_by("id")
            .values_list("action", flat=True)
        )


def test_an_event_without_lists_gets_all_tickets_once():
    event = EventFactory()
    with tenancy.for_organizer(event.organizer_id):
        first = services.checkin_lists_ensure_default(event=event)
        second = services.checkin_lists_ensure_default(event=event)

    assert [row.name for row in first] == ["All tickets"]
    assert [row.pk for row in second] == [first[0].pk]
    assert first[0].all_ticket_types
    assert not first[0].allow_reentry
    assert not first[0].show_attendee_names
    assert actions(event.organizer_id) == ["checkin.list.created"]


def test_create_update_and_delete_a_list_with_chosen_types():
    # Given an event with two ticket types
    general = TicketTypeFactory(name="General")
    event = general.event
    vip = TicketTypeFactory(event=event, name="VIP")
    owner = MembershipFactory(organizer=event.organizer).user

    # When a VIP list is created, changed to every type with re-entry, and deleted
    with tenancy.for_organizer(event.organizer_id):
        row = services.checkin_list_create(
            actor=owner,
            event=event,
            name="  VIP   lounge ",
            all_ticket_types=False,
            ticket_type_ids=[vip.pk],
        )
        chosen = selectors.list_ticket_types([row])[row.pk]
        services.checkin_list_update(
            actor=owner,
            checkin_list=row,
            name="Lounge",
            all_ticket_types=True,
            ticket_type_ids=[vip.pk],
            allow_reentry=True,
            show_attendee_names=True,
        )
        after = selectors.list_ticket_types([row])[row.pk]
        services.checkin_list_delete(actor=owner, checkin_list=row)
        left = CheckInList.objects.filter(event=event).count()

    # Then the name was tidied, the types followed, and each step is in the audit trail
    assert row.name == "Lounge"
    assert chosen == [vip.pk]
    assert after == []
    assert left == 0
    assert actions(event.organizer_id) == [
        "checkin.list.created",
        "checkin.list.updated",
        "checkin.list.deleted",
    ]


def test_list_rules_name_types_and_duplicates():
    general = TicketTypeFactory()
    event = general.event
    foreign = TicketTypeFactory()  # another event's type
    with tenancy.for_organizer(event.organizer_id):
        services.checkin_list_create(actor=None, event=event, name="Main")
        with pytest.raises(CheckInListNameTaken):
            services.checkin_list_create(actor=None, event=event, name="Main")
        with pytest.raises(CheckInListInvalid):
            services.checkin_list_create(actor=None, event=event, name="   ")
        with pytest.raises(CheckInListInvalid) as no_types:
            services.checkin_list_create(
                actor=None, event=event, name="Some", all_ticket_types=False
            )
        with pytest.raises(CheckInListInvalid):
            services.checkin_list_create(
                actor=None,
                event=event,
                name="Stolen",
                all_ticket_types=False,
                ticket_type_ids=[foreign.pk],
            )

    assert "ticket_types" in no_types.value.fields


def test_a_scanned_list_cannot_be_deleted():
    door = make_door()
    post_scans(Client(), [scan(door, payload=door.qr(0))], **door.device_auth)
    with tenancy.for_organizer(door.organizer.pk), pytest.raises(CheckInListHasScans):
        services.checkin_list_delete(actor=door.owner.user, checkin_list=door.checkin_list)


def test_deleting_a_list_takes_its_devices_with_it():
    door = make_door()
    with tenancy.for_organizer(door.organizer.pk):
        spare = services.checkin_list_create(actor=None, event=door.event, name="Spare")
        services.scanner_device_create(
            actor=None, event=door.event, name="Spare door", checkin_list=spare
        )
        services.checkin_list_delete(actor=None, checkin_list=spare)
        names = list(ScannerDevice.objects.values_list("name", flat=True))

    assert names == ["Door 1"]


def test_a_scanner_role_cannot_manage_lists_or_devices():
    door = make_door()
    scanner = MembershipFactory(organizer=door.organizer, role=Role.SCANNER).user
    with tenancy.for_organizer(door.organizer.pk):
        with pytest.raises(RoleLacksPermission):
            services.checkin_list_create(actor=scanner, event=door.event, name="Mine")
        with pytest.raises(RoleLacksPermission):
            services.scanner_device_create(actor=scanner, event=door.event, name="Mine")


def test_device_token_is_returned_once_stored_as_a_hash_and_audited_without_it():
    door = make_door()
    with tenancy.for_organizer(door.organizer.pk):
        device, token = services.scanner_device_create(
            actor=door.owner.user, event=door.event, name=" Gate B  tablet "
        )
        entry = AuditLog.objects.filter(action="checkin.device.created").last()

    assert token.startswith(f"bctd_{device.prefix}_")
    assert len(token) > 45
    assert device.name == "Gate B tablet"
    assert device.token_hash == selectors.device_token_hash(token)
    assert token not in str(entry.data)
    assert device.token_hash not in str(entry.data)
    assert selectors.device_for_token(plaintext=token).pk == device.pk
    assert selectors.device_for_token(plaintext="bct_" + token[5:]) is None


def test_device_rules_and_idempotent_revoke():
    door, other = make_door("Here"), make_door("There")
    with tenancy.for_organizer(door.organizer.pk):
        with pytest.raises(DeviceNameInvalid):
            services.scanner_device_create(actor=None, event=door.event, name=" ")
        with pytest.raises(CheckInListNotFound):
            services.scanner_device_create(
                actor=None, event=door.event, name="X", checkin_list=other.checkin_list
            )
        services.scanner_device_revoke(actor=door.owner.user, device=door.device)
        again = services.scanner_device_revoke(actor=door.owner.user, device=door.device)

    assert again.revoked_at is not None
    assert actions(door.organizer.pk).count("checkin.device.revoked") == 1
