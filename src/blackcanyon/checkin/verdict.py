"""What a scan means: the inputs and answers of ``scans_record`` and the pure rules that turn a
ticket's state on a list into a status. No database access here (``services/scans.py`` reads
and writes; this module decides), so the rules are easy to read and to test.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from blackcanyon.checkin.models import Direction, ScanStatus

# Statuses a device may report for what it showed offline (anything else counts as "invalid").
KNOWN_STATUSES = frozenset(ScanStatus.values)

# signing.PayloadRefused codes → scan status.
REFUSAL_STATUS = {
    "malformed": ScanStatus.INVALID,
    "bad_signature": ScanStatus.INVALID,
    "wrong_event": ScanStatus.WRONG_EVENT,
    "revoked": ScanStatus.REVOKED,
    "not_yet_valid": ScanStatus.NOT_YET_VALID,
    "expired": ScanStatus.EXPIRED,
}


@dataclass(frozen=True, slots=True)
class ScanInput:
    """One scan as a device sends it (already type-checked by the API schema)."""

    client_scan_id: str
    list_id: int
    direction: str
    scanned_at: datetime
    payload: str | None = None
    secret: str | None = None
    gate: str = ""
    offline: bool = False
    client_status: str | None = None


@dataclass(frozen=True, slots=True)
class TicketInfo:
    id: int
    ticket_type: str
    attendee_name: str | None
    minimum_age: int | None
    order_code: str


@dataclass(frozen=True, slots=True)
class Previous:
    at: datetime
    gate: str


@dataclass(frozen=True, slots=True)
class ScanResult:
    """The answer to one scan, as the API returns it."""

    client_scan_id: str
    status: str
    message: str
    duplicate: bool
    conflict: bool
    ticket: TicketInfo | None
    previous: Previous | None


@dataclass(frozen=True, slots=True)
class StateScan:
    """A valid, not undone scan that makes up a ticket's state on a list."""

    scan_id: int | None  # None: recorded in this batch, not inserted yet
    direction: str
    at: datetime
    gate: str


@dataclass(slots=True)
class TicketState:
    """A ticket on a list: its latest admitted scan and its latest admitted entry."""

    current: StateScan | None = None
    last_entry: StateScan | None = None

    @property
    def inside(self) -> bool:
        return self.current is not None and self.current.direction == Direction.ENTRY


@dataclass(slots=True)
class Decision:
    status: str
    previous: Previous | None = None
    conflict: bool = False
    # The scan changes the ticket's state (it becomes the current scan).
    admits: bool = False


def decide_state(*, state: TicketState, direction: str, allow_reentry: bool) -> Decision:
    """Entry or exit of a ticket that may use this list, given its state."""
    if direction == Direction.EXIT:
        if state.inside:
            return Decision(ScanStatus.VALID, admits=True)
        return Decision(ScanStatus.NOT_INSIDE)
    if state.inside:
        entered = state.current
    elif not allow_reentry:
        entered = state.last_entry  # came in once and left: no way back in
    else:
        entered = None
    if entered is not None:
        return Decision(ScanStatus.ALREADY_CHECKED_IN, previous=Previous(entered.at, entered.gate))
    return Decision(ScanStatus.VALID, admits=True)


def apply_offline(decision: Decision, *, offline: bool, client_status: str | None) -> Decision:
    """Reconcile the server's verdict with what an offline device already did at the door.

    * The device admitted (``valid``) but the server says no (already inside from another
      device, revoked meanwhile ...): the person is in; record the server's status, flag a
      **conflict** for the organizer, change no state.
    * The device refused but the server would admit: nobody came in, so record the device's
      answer and change no state.
    """
    if not offline or not client_status:
        return decision
    if client_status == ScanStatus.VALID:
        if decision.status != ScanStatus.VALID:
            decision.conflict = True
            decision.admits = False
        return decision
    if decision.status == ScanStatus.VALID:
        status = client_status if client_status in KNOWN_STATUSES else ScanStatus.INVALID
        return Decision(status)
    return decision


def _local(at: datetime, timezone: str) -> datetime:
    try:
        return at.astimezone(zoneinfo.ZoneInfo(timezone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return at


def status_message(
    *,
    status: str,
    direction: str,
    previous: Previous | None,
    timezone: str,
    now: datetime,
) -> str:
    """The words door staff read under the colour."""
    if status == ScanStatus.VALID:
        return "Admitted." if direction == Direction.ENTRY else "Exit recorded."
    if status == ScanStatus.ALREADY_CHECKED_IN:
        if previous is None:
            return "Already checked in."
        local = _local(previous.at, timezone)
        when = local.strftime("%H:%M")
        if local.date() != _local(now, timezone).date():
            when = f"{local.day} {local:%b} {when}"
        where = f", {previous.gate}" if previous.gate else ""
        return f"Already checked in at {when}{where}."
    refusals: dict[str, str] = {
        ScanStatus.REVOKED: "This ticket has been cancelled or replaced.",
        ScanStatus.INVALID: "Not a valid ticket.",
        ScanStatus.WRONG_EVENT: "This ticket is for another event.",
        ScanStatus.NOT_YET_VALID: "This ticket is not valid yet.",
        ScanStatus.EXPIRED: "This ticket is no longer valid.",
        ScanStatus.NOT_ON_LIST: "This ticket type does not enter here.",
        ScanStatus.NOT_INSIDE: "This ticket is not checked in, so it cannot exit.",
    }
    return refusals.get(status, "Not a valid ticket.")
