"""Reads for check-in: lists with their counts, an event's live figures, what a device needs to
scan offline, revocations, the scan log and devices. Every read filters by organizer or event
(first wall) and runs in the organizer's tenant context (second wall, RLS)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, QuerySet

from blackcanyon.checkin.errors import CheckInListNotFound
from blackcanyon.checkin.models import (
    CheckInList,
    CheckInListTicketType,
    Direction,
    Scan,
    ScannerDevice,
    ScanStatus,
)
from blackcanyon.core import tenancy
from blackcanyon.events.models import Event, TicketType
from blackcanyon.orders.models import Ticket, TicketStatus
from blackcanyon.organizers.models import Organizer
from blackcanyon.tickets import keys
from blackcanyon.tickets.models import RevokedSecret

TOKEN_MAX_LENGTH = 200
OFFLINE_FORMAT = 1
RECENT_SCANS = 10


def device_token_hash(plaintext: str) -> str:
    """The stored form of a device token (only the hash is ever saved)."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def device_for_token(*, plaintext: str) -> ScannerDevice | None:
    """The device (revoked or not) whose token is ``plaintext``. Runs before any organizer is
    known: under RLS only the row with this hash is visible (not even its event)."""
    if not plaintext.startswith("bctd_") or len(plaintext) > TOKEN_MAX_LENGTH:
        return None
    digest = device_token_hash(plaintext)
    with tenancy.scoped(api_token_hash=digest):
        return ScannerDevice.objects.filter(token_hash=digest).first()


def scanner_devices_for_event(*, event: Event) -> list[ScannerDevice]:
    """The event's devices, active ones first, newest first."""
    rows = ScannerDevice.objects.filter(organizer_id=event.organizer_id, event=event)
    rows = rows.select_related("checkin_list", "created_by")
    return sorted(rows, key=lambda d: d.revoked_at is not None)


def scanner_device_get(*, event: Event, device_id: int) -> ScannerDevice | None:
    return (
        ScannerDevice.objects.filter(organizer_id=event.organizer_id, event=event, pk=device_id)
        .select_related("event__organizer", "checkin_list")
        .first()
    )


# --- lists and counts ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListCounts:
    checkin_list: CheckInList
    ticket_type_ids: list[int]  # empty: every type
    total: int  # valid tickets the list admits
    checked_in: int  # tickets admitted at least once (not undone)
    inside: int  # tickets inside now


def checkin_list_get(*, organizer: Organizer, list_id: int) -> CheckInList:
    """One of ``organizer``'s lists with its event; ``CheckInListNotFound`` (404) otherwise."""
    row = (
        CheckInList.objects.filter(organizer=organizer, pk=list_id)
        .select_related("event__organizer")
        .first()
    )
    if row is None:
        raise CheckInListNotFound()
    return row


def list_ticket_types(lists: list[CheckInList]) -> dict[int, list[int]]:
    """Chosen ticket type ids per list (lists of every type map to [])."""
    chosen: dict[int, list[int]] = {row.pk: [] for row in lists}
    subset = [row.pk for row in lists if not row.all_ticket_types]
    if subset:
        pairs = CheckInListTicketType.objects.filter(checkin_list_id__in=subset).order_by(
            "ticket_type_id"
        )
        for list_id, type_id in pairs.values_list("checkin_list_id", "ticket_type_id"):
            chosen[list_id].append(type_id)
    return chosen


def _valid_tickets_by_type(event: Event) -> dict[int, int]:
    rows = (
        Ticket.objects.filter(organizer_id=event.organizer_id, event=event)
        .filter(status=TicketStatus.VALID)
        .values("ticket_type_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["ticket_type_id"]: row["n"] for row in rows}


def _admitted(event: Event) -> QuerySet[Scan]:
    return Scan.objects.filter(
        organizer_id=event.organizer_id,
        event=event,
        status=ScanStatus.VALID,
        direction=Direction.ENTRY,
        undone_at__isnull=True,
    )


def _per_list(queryset: QuerySet[Scan], count: Any) -> dict[int, int]:
    rows = queryset.values("checkin_list_id").annotate(n=count).order_by()
    return {row["checkin_list_id"]: row["n"] for row in rows}


def list_counts(*, event: Event, lists: list[CheckInList]) -> list[ListCounts]:
    """Checked in / inside / total for each of the event's ``lists`` (five queries)."""
    by_type = _valid_tickets_by_type(event)
    chosen = list_ticket_types(lists)
    checked_in = _per_list(_admitted(event), Count("ticket_id", distinct=True))
    inside = _per_list(_admitted(event).filter(is_current=True), Count("id"))
    counts = []
    for row in lists:
        types = chosen[row.pk]
        total = (
            sum(by_type.values())
            if row.all_ticket_types
            else sum(by_type.get(type_id, 0) for type_id in types)
        )
        counts.append(
            ListCounts(
                checkin_list=row,
                ticket_type_ids=types,
                total=total,
                checked_in=checked_in.get(row.pk, 0),
                inside=inside.get(row.pk, 0),
            )
        )
    return counts


@dataclass(frozen=True, slots=True)
class EventStats:
    total_tickets: int
    checked_in: int
    inside: int
    lists: list[ListCounts]
    recent: list[Scan]


def event_stats(*, event: Event, lists: list[CheckInList]) -> EventStats:
    """The live figures of an event: every valid ticket, how many came in (on any list), how
    many are inside now, per list, and the latest scans."""
    per_list = list_counts(event=event, lists=lists)
    totals = _admitted(event).aggregate(
        checked_in=Count("ticket_id", distinct=True),
    )
    inside = _admitted(event).filter(is_current=True).aggregate(n=Count("ticket_id", distinct=True))
    recent = list(
        Scan.objects.filter(organizer_id=event.organizer_id, event=event, undone_at__isnull=True)
        .select_related("ticket__ticket_type")
        .only("scanned_at", "gate", "status", "ticket__ticket_type__name")
        .order_by("-received_at", "-id")[:RECENT_SCANS]
    )
    total_tickets = sum(_valid_tickets_by_type(event).values())
    return EventStats(
        total_tickets=total_tickets,
        checked_in=totals["checked_in"],
        inside=inside["n"],
        lists=per_list,
        recent=recent,
    )


# --- offline bundle and revocations --------------------------------------------------------------


def revocations(*, event: Event, since: datetime | None = None) -> QuerySet[RevokedSecret]:
    rows = RevokedSecret.objects.filter(organizer_id=event.organizer_id, event=event)
    if since is not None:
        rows = rows.filter(revoked_at__gt=since)
    return rows.order_by("revoked_at", "id")


def _state_map(scans: QuerySet[Scan]) -> dict[str, dict[str, Any]]:
    rows = scans.order_by("id").values_list("ticket_id", "scanned_at", "gate")
    return {str(ticket_id): {"at": at, "gate": gate} for ticket_id, at, gate in rows}


def offline_bundle(
    *, checkin_list: CheckInList, counts: ListCounts, now: datetime
) -> dict[str, Any]:
    """Everything a device needs to scan this list without a connection (check-in API
    contract). Beyond the contract, ``entered`` lists tickets that came in and left, so a device
    can refuse re-entry offline on a list that does not allow it."""
    event = checkin_list.event
    admitted = _admitted(event).filter(checkin_list=checkin_list)
    inside = _state_map(admitted.filter(is_current=True))
    entered = (
        {}
        if checkin_list.allow_reentry
        else {k: v for k, v in _state_map(admitted).items() if k not in inside}
    )
    attendees: dict[str, str] = {}
    if checkin_list.show_attendee_names:
        tickets = Ticket.objects.filter(
            organizer_id=event.organizer_id, event=event, status=TicketStatus.VALID
        ).exclude(attendee_name="")
        if not checkin_list.all_ticket_types:
            tickets = tickets.filter(ticket_type_id__in=counts.ticket_type_ids)
        attendees = {str(pk): name for pk, name in tickets.values_list("pk", "attendee_name")}
    types = TicketType.objects.filter(organizer_id=event.organizer_id, event=event)
    return {
        "format": OFFLINE_FORMAT,
        "generated_at": now,
        "list": counts,
        "event": event,
        "public_key": keys.event_key(event).public_key,
        "ticket_types": list(types.order_by("position", "id").values("id", "name")),
        "revoked": list(revocations(event=event).values_list("secret", flat=True)),
        "inside": inside,
        "entered": entered,
        "attendees": attendees,
    }


# --- scan log ------------------------------------------------------------------------------------


def scan_log(
    *, event: Event, conflicts_only: bool = False, list_id: int | None = None
) -> QuerySet[Scan]:
    """The event's scans, newest first, for the organizer's log."""
    rows = Scan.objects.filter(organizer_id=event.organizer_id, event=event)
    if conflicts_only:
        rows = rows.filter(conflict=True)
    if list_id is not None:
        rows = rows.filter(checkin_list_id=list_id)
    return rows.select_related(
        "checkin_list", "ticket__ticket_type", "ticket__order", "device", "user", "api_token"
    ).order_by("-received_at", "-id")


def conflict_count(*, event: Event) -> int:
    return Scan.objects.filter(organizer_id=event.organizer_id, event=event, conflict=True).count()


def scan_get(*, event: Event, scan_id: int) -> Scan | None:
    return Scan.objects.filter(organizer_id=event.organizer_id, event=event, pk=scan_id).first()
