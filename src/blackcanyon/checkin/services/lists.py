"""Check-in lists: create, change, delete, and the default list of an event that has none."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from blackcanyon.checkin.errors import (
    CheckInListHasScans,
    CheckInListInvalid,
    CheckInListNameTaken,
)
from blackcanyon.checkin.models import CheckInList, CheckInListTicketType, Scan, ScannerDevice
from blackcanyon.core import audit
from blackcanyon.events.models import Event, TicketType
from blackcanyon.organizers.access import organizer_access

DEFAULT_NAME = "All tickets"
NAME_MAX = 100
MANAGE = "events.manage"


def _clean_name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean or len(clean) > NAME_MAX:
        message = "Give the list a name (up to 100 characters)."
        raise CheckInListInvalid(message, fields={"name": [message]})
    return clean


def _chosen_types(event: Event, all_ticket_types: bool, ticket_type_ids: Iterable[int]) -> set[int]:
    if all_ticket_types:
        return set()
    chosen = set(ticket_type_ids)
    known = set(TicketType.objects.filter(event=event, pk__in=chosen).values_list("pk", flat=True))
    if not chosen or known != chosen:
        message = "Choose at least one of this event's ticket types, or all of them."
        raise CheckInListInvalid(message, fields={"ticket_types": [message]})
    return chosen


def _set_types(checkin_list: CheckInList, chosen: set[int]) -> None:
    CheckInListTicketType.objects.filter(checkin_list=checkin_list).exclude(
        ticket_type_id__in=chosen
    ).delete()
    have = set(
        CheckInListTicketType.objects.filter(checkin_list=checkin_list).values_list(
            "ticket_type_id", flat=True
        )
    )
    CheckInListTicketType.objects.bulk_create(
        CheckInListTicketType(
            organizer_id=checkin_list.organizer_id,
            checkin_list=checkin_list,
            ticket_type_id=type_id,
        )
        for type_id in sorted(chosen - have)
    )


def _save_named(checkin_list: CheckInList, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            checkin_list.save(**kwargs)
    except IntegrityError:
        raise CheckInListNameTaken() from None


def checkin_list_create(
    *,
    actor: Any | None,
    event: Event,
    name: str,
    all_ticket_types: bool = True,
    ticket_type_ids: Iterable[int] = (),
    allow_reentry: bool = False,
    show_attendee_names: bool = False,
) -> CheckInList:
    """A new list for ``event``. ``ticket_type_ids`` (used when not ``all_ticket_types``) must
    be the event's. Raises ``CheckInListInvalid`` / ``CheckInListNameTaken`` (422) and, for a
    member without ``events.manage``, the organizer access errors."""
    clean = _clean_name(name)
    with transaction.atomic():
        if actor is not None:
            organizer_access(actor, event.organizer, MANAGE)
        chosen = _chosen_types(event, all_ticket_types, ticket_type_ids)
        row = CheckInList(
            organizer_id=event.organizer_id,
            event=event,
            name=clean,
            all_ticket_types=all_ticket_types,
            allow_reentry=allow_reentry,
            show_attendee_names=show_attendee_names,
        )
        _save_named(row, force_insert=True)
        _set_types(row, chosen)
        audit.record(
            actor=actor,
            action="checkin.list.created",
            organizer=event.organizer,
            obj=row,
            data={"event_id": event.pk, "name": clean, "ticket_type_ids": sorted(chosen)},
        )
    return row


def checkin_list_update(
    *,
    actor: Any | None,
    checkin_list: CheckInList,
    name: str,
    all_ticket_types: bool,
    ticket_type_ids: Iterable[int] = (),
    allow_reentry: bool,
    show_attendee_names: bool,
) -> CheckInList:
    """Change a list (its scans keep their answers; new scans follow the new rules)."""
    clean = _clean_name(name)
    event = checkin_list.event
    with transaction.atomic():
        if actor is not None:
            organizer_access(actor, event.organizer, MANAGE)
        chosen = _chosen_types(event, all_ticket_types, ticket_type_ids)
        checkin_list.name = clean
        checkin_list.all_ticket_types = all_ticket_types
        checkin_list.allow_reentry = allow_reentry
        checkin_list.show_attendee_names = show_attendee_names
        fields = ["name", "all_ticket_types", "allow_reentry", "show_attendee_names"]
        _save_named(checkin_list, update_fields=fields)
        _set_types(checkin_list, chosen)
        audit.record(
            actor=actor,
            action="checkin.list.updated",
            organizer=event.organizer,
            obj=checkin_list,
            data={
                "name": clean,
                "ticket_type_ids": sorted(chosen),
                "allow_reentry": allow_reentry,
                "show_attendee_names": show_attendee_names,
            },
        )
    return checkin_list


def checkin_list_delete(*, actor: Any | None, checkin_list: CheckInList) -> None:
    """Delete a list that has no scans (a scanned list is a record: refused with
    ``CheckInListHasScans``, 409). Devices bound to it go with it (they could scan nothing)."""
    event = checkin_list.event
    with transaction.atomic():
        if actor is not None:
            organizer_access(actor, event.organizer, MANAGE)
        if Scan.objects.filter(checkin_list=checkin_list).exists():
            raise CheckInListHasScans()
        devices = list(
            ScannerDevice.objects.filter(checkin_list=checkin_list).values_list("pk", "prefix")
        )
        audit.record(
            actor=actor,
            action="checkin.list.deleted",
            organizer=event.organizer,
            obj=checkin_list,
            data={
                "event_id": event.pk,
                "name": checkin_list.name,
                "device_prefixes": [prefix for _, prefix in devices],
            },
        )
        checkin_list.delete()


def checkin_lists_ensure_default(*, event: Event) -> list[CheckInList]:
    """The event's lists; an event without any gets "All tickets" (every type, no re-entry)
    the first time anyone needs one. Two first uses at once create it once (the event row is
    locked only on that first use)."""
    lists = list(CheckInList.objects.filter(event=event).order_by("id"))
    if lists:
        return lists
    with transaction.atomic():
        Event.objects.select_for_update().filter(pk=event.pk).values_list("pk").first()
        lists = list(CheckInList.objects.filter(event=event).order_by("id"))
        if lists:
            return lists
        row = CheckInList.objects.create(
            organizer_id=event.organizer_id, event=event, name=DEFAULT_NAME
        )
        audit.record(
            actor=None,
            action="checkin.list.created",
            organizer=event.organizer,
            obj=row,
            data={"event_id": event.pk, "name": DEFAULT_NAME, "default": True},
        )
    row.event = event
    return [row]
