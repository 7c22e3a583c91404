"""Writes for ticket types: create, update, delete. Seats (``taken``) are never written here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max

from blackcanyon.core import audit, clock
from blackcanyon.events.errors import TicketTypeHasSales, TicketTypeInvalid
from blackcanyon.events.models import Event, EventStatus, TicketType
from blackcanyon.events.selectors import event_currency
from blackcanyon.events.services._common import (
    capacity_error,
    ensure_not_cancelled,
    lock_event,
    run_publish_checks,
)
from blackcanyon.events.validation import TICKET_TYPE_INPUT_FIELDS, ticket_type_errors


def _clean_ticket_type(
    *,
    name: str,
    description: str,
    price: int,
    capacity: int,
    sales_start: datetime | None,
    sales_end: datetime | None,
    min_per_order: int,
    max_per_order: int,
    hidden: bool,
    position: int | None,
) -> dict[str, Any]:
    """Validate a ticket type's fields; return them as stored (trimmed). ``position`` may be
    ``None`` (the caller decides). Raises ``TicketTypeInvalid`` with per-field messages."""
    name = name.strip()
    errors = ticket_type_errors(
        name=name,
        price=price,
        capacity=capacity,
        sales_start=sales_start,
        sales_end=sales_end,
        min_per_order=min_per_order,
        max_per_order=max_per_order,
        position=position,
    )
    if errors:
        raise TicketTypeInvalid(fields=errors)
    return {
        "name": name,
        "description": description.strip(),
        "price": price,
        "capacity": capacity,
        "sales_start": sales_start,
        "sales_end": sales_end,
        "min_per_order": min_per_order,
        "max_per_order": max_per_order,
        "hidden": hidden,
        "position": position,
    }


def _recheck_published_event(*, event_id: int, became_paid: bool) -> None:
    """A type of a published event just became paid (added with a price, or raised from 0): the
    event must still pass the publishing rules of the apps above (``BCT_EVENT_PUBLISH_CHECKS``,
    e.g. payments: paid tickets need Stripe charges enabled), or the change is refused with the
    same error as publishing. Call inside the write's transaction, after the write."""
    if not became_paid:
        return
    event = Event.objects.select_related("organizer").get(pk=event_id)
    if event.status != EventStatus.PUBLISHED:
        return  # drafts are checked when published
    run_publish_checks(event)


def _capacity_refusal(ticket_type_id: int) -> Exception:
    sold = TicketType.objects.filter(pk=ticket_type_id).values_list("taken", flat=True).first()
    return capacity_error(sold or 0, per_type=True)


def _next_position(event: Event) -> int:
    last = TicketType.objects.filter(event=event).aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


def ticket_type_create(
    *,
    actor: Any,
    event: Event,
    name: str,
    price: int,
    capacity: int,
    description: str = "",
    sales_start: datetime | None = None,
    sales_end: datetime | None = None,
    min_per_order: int = 1,
    max_per_order: int = 10,
    hidden: bool = False,
    position: int | None = None,
) -> TicketType:
    """Add a ticket type to ``event``; ``price`` is in minor units of the event's currency.

    The currency is the organizer's default for the first type and then fixed: every type of an
    event shares one. A missing ``position`` puts the type last. Raises ``EventCancelled`` and
    ``TicketTypeInvalid``.
    """
    ensure_not_cancelled(event)
    values = _clean_ticket_type(
        name=name,
        description=description,
        price=price,
        capacity=capacity,
        sales_start=sales_start,
        sales_end=sales_end,
        min_per_order=min_per_order,
        max_per_order=max_per_order,
        hidden=hidden,
        position=position,
    )
    with transaction.atomic():
        # Serialise type creation per event so two first types cannot pick different currencies.
        locked = lock_event(event)
        ensure_not_cancelled(locked)
        if values["position"] is None:
            values["position"] = _next_position(locked)
        ticket_type = TicketType.objects.create(
            organizer=locked.organizer,
            event=locked,
            currency=event_currency(event=locked),
            **values,
        )
        _recheck_published_event(event_id=locked.pk, became_paid=ticket_type.price > 0)
        audit.record(
            actor=actor,
            action="events.ticket_type.created",
            organizer=locked.organizer,
            obj=ticket_type,
            data={"event_id": locked.pk, "name": ticket_type.name, "price": price}
            | {"currency": ticket_type.currency, "capacity": capacity},
        )
    return ticket_type


def ticket_type_update(
    *,
    actor: Any,
    ticket_type: TicketType,
    name: str,
    price: int,
    capacity: int,
    description: str = "",
    sales_start: datetime | None = None,
    sales_end: datetime | None = None,
    min_per_order: int = 1,
    max_per_order: int = 10,
    hidden: bool = False,
    position: int | None = None,
) -> TicketType:
    """Change a ticket type. Its currency never changes; a missing ``position`` keeps its place.

    Capacity is written with one conditional UPDATE (``WHERE taken <= capacity``), so it can
    never drop below seats a concurrent order just took; raises ``CapacityBelowTaken`` then, and
    ``EventCancelled`` / ``TicketTypeInvalid`` for the usual reasons.
    """
    ensure_not_cancelled(ticket_type.event)
    values = _clean_ticket_type(
        name=name,
        description=description,
        price=price,
        capacity=capacity,
        sales_start=sales_start,
        sales_end=sales_end,
        min_per_order=min_per_order,
        max_per_order=max_per_order,
        hidden=hidden,
        position=position,
    )
    if values["position"] is None:
        values["position"] = ticket_type.position
    before = {field: getattr(ticket_type, field) for field in TICKET_TYPE_INPUT_FIELDS}
    with transaction.atomic():
        updated = TicketType.objects.filter(pk=ticket_type.pk, taken__lte=capacity).update(
            **values, updated_at=clock.now()
        )
        if not updated:
            raise _capacity_refusal(ticket_type.pk)
        ticket_type.refresh_from_db()
        _recheck_published_event(
            event_id=ticket_type.event_id,
            became_paid=before["price"] <= 0 < ticket_type.price,
        )
        changed = sorted(
            f for f in TICKET_TYPE_INPUT_FIELDS if getattr(ticket_type, f) != before[f]
        )
        audit.record(
            actor=actor,
            action="events.ticket_type.updated",
            organizer=ticket_type.organizer,
            obj=ticket_type,
            data={"event_id": ticket_type.event_id, "changed": changed},
        )
    return ticket_type


def ticket_type_delete(*, actor: Any, ticket_type: TicketType) -> None:
    """Delete a ticket type nobody holds a seat of (one conditional DELETE ``WHERE taken = 0``).

    Raises ``TicketTypeHasSales`` when seats are taken and ``EventCancelled`` for a cancelled
    event (its history stays as it was).
    """
    ensure_not_cancelled(ticket_type.event)
    with transaction.atomic():
        deleted, _ = TicketType.objects.filter(pk=ticket_type.pk, taken=0).delete()
        if not deleted:
            raise TicketTypeHasSales()
        audit.record(
            actor=actor,
            action="events.ticket_type.deleted",
            organizer=ticket_type.organizer,
            obj=ticket_type,
            data={"event_id": ticket_type.event_id, "name": ticket_type.name},
        )
