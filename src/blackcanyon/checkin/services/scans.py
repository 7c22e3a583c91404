"""Recording scans (a batch, idempotent by client scan id) and undoing one.

How a batch is answered, in as few queries as its size allows (the door must not wait):

1. the lists, the scans already stored under these client scan ids (a retried upload gets the
   stored answers, ``duplicate: true``), the events' public keys (decoded once per event) and
   the revoked secrets among those presented — one query each;
2. every payload is verified (Ed25519, event, revocation list, validity window) outside any
   transaction; manual codes are normalised;
3. one short transaction locks the scanned tickets (``SELECT ... FOR UPDATE`` in id order — two
   doors scanning the same ticket at the same moment are served one after the other, so only
   one gets ``valid``), reads their state on the lists, decides every scan in request order and
   writes all of them with one ``bulk_create``.

The partial unique constraint "one current scan per (list, ticket)" is the database's own wall:
should two transactions ever both decide to admit, the second fails and the batch is decided
again from the new state. No audit entry per scan: the Scan row is the record.
"""

from __future__ import annotations

import functools
import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q

from blackcanyon.api.models import ApiToken
from blackcanyon.checkin.errors import BatchTooLarge, CheckInListNotFound
from blackcanyon.checkin.models import (
    CheckInList,
    CheckInListTicketType,
    Direction,
    Scan,
    ScannerDevice,
    ScanStatus,
)
from blackcanyon.checkin.verdict import (
    REFUSAL_STATUS,
    Decision,
    Previous,
    ScanInput,
    ScanResult,
    StateScan,
    TicketInfo,
    TicketState,
    apply_offline,
    decide_state,
    status_message,
)
from blackcanyon.core import clock
from blackcanyon.events.models import Event
from blackcanyon.orders.models import Ticket, TicketStatus
from blackcanyon.organizers.models import Organizer
from blackcanyon.tickets import keys, signing
from blackcanyon.tickets.models import EventKey, RevokedSecret

logger = logging.getLogger(__name__)

MAX_BATCH = 500
UNLOCKED_GAP_SECONDS = 0.05
_ATTEMPTS = 3
_DEADLOCK = "40P01"
_TICKET_FIELDS = (
    "id",
    "event_id",
    "ticket_type_id",
    "status",
    "secret",
    "attendee_name",
    "order__code",
    "ticket_type__name",
)


@dataclass(slots=True)
class _Pending:
    """A new scan on its way through the checks."""

    index: int
    item: ScanInput
    checkin_list: CheckInList
    at: datetime  # the instant the ticket's validity window is checked at
    secret: str = ""
    ticket_id: int | None = None
    manual: bool = False
    refusal: str | None = None  # decided without the ticket's state (bad signature ...)


@dataclass(frozen=True, slots=True)
class _Who:
    organizer: Organizer
    user: Any | None
    device: ScannerDevice | None
    api_token: ApiToken | None


def scans_record(
    *,
    actor: Any | None,
    organizer: Organizer,
    scans: Sequence[ScanInput],
    device: ScannerDevice | None = None,
    api_token: ApiToken | None = None,
) -> list[ScanResult]:
    """Record each scan once and answer each, in request order.

    ``actor`` is the signed-in member scanning (``None`` for a device or an API token: pass
    ``device`` / ``api_token`` instead, they are recorded on the scans). Callers authorise the
    request and run in ``organizer``'s tenant context. A device may only use its own event (and
    list, when it is bound to one).

    Raises ``BatchTooLarge`` (422) past 500 scans and ``CheckInListNotFound`` (404) when a
    ``list_id`` is not one of the organizer's lists (or not the device's). A scan that does not
    admit is no error: it is recorded with its status.
    """
    if len(scans) > MAX_BATCH:
        raise BatchTooLarge()
    if not scans:
        return []
    who = _Who(organizer=organizer, user=actor, device=device, api_token=api_token)
    for attempt in range(_ATTEMPTS):
        try:
            return _record_batch(who, scans)
        except IntegrityError:
            # A parallel request stored one of these client scan ids, or admitted one of these
            # tickets, first: decide again from what is stored now.
            logger.info("Check-in batch decided again after a parallel write (attempt %d)", attempt)
            if attempt == _ATTEMPTS - 1:
                raise
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) != _DEADLOCK or attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _record_batch(who: _Who, scans: Sequence[ScanInput]) -> list[ScanResult]:
    now = clock.now()
    lists, list_types = _lists_for(who, scans)
    stored = _stored_scans(who.organizer, [s.client_scan_id for s in scans])
    results: list[ScanResult | None] = [None] * len(scans)
    first_seen: dict[str, int] = {}
    pending: list[_Pending] = []
    for index, item in enumerate(scans):
        if item.client_scan_id in stored:
            results[index] = replayed(stored[item.client_scan_id], now=now)
        elif item.client_scan_id not in first_seen:
            first_seen[item.client_scan_id] = index
            checkin_list = lists[item.list_id]
            at = min(item.scanned_at, now) if item.offline else now
            pending.append(_Pending(index, item, checkin_list, at))
    if pending:
        _verify(who.organizer, pending)
        with transaction.atomic():
            decided = _decide_and_write(who, pending, list_types, now)
        for index, result in decided.items():
            results[index] = result
    for index, item in enumerate(scans):
        if results[index] is None:  # the same client scan id twice in one request
            first = results[first_seen[item.client_scan_id]]
            results[index] = replace(first, duplicate=True)  # type: ignore[type-var]
    return [result for result in results if result is not None]


def _lists_for(
    who: _Who, scans: Sequence[ScanInput]
) -> tuple[dict[int, CheckInList], dict[int, set[int] | None]]:
    """The lists the scans name, and per list its ticket types (``None``: every type)."""
    ids = {item.list_id for item in scans}
    lists = {
        row.pk: row
        for row in CheckInList.objects.filter(organizer=who.organizer, pk__in=ids)
        .select_related("event")
        .defer("event__description", "event__description_html")
    }
    device = who.device
    if device is not None:
        lists = {
            pk: row
            for pk, row in lists.items()
            if row.event_id == device.event_id and device.checkin_list_id in (None, row.pk)
        }
    missing = {
        f"scans.{index}.list_id": ["No such check-in list."]
        for index, item in enumerate(scans)
        if item.list_id not in lists
    }
    if missing:
        raise CheckInListNotFound(fields=missing)
    types: dict[int, set[int] | None] = {
        pk: None if row.all_ticket_types else set() for pk, row in lists.items()
    }
    subset = [pk for pk, chosen in types.items() if chosen is not None]
    if subset:
        for list_id, type_id in CheckInListTicketType.objects.filter(
            checkin_list_id__in=subset
        ).values_list("checkin_list_id", "ticket_type_id"):
            chosen = types[list_id]
            if chosen is not None:
                chosen.add(type_id)
    return lists, types


def _stored_scans(organizer: Organizer, client_ids: list[str]) -> dict[str, Scan]:
    rows = Scan.objects.filter(organizer=organizer, client_scan_id__in=set(client_ids))
    rows = rows.select_related("checkin_list__event", "ticket__order", "ticket__ticket_type")
    return {row.client_scan_id: row for row in rows}


# --- verification (no transaction) ---------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _public_key(encoded: str) -> Ed25519PublicKey:
    # Key rows never change, so the decoded key object can be kept per process.
    return Ed25519PublicKey.from_public_bytes(keys.unb64(encoded))


def _public_keys(events: dict[int, Event]) -> dict[int, Ed25519PublicKey]:
    found = dict(EventKey.objects.filter(event_id__in=events).values_list("event_id", "public_key"))
    for event_id, event in events.items():
        if event_id not in found:  # no ticket was ever signed: a key makes every payload fail
            found[event_id] = keys.event_key(event).public_key
    return {event_id: _public_key(encoded) for event_id, encoded in found.items()}


def _presented_secrets(pending: list[_Pending]) -> set[str]:
    secrets = set()
    for p in pending:
        if p.item.payload:
            try:
                secrets.add(signing.parse(p.item.payload)[0].secret)
            except signing.PayloadRefused:
                continue
        elif p.item.secret:
            secrets.add(signing.normalise_secret(p.item.secret))
    return secrets


def _verify(organizer: Organizer, pending: list[_Pending]) -> None:
    """Check signatures, revocation and validity; note which ticket each scan claims."""
    events = {p.checkin_list.event_id: p.checkin_list.event for p in pending}
    public = _public_keys(events)
    revoked: dict[int, set[str]] = defaultdict(set)
    secrets = _presented_secrets(pending)
    if secrets:
        for event_id, secret in RevokedSecret.objects.filter(
            organizer=organizer, event_id__in=events, secret__in=secrets
        ).values_list("event_id", "secret"):
            revoked[event_id].add(secret)
    for p in pending:
        event_id = p.checkin_list.event_id
        if p.item.payload:
            _verify_payload(p, public[event_id], revoked[event_id])
        else:
            _verify_manual(p, revoked[event_id])


def _verify_payload(p: _Pending, public: Ed25519PublicKey, revoked: set[str]) -> None:
    text = p.item.payload or ""
    try:
        claims = signing.verify(
            text, public, event_id=p.checkin_list.event_id, now=p.at, revoked=revoked
        )
    except signing.PayloadRefused as refused:
        p.refusal = REFUSAL_STATUS.get(refused.code, ScanStatus.INVALID)
        if refused.claims is not None and refused.code not in {"wrong_event", "bad_signature"}:
            # Signed by this event's key: the ticket is known even though it does not admit.
            p.ticket_id, p.secret = refused.claims.ticket_id, refused.claims.secret
        return
    p.ticket_id, p.secret = claims.ticket_id, claims.secret


def _verify_manual(p: _Pending, revoked: set[str]) -> None:
    p.manual = True
    p.secret = signing.normalise_secret(p.item.secret or "")
    if not p.secret or len(p.secret) > Ticket._meta.get_field("secret").max_length:  # type: ignore[operator]
        p.secret, p.refusal = "", ScanStatus.INVALID
        return
    if p.secret in revoked:
        p.refusal = ScanStatus.REVOKED
        return
    event = p.checkin_list.event
    valid_from, valid_until = signing.validity(starts_at=event.starts_at, ends_at=event.ends_at)
    if p.at < valid_from:
        p.refusal = ScanStatus.NOT_YET_VALID
    elif p.at > valid_until:
        p.refusal = ScanStatus.EXPIRED


# --- deciding and writing (one short transaction) ------------------------------------------------


def _lock_tickets(
    organizer: Organizer, pending: list[_Pending]
) -> tuple[dict[int, Ticket], dict[tuple[int, str], Ticket]]:
    """The scanned tickets, locked in id order: by id (payloads) and by (event, secret)."""
    ids = {p.ticket_id for p in pending if p.ticket_id is not None}
    manual: dict[int, set[str]] = defaultdict(set)
    for p in pending:
        if p.manual and p.secret:
            manual[p.checkin_list.event_id].add(p.secret)
    condition = Q(pk__in=ids) if ids else Q()
    for event_id, secrets in manual.items():
        condition |= Q(event_id=event_id, secret__in=secrets)
    if not condition:
        return {}, {}
    tickets = Ticket.objects.all()
    # The lock is what serialises two doors scanning one ticket; only the concurrency tests'
    # control turns it off (to show the race the database constraint then has to catch).
    if getattr(settings, "BCT_CHECKIN_TICKET_LOCK", True):
        tickets = tickets.select_for_update(of=("self",))
    rows = list(
        tickets.filter(condition, organizer=organizer)
        .select_related("order", "ticket_type")
        .only(*_TICKET_FIELDS)
        .order_by("pk")
    )
    return {t.pk: t for t in rows}, {(t.event_id, t.secret): t for t in rows}


def _ticket_states(
    organizer: Organizer, list_ids: set[int], ticket_ids: set[int]
) -> dict[tuple[int, int], TicketState]:
    """Each ticket's state on each list: its current scan and its latest admitted entry."""
    states: dict[tuple[int, int], TicketState] = defaultdict(TicketState)
    if not ticket_ids:
        return states
    rows = (
        Scan.objects.filter(
            organizer=organizer,
            checkin_list_id__in=list_ids,
            ticket_id__in=ticket_ids,
            status=ScanStatus.VALID,
            undone_at__isnull=True,
        )
        .filter(Q(is_current=True) | Q(direction=Direction.ENTRY))
        .order_by("id")
        .values_list(
            "id", "checkin_list_id", "ticket_id", "direction", "scanned_at", "gate", "is_current"
        )
    )
    for scan_id, list_id, ticket_id, direction, at, gate, is_current in rows:
        state = states[(list_id, ticket_id)]
        row = StateScan(scan_id, direction, at, gate)
        if is_current:
            state.current = row
        if direction == Direction.ENTRY:
            state.last_entry = row
    return states


def _judge(
    p: _Pending,
    ticket: Ticket | None,
    list_types: set[int] | None,
    states: dict[tuple[int, int], TicketState],
) -> Decision:
    if p.refusal is not None:
        decision = Decision(p.refusal)
    elif ticket is None:
        decision = Decision(ScanStatus.INVALID)
    elif ticket.status != TicketStatus.VALID or ticket.secret != p.secret:
        decision = Decision(ScanStatus.REVOKED)  # cancelled, or re-issued with a new secret
    elif list_types is not None and ticket.ticket_type_id not in list_types:
        decision = Decision(ScanStatus.NOT_ON_LIST)
    else:
        decision = decide_state(
            state=states[(p.checkin_list.pk, ticket.pk)],
            direction=p.item.direction,
            allow_reentry=p.checkin_list.allow_reentry,
        )
    return apply_offline(decision, offline=p.item.offline, client_status=p.item.client_status)


def _decide_and_write(
    who: _Who,
    pending: list[_Pending],
    list_types: dict[int, set[int] | None],
    now: datetime,
) -> dict[int, ScanResult]:
    by_id, by_secret = _lock_tickets(who.organizer, pending)
    tickets: dict[int, Ticket | None] = {}
    for p in pending:
        ticket = by_secret.get((p.checkin_list.event_id, p.secret)) if p.manual else None
        ticket = ticket or (by_id.get(p.ticket_id) if p.ticket_id is not None else None)
        if ticket is not None and ticket.event_id != p.checkin_list.event_id:
            ticket = None
        tickets[p.index] = ticket
    ticket_ids = {t.pk for t in tickets.values() if t is not None}
    states = _ticket_states(who.organizer, {p.checkin_list.pk for p in pending}, ticket_ids)
    if not getattr(settings, "BCT_CHECKIN_TICKET_LOCK", True):
        # The concurrency tests' control only: stands for work done between reading the state
        # and writing, so the race the ticket lock prevents shows on every run, not most runs.
        time.sleep(UNLOCKED_GAP_SECONDS)
    superseded = {key: s.current.scan_id for key, s in states.items() if s.current is not None}
    rows: list[Scan] = []
    newest: dict[tuple[int, int], Scan] = {}
    results: dict[int, ScanResult] = {}
    for p in pending:
        ticket = tickets[p.index]
        decision = _judge(p, ticket, list_types[p.checkin_list.pk], states)
        row = _scan_row(who, p, ticket, decision, now)
        rows.append(row)
        if decision.admits and ticket is not None:
            key = (p.checkin_list.pk, ticket.pk)
            moved = StateScan(None, p.item.direction, p.item.scanned_at, p.item.gate)
            states[key].current = moved
            if p.item.direction == Direction.ENTRY:
                states[key].last_entry = moved
            newest[key] = row
        results[p.index] = result_of(row, ticket, p.checkin_list, now=now)
    old_current = [scan_id for key in newest if (scan_id := superseded.get(key)) is not None]
    if old_current:
        Scan.objects.filter(pk__in=old_current).update(is_current=False)
    for row in newest.values():
        row.is_current = True
    Scan.objects.bulk_create(rows)
    return results


def _scan_row(
    who: _Who, p: _Pending, ticket: Ticket | None, decision: Decision, now: datetime
) -> Scan:
    item, previous = p.item, decision.previous
    return Scan(
        organizer_id=who.organizer.pk,
        checkin_list_id=p.checkin_list.pk,
        event_id=p.checkin_list.event_id,
        ticket_id=ticket.pk if ticket is not None else None,
        secret=p.secret,
        client_scan_id=item.client_scan_id,
        direction=item.direction,
        status=decision.status,
        scanned_at=item.scanned_at,
        received_at=now,
        gate=item.gate,
        offline=item.offline,
        client_status=item.client_status or "",
        conflict=decision.conflict,
        previous_at=previous.at if previous else None,
        previous_gate=previous.gate if previous else "",
        device=who.device,
        user=who.user if getattr(who.user, "is_authenticated", False) else None,
        api_token=who.api_token,
    )


# --- answers -------------------------------------------------------------------------------------


def ticket_info(ticket: Ticket, checkin_list: CheckInList) -> TicketInfo:
    return TicketInfo(
        id=ticket.pk,
        ticket_type=ticket.ticket_type.name,
        attendee_name=(ticket.attendee_name or None) if checkin_list.show_attendee_names else None,
        minimum_age=checkin_list.event.minimum_age,
        order_code=ticket.order.code,
    )


def result_of(
    scan: Scan, ticket: Ticket | None, checkin_list: CheckInList, *, now: datetime
) -> ScanResult:
    previous = Previous(scan.previous_at, scan.previous_gate) if scan.previous_at else None
    return ScanResult(
        client_scan_id=scan.client_scan_id,
        status=scan.status,
        message=status_message(
            status=scan.status,
            direction=scan.direction,
            previous=previous,
            timezone=checkin_list.event.timezone,
            now=now,
        ),
        duplicate=False,
        conflict=scan.conflict,
        ticket=ticket_info(ticket, checkin_list) if ticket is not None else None,
        previous=previous,
    )


def replayed(scan: Scan, *, now: datetime) -> ScanResult:
    """The stored answer to a scan sent again."""
    result = result_of(scan, scan.ticket, scan.checkin_list, now=now)
    return replace(result, duplicate=True)
