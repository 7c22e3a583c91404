"""Reads for the buyer's shop pages: what the event page offers (with a code applied), whether a
reservation still holds its seats, and whether the same tickets could be reserved again.

Callers need no tenant context: each read activates the event's organizer where it needs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from blackcanyon.core import tenancy
from blackcanyon.core.errors import DomainError
from blackcanyon.events import selectors as event_selectors
from blackcanyon.events.models import Event, EventStatus
from blackcanyon.events.selectors import TicketOffer
from blackcanyon.orders.models import HOLDING_STATUSES, Order, OrderLine, OrderStatus
from blackcanyon.orders.selectors import expired_holds, seats_left
from blackcanyon.orders.services.planning import code_type_ids, resolve_code


@dataclass
class CodeCheck:
    """What a code entered on the event page does, or why it does nothing."""

    text: str = ""
    unlocked: frozenset[int] = frozenset()
    unlocked_names: list[str] = field(default_factory=list)
    error: DomainError | None = None

    @property
    def accepted(self) -> bool:
        return bool(self.text) and self.error is None


def _check_code(event: Event, text: str, now: datetime) -> CodeCheck:
    """Read-only check of a code (call in the event's organizer context)."""
    if not text:
        return CodeCheck()
    try:
        code = resolve_code(event=event, text=text, now=now)
    except DomainError as error:
        return CodeCheck(text=text, error=error)
    unlocked: frozenset[int] = frozenset()
    if code.unlocks_hidden:
        eligible = code_type_ids(code)
        hidden = [t for t in event.ticket_types.all() if t.hidden]
        unlocked = frozenset(t.pk for t in hidden if not eligible or t.pk in eligible)
    names = [t.name for t in event.ticket_types.all() if t.pk in unlocked]
    return CodeCheck(text=text, unlocked=unlocked, unlocked_names=names)


def shop_state(
    *, event: Event, now: datetime, code_text: str
) -> tuple[list[TicketOffer], CodeCheck]:
    """The ticket offers a buyer sees at ``now`` (with ``code_text`` applied): expired holds not
    yet released count as free seats, hidden types appear only for a valid access code."""
    with tenancy.for_organizer(event.organizer_id):
        # No seat was ever taken: no hold can have expired (saves a query on fresh events).
        holds = expired_holds(event_id=event.pk, now=now) if event.taken else {}
        check = _check_code(event, code_text, now)
    offers = event_selectors.event_ticket_offers(
        event=event, now=now, unlocked=check.unlocked, expired_holds=holds
    )
    return offers, check


def hold_expired(order: Order, now: datetime) -> bool:
    """The reservation no longer holds seats for the buyer (released, or past its time)."""
    if order.status == OrderStatus.EXPIRED:
        return True
    return order.status in HOLDING_STATUSES and (
        order.expires_at is None or order.expires_at <= now
    )


def can_reserve_again(*, order: Order, lines: list[OrderLine], now: datetime) -> bool:
    """Whether the same tickets look available now (the re-reservation still decides).
    Call in the order's organizer context (``access.order_from_link`` activates it)."""
    event = order.event
    if event.status != EventStatus.PUBLISHED or event.ends_at <= now:
        return False
    left = seats_left(event_id=event.pk, now=now)
    own = {} if order.released_at else {line.ticket_type_id: line.quantity for line in lines}
    return all(
        left.by_type.get(line.ticket_type_id, 0) + own.get(line.ticket_type_id, 0) >= line.quantity
        for line in lines
    )
