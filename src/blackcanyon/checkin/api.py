"""Check-in API (``/api/v1/checkins/`` ...): the scanner app's and scanner devices' way in.

Thin handlers: find what the caller may reach (``checkin.scope``), call one service or selector,
shape the answer. Authentication: device token, API token or session + CSRF (``checkin.auth``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import StrictInt, field_validator, model_validator

from blackcanyon.api.errors import ErrorOut
from blackcanyon.checkin import scope, selectors, services
from blackcanyon.checkin.auth import CheckinAuth, principal_of
from blackcanyon.checkin.errors import BatchTooLarge, CheckInListNotFound
from blackcanyon.checkin.models import CheckInList
from blackcanyon.checkin.selectors import ListCounts
from blackcanyon.checkin.verdict import ScanInput, ScanResult
from blackcanyon.core import clock, tenancy
from blackcanyon.organizers.models import Organizer

router = Router(tags=["Check-in"], auth=CheckinAuth())
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
CLIENT_SCAN_ID = r"^[A-Za-z0-9._:-]{1,64}$"

# --- Input -------------------------------------------------------------------------------------


class ScanIn(Schema):
    # Unknown fields are ignored, not refused: an offline queue must never get stuck on a
    # scanner that sends one field more than this version knows.
    client_scan_id: str = Field(
        pattern=CLIENT_SCAN_ID, description="Unique per scan, made by the device (a UUID)"
    )
    list_id: Annotated[StrictInt, Field(ge=1)]
    payload: str | None = Field(None, max_length=400, description="The QR code's text (BCT1...)")
    secret: str | None = Field(None, max_length=64, description="A manually typed ticket code")
    direction: Literal["entry", "exit"] = "entry"
    scanned_at: datetime | None = Field(None, description="The device's clock; default: now")
    gate: str = Field("", max_length=40)
    offline: bool = False
    client_status: str | None = Field(
        None, max_length=24, description="What the device showed, when it decided offline"
    )

    @field_validator("gate")
    @classmethod
    def _gate(cls, value: str) -> str:
        return " ".join(value.split())

    @model_validator(mode="after")
    def _something_scanned(self) -> ScanIn:
        if not (self.payload or "").strip() and not (self.secret or "").strip():
            raise ValueError("Send the QR code's `payload` or a typed `secret`.")
        return self

    def to_input(self, now: datetime) -> ScanInput:
        at = self.scanned_at or now
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        return ScanInput(
            client_scan_id=self.client_scan_id,
            list_id=self.list_id,
            direction=self.direction,
            scanned_at=at,
            payload=(self.payload or "").strip() or None,
            secret=None if (self.payload or "").strip() else self.secret,
            gate=self.gate,
            offline=self.offline,
            client_status=self.client_status or None,
        )


class CheckinsIn(Schema):
    scans: list[ScanIn] = Field(min_length=1, description="1 to 500 scans, answered in order")


class RevocationsQuery(Schema):
    since: datetime | None = Field(None, description="Only revocations after this instant")


# --- Output ------------------------------------------------------------------------------------


class ListOut(Schema):
    id: int
    name: str
    ticket_type_ids: list[int] = Field(description="Empty: every ticket type of the event")
    allow_reentry: bool
    show_attendee_names: bool
    checked_in: int
    inside: int
    total: int

    @staticmethod
    def resolve_id(obj: ListCounts) -> int:
        return obj.checkin_list.pk

    @staticmethod
    def resolve_name(obj: ListCounts) -> str:
        return obj.checkin_list.name

    @staticmethod
    def resolve_allow_reentry(obj: ListCounts) -> bool:
        return obj.checkin_list.allow_reentry

    @staticmethod
    def resolve_show_attendee_names(obj: ListCounts) -> bool:
        return obj.checkin_list.show_attendee_names


class ListsOut(Schema):
    items: list[ListOut]


class EventOut(Schema):
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    minimum_age: int | None


class TicketTypeOut(Schema):
    id: int
    name: str


class StateOut(Schema):
    at: datetime
    gate: str


class OfflineOut(Schema):
    format: int
    generated_at: datetime
    checkin_list: ListOut = Field(alias="list")
    event: EventOut
    public_key: str = Field(description="Raw 32-byte Ed25519 public key, base64url, no padding")
    ticket_types: list[TicketTypeOut]
    revoked: list[str]
    inside: dict[str, StateOut] = Field(description="Ticket id → its entry, for tickets inside")
    entered: dict[str, StateOut] = Field(
        description="Tickets that came in and left (lists without re-entry only)"
    )
    attendees: dict[str, str] = Field(description="Ticket id → name (only when the list shows)")


class TicketOut(Schema):
    id: int
    ticket_type: str
    attendee_name: str | None
    minimum_age: int | None
    order_code: str


class PreviousOut(Schema):
    at: datetime
    gate: str


class ScanResultOut(Schema):
    client_scan_id: str
    status: str
    message: str
    duplicate: bool
    conflict: bool
    ticket: TicketOut | None
    previous: PreviousOut | None


class CheckinsOut(Schema):
    results: list[ScanResultOut]


class UndoOut(Schema):
    client_scan_id: str
    undone: bool


class RevocationOut(Schema):
    secret: str
    ticket_id: int
    reason: str
    revoked_at: datetime


class RevocationsOut(Schema):
    event_id: int
    generated_at: datetime
    revoked: list[RevocationOut]


class StatsListOut(Schema):
    id: int
    name: str
    total: int
    checked_in: int
    inside: int

    @staticmethod
    def resolve_id(obj: ListCounts) -> int:
        return obj.checkin_list.pk

    @staticmethod
    def resolve_name(obj: ListCounts) -> str:
        return obj.checkin_list.name


class RecentOut(Schema):
    at: datetime
    gate: str
    status: str
    ticket_type: str | None

    @staticmethod
    def resolve_at(obj: Any) -> datetime:
        return obj.scanned_at

    @staticmethod
    def resolve_ticket_type(obj: Any) -> str | None:
        return obj.ticket.ticket_type.name if obj.ticket_id else None


class StatsOut(Schema):
    total_tickets: int
    checked_in: int
    inside: int
    lists: list[StatsListOut]
    recent: list[RecentOut]


# --- Endpoints ---------------------------------------------------------------------------------


def _visible_lists(request: HttpRequest, lists: list[CheckInList]) -> list[CheckInList]:
    device = principal_of(request).device
    if device is not None and device.checkin_list_id is not None:
        return [row for row in lists if row.pk == device.checkin_list_id]
    return lists


@router.get(
    "/events/{event_id}/checkin-lists/",
    response={200: ListsOut, **ERRORS},
    operation_id="checkin_lists",
    summary="An event's check-in lists with their counts",
)
def checkin_lists(request: HttpRequest, event_id: int) -> dict[str, Any]:
    """The lists a scanner may pick (an event without lists gets "All tickets")."""
    event = scope.event_for(principal_of(request), event_id)
    lists = _visible_lists(request, services.checkin_lists_ensure_default(event=event))
    return {"items": selectors.list_counts(event=event, lists=lists)}


@router.get(
    "/checkin-lists/{list_id}/offline/",
    response={200: OfflineOut, **ERRORS},
    operation_id="checkin_list_offline",
    by_alias=True,
    summary="Everything a device needs to scan a list offline",
)
def checkin_list_offline(request: HttpRequest, list_id: int) -> dict[str, Any]:
    """Public key, revocation list, who is inside and (when the list shows them) names."""
    checkin_list = scope.list_for(principal_of(request), list_id)
    counts = selectors.list_counts(event=checkin_list.event, lists=[checkin_list])[0]
    return selectors.offline_bundle(checkin_list=checkin_list, counts=counts, now=clock.now())


def _groups(request: HttpRequest, scans: list[ScanIn]) -> dict[int, list[int]]:
    """Request indexes per organizer (several only for a member of several organizers)."""
    principal = principal_of(request)
    if principal.organizer_id is not None:
        return {principal.organizer_id: list(range(len(scans)))}
    owners = scope.organizers_of_lists(principal, [s.list_id for s in scans])
    missing = {
        f"scans.{i}.list_id": ["No such check-in list."]
        for i, s in enumerate(scans)
        if s.list_id not in owners
    }
    if missing:
        raise CheckInListNotFound(fields=missing)
    groups: dict[int, list[int]] = defaultdict(list)
    for index, scan in enumerate(scans):
        groups[owners[scan.list_id]].append(index)
    return groups


@router.post(
    "/checkins/",
    response={200: CheckinsOut, **ERRORS},
    operation_id="checkins_record",
    summary="Record scans (batch, idempotent by client_scan_id)",
)
def checkins_record(request: HttpRequest, body: CheckinsIn) -> dict[str, Any]:
    """Answers every scan in request order: `valid` (green), `already_checked_in` (amber, with
    `previous`) or a red status. A `client_scan_id` sent before returns the stored answer with
    `duplicate: true`; nothing is recorded twice. More than 500 scans: 422 `batch_too_large`."""
    if len(body.scans) > services.MAX_BATCH:
        raise BatchTooLarge()
    principal = principal_of(request)
    now = clock.now()
    results: list[ScanResult | None] = [None] * len(body.scans)
    for organizer_id, indexes in _groups(request, body.scans).items():
        user_id = principal.user.pk if principal.user is not None else None
        with tenancy.scoped(organizer_id=organizer_id, user_id=user_id):
            answers = services.scans_record(
                actor=principal.user,
                organizer=Organizer.objects.get(pk=organizer_id),
                scans=[body.scans[i].to_input(now) for i in indexes],
                device=principal.device,
                api_token=principal.api_token,
            )
        for index, answer in zip(indexes, answers, strict=True):
            results[index] = answer
    return {"results": results}


@router.post(
    "/checkins/{client_scan_id}/undo/",
    response={200: UndoOut, **ERRORS},
    operation_id="checkin_undo",
    summary="Undo a mistaken scan",
)
def checkin_undo(request: HttpRequest, client_scan_id: str) -> dict[str, Any]:
    """The ticket no longer counts as scanned by this scan. Undoing twice is harmless."""
    principal = principal_of(request)
    organizer_id = scope.scan_organizer_for(principal, client_scan_id)
    services.scan_undo(
        actor=principal.actor,
        organizer=Organizer.objects.get(pk=organizer_id),
        client_scan_id=client_scan_id,
        device=principal.device,
    )
    return {"client_scan_id": client_scan_id, "undone": True}


@router.get(
    "/events/{event_id}/revocations/",
    response={200: RevocationsOut, **ERRORS},
    operation_id="checkin_revocations",
    summary="Ticket secrets that no longer admit",
)
def checkin_revocations(
    request: HttpRequest, event_id: int, query: Query[RevocationsQuery]
) -> dict[str, Any]:
    """Cancelled, refunded and re-issued tickets' secrets, oldest first; `since` for updates."""
    event = scope.event_for(principal_of(request), event_id)
    return {
        "event_id": event.pk,
        "generated_at": clock.now(),
        "revoked": list(selectors.revocations(event=event, since=query.since)),
    }


@router.get(
    "/events/{event_id}/checkin-stats/",
    response={200: StatsOut, **ERRORS},
    operation_id="checkin_stats",
    summary="Live check-in figures of an event",
)
def checkin_stats(request: HttpRequest, event_id: int) -> selectors.EventStats:
    """Tickets, checked in, inside now (overall and per list) and the last 10 scans."""
    event = scope.event_for(principal_of(request), event_id, permission=scope.VIEW)
    lists = services.checkin_lists_ensure_default(event=event)
    return selectors.event_stats(event=event, lists=lists)
