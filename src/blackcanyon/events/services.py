"""Writes for events and ticket types. Every function validates, changes rows in one transaction
and writes its audit entry in that same transaction. Callers run in the organizer's tenant context
(an organizer page, or ``tenancy.scoped``)."""

from __future__ import annotations

from datetime import datetime
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify

from blackcanyon.core import audit, clock
from blackcanyon.events import images, markdown
from blackcanyon.events.errors import (
    CapacityBelowTaken,
    EventCancelled,
    EventInvalid,
    EventNotDraft,
    EventNotPublishable,
    EventSlugTaken,
    TicketTypeHasSales,
    TicketTypeInvalid,
)
from blackcanyon.events.models import Event, EventStatus, TicketType
from blackcanyon.events.selectors import event_currency, event_taken_total
from blackcanyon.events.validation import SLUG_MAX, TITLE_MAX, event_errors, ticket_type_errors
from blackcanyon.organizers.models import Organizer

EVENT_FIELDS = (
    "title",
    "slug",
    "description",
    "description_html",
    "venue_name",
    "venue_address",
    "timezone",
    "starts_at",
    "ends_at",
    "capacity",
    "minimum_age",
)
TICKET_TYPE_FIELDS = (
    "name",
    "description",
    "price",
    "capacity",
    "sales_start",
    "sales_end",
    "min_per_order",
    "max_per_order",
    "hidden",
    "position",
)


# --- helpers -------------------------------------------------------------------------------------


def _unique_slug(*, organizer: Organizer, base: str, exclude_pk: int | None = None) -> str:
    base = (slugify(base)[: SLUG_MAX - 8].strip("-")) or "event"
    candidates = Event.objects.filter(organizer=organizer, slug__startswith=base)
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    taken = set(candidates.values_list("slug", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _slug_in_use(*, organizer: Organizer, slug: str, exclude_pk: int | None) -> bool:
    same = Event.objects.filter(organizer=organizer, slug=slug)
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    return same.exists()


def _slug_taken_error() -> EventSlugTaken:
    message = EventSlugTaken.default_message
    return EventSlugTaken(message, fields={"slug": [message]})


def _save_event(event: Event, **kwargs: Any) -> None:
    """Save inside a savepoint so a concurrent slug clash becomes a clear error, not a 500."""
    try:
        with transaction.atomic():
            event.save(**kwargs)
    except IntegrityError as exc:
        if "slug" in str(exc).lower():
            raise _slug_taken_error() from None
        raise


def _ensure_not_cancelled(event: Event) -> None:
    if event.status == EventStatus.CANCELLED:
        raise EventCancelled()


def _capacity_error(sold: int, *, per_type: bool) -> CapacityBelowTaken:
    what = "of this type" if per_type else "for this event"
    message = (
        f"You have already sold {sold} ticket{'s' if sold != 1 else ''} {what}; "
        "capacity cannot go below that."
    )
    return CapacityBelowTaken(message, fields={"capacity": [message]})


def _prepare_image(image: IO[bytes] | None) -> ContentFile[bytes] | None:
    if image is None:
        return None
    return images.prepare_event_image(image, size=getattr(image, "size", None))


# --- events -------------------------------------------------------------------------------------


def event_create(
    *,
    actor: Any,
    organizer: Organizer,
    title: str,
    timezone: str,
    starts_at: datetime,
    ends_at: datetime,
    slug: str = "",
    description: str = "",
    venue_name: str = "",
    venue_address: str = "",
    capacity: int | None = None,
    minimum_age: int | None = None,
    image: IO[bytes] | None = None,
) -> Event:
    """Create a draft event for ``organizer``.

    A blank ``slug`` is derived from the title and made unique; a given slug that another of the
    organizer's events uses raises ``EventSlugTaken``. The Markdown description is rendered and
    sanitized once here. Raises ``EventInvalid`` / ``InvalidImage`` with per-field messages.
    """
    title = title.strip()
    slug = slug.strip()
    errors = event_errors(
        title=title,
        slug=slug,
        description=description,
        venue_name=venue_name,
        timezone=timezone,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        minimum_age=minimum_age,
    )
    if errors:
        raise EventInvalid(fields=errors)
    prepared = _prepare_image(image)
    with transaction.atomic():
        if slug and _slug_in_use(organizer=organizer, slug=slug, exclude_pk=None):
            raise _slug_taken_error()
        event = Event(
            organizer=organizer,
            title=title,
            slug=slug or _unique_slug(organizer=organizer, base=title),
            description=description,
            description_html=markdown.render(description),
            venue_name=venue_name.strip(),
            venue_address=venue_address.strip(),
            timezone=timezone,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=capacity,
            minimum_age=minimum_age,
            status=EventStatus.DRAFT,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        if prepared is not None:
            event.image.save(prepared.name or "image.webp", prepared, save=False)
        _save_event(event, force_insert=True)
        audit.record(
            actor=actor,
            action="events.event.created",
            organizer=organizer,
            obj=event,
            data={"title": event.title, "slug": event.slug},
        )
    return event


def event_update(
    *,
    actor: Any,
    event: Event,
    title: str,
    timezone: str,
    starts_at: datetime,
    ends_at: datetime,
    slug: str = "",
    description: str = "",
    venue_name: str = "",
    venue_address: str = "",
    capacity: int | None = None,
    minimum_age: int | None = None,
    image: IO[bytes] | None = None,
    remove_image: bool = False,
) -> Event:
    """Change an event's details. A blank ``slug`` keeps the current one (links stay valid).

    Raises ``EventCancelled`` for a cancelled event, ``EventInvalid`` / ``InvalidImage`` for bad
    input, ``EventSlugTaken`` and ``CapacityBelowTaken`` (event-wide capacity under seats taken).
    """
    _ensure_not_cancelled(event)
    title = title.strip()
    slug = slug.strip() or event.slug
    errors = event_errors(
        title=title,
        slug=slug,
        description=description,
        venue_name=venue_name,
        timezone=timezone,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        minimum_age=minimum_age,
    )
    if errors:
        raise EventInvalid(fields=errors)
    prepared = _prepare_image(image)
    with transaction.atomic():
        # Lock the event so capacity is checked against a stable row (orders lock it too).
        locked = (
            Event.objects.select_for_update(of=("self",))
            .select_related("organizer")
            .get(pk=event.pk)
        )
        _ensure_not_cancelled(locked)
        if capacity is not None:
            sold = event_taken_total(event=locked)
            if capacity < sold:
                raise _capacity_error(sold, per_type=False)
        if slug != locked.slug and _slug_in_use(
            organizer=locked.organizer, slug=slug, exclude_pk=locked.pk
        ):
            raise _slug_taken_error()
        before = {name: getattr(locked, name) for name in EVENT_FIELDS}
        before_image = locked.image.name
        locked.title = title
        locked.slug = slug
        locked.description = description
        locked.description_html = markdown.render(description)
        locked.venue_name = venue_name.strip()
        locked.venue_address = venue_address.strip()
        locked.timezone = timezone
        locked.starts_at = starts_at
        locked.ends_at = ends_at
        locked.capacity = capacity
        locked.minimum_age = minimum_age
        if prepared is not None:
            locked.image.save(prepared.name or "image.webp", prepared, save=False)
        elif remove_image:
            locked.image = ""
        changed = sorted(name for name in EVENT_FIELDS if getattr(locked, name) != before[name])
        if locked.image.name != before_image:
            changed.append("image")
        _save_event(locked, update_fields=[*EVENT_FIELDS, "image"])
        audit.record(
            actor=actor,
            action="events.event.updated",
            organizer=locked.organizer,
            obj=locked,
            data={"changed": changed},
        )
    return locked


def event_duplicate(*, actor: Any, event: Event) -> Event:
    """Copy ``event`` as a new draft titled "… (copy)" with a fresh slug, and copy its ticket
    types with nothing taken. The image file is shared (stored files are never rewritten)."""
    with transaction.atomic():
        organizer = event.organizer
        title = f"{event.title[: TITLE_MAX - 7]} (copy)"
        copy = Event(
            organizer=organizer,
            title=title,
            slug=_unique_slug(organizer=organizer, base=f"{event.slug}-copy"),
            description=event.description,
            description_html=event.description_html,
            venue_name=event.venue_name,
            venue_address=event.venue_address,
            timezone=event.timezone,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            capacity=event.capacity,
            minimum_age=event.minimum_age,
            image=event.image.name,
            status=EventStatus.DRAFT,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        _save_event(copy, force_insert=True)
        types = [
            TicketType(
                organizer=organizer,
                event=copy,
                currency=source.currency,
                taken=0,
                **{name: getattr(source, name) for name in TICKET_TYPE_FIELDS},
            )
            for source in TicketType.objects.filter(event=event).order_by("position", "id")
        ]
        TicketType.objects.bulk_create(types)
        audit.record(
            actor=actor,
            action="events.event.duplicated",
            organizer=organizer,
            obj=copy,
            data={"source_event_id": event.pk, "ticket_types": len(types)},
        )
    return copy


def event_publish(*, actor: Any, event: Event) -> Event:
    """Put a draft on sale. Needs at least one ticket type and an end in the future.

    Raises ``EventCancelled``, ``EventNotDraft`` (already published) or ``EventNotPublishable``.
    """
    _ensure_not_cancelled(event)
    if event.status != EventStatus.DRAFT:
        raise EventNotDraft()
    now = clock.now()
    if event.ends_at <= now:
        raise EventNotPublishable(
            "This event has already ended. Change its dates before publishing."
        )
    with transaction.atomic():
        if not TicketType.objects.filter(event=event).exists():
            raise EventNotPublishable("Add at least one ticket type before publishing.")
        updated = Event.objects.filter(pk=event.pk, status=EventStatus.DRAFT).update(
            status=EventStatus.PUBLISHED, published_at=now, updated_at=now
        )
        if not updated:
            raise EventNotDraft()
        event.refresh_from_db()
        audit.record(
            actor=actor,
            action="events.event.published",
            organizer=event.organizer,
            obj=event,
            data={"title": event.title},
        )
    return event


def event_cancel(*, actor: Any, event: Event) -> Event:
    """Cancel a draft or published event for good: nothing is on sale from now on.

    Raises ``EventCancelled`` when it already is. (Refunds of existing orders belong to orders.)
    """
    now = clock.now()
    with transaction.atomic():
        updated = Event.objects.filter(
            pk=event.pk, status__in=[EventStatus.DRAFT, EventStatus.PUBLISHED]
        ).update(status=EventStatus.CANCELLED, cancelled_at=now, updated_at=now)
        if not updated:
            raise EventCancelled("This event is already cancelled.")
        previous = event.status
        event.refresh_from_db()
        audit.record(
            actor=actor,
            action="events.event.cancelled",
            organizer=event.organizer,
            obj=event,
            data={"previous_status": previous},
        )
    return event


# --- ticket types --------------------------------------------------------------------------------


def _ticket_type_checks(
    *,
    name: str,
    price: int,
    capacity: int,
    sales_start: datetime | None,
    sales_end: datetime | None,
    min_per_order: int,
    max_per_order: int,
    position: int | None,
) -> None:
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
    _ensure_not_cancelled(event)
    name = name.strip()
    _ticket_type_checks(
        name=name,
        price=price,
        capacity=capacity,
        sales_start=sales_start,
        sales_end=sales_end,
        min_per_order=min_per_order,
        max_per_order=max_per_order,
        position=position,
    )
    with transaction.atomic():
        # Serialise type creation per event so two first types cannot pick different currencies.
        locked = (
            Event.objects.select_for_update(of=("self",))
            .select_related("organizer")
            .get(pk=event.pk)
        )
        _ensure_not_cancelled(locked)
        if position is None:
            last = TicketType.objects.filter(event=locked).aggregate(last=Max("position"))["last"]
            position = 0 if last is None else last + 1
        ticket_type = TicketType.objects.create(
            organizer=locked.organizer,
            event=locked,
            name=name,
            description=description.strip(),
            price=price,
            currency=event_currency(event=locked),
            capacity=capacity,
            sales_start=sales_start,
            sales_end=sales_end,
            min_per_order=min_per_order,
            max_per_order=max_per_order,
            hidden=hidden,
            position=position,
        )
        audit.record(
            actor=actor,
            action="events.ticket_type.created",
            organizer=locked.organizer,
            obj=ticket_type,
            data={
                "event_id": locked.pk,
                "name": name,
                "price": price,
                "currency": ticket_type.currency,
                "capacity": capacity,
            },
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
    """Change a ticket type. Its currency never changes.

    Capacity is written with one conditional UPDATE (``WHERE taken <= capacity``), so it can
    never drop below seats a concurrent order just took; raises ``CapacityBelowTaken`` then, and
    ``EventCancelled`` / ``TicketTypeInvalid`` for the usual reasons.
    """
    _ensure_not_cancelled(ticket_type.event)
    name = name.strip()
    _ticket_type_checks(
        name=name,
        price=price,
        capacity=capacity,
        sales_start=sales_start,
        sales_end=sales_end,
        min_per_order=min_per_order,
        max_per_order=max_per_order,
        position=position,
    )
    values: dict[str, Any] = {
        "name": name,
        "description": description.strip(),
        "price": price,
        "capacity": capacity,
        "sales_start": sales_start,
        "sales_end": sales_end,
        "min_per_order": min_per_order,
        "max_per_order": max_per_order,
        "hidden": hidden,
        "position": ticket_type.position if position is None else position,
    }
    before = {field: getattr(ticket_type, field) for field in TICKET_TYPE_FIELDS}
    with transaction.atomic():
        updated = TicketType.objects.filter(pk=ticket_type.pk, taken__lte=capacity).update(
            **values, updated_at=clock.now()
        )
        if not updated:
            sold = (
                TicketType.objects.filter(pk=ticket_type.pk).values_list("taken", flat=True).first()
            )
            raise _capacity_error(sold or 0, per_type=True)
        ticket_type.refresh_from_db()
        changed = sorted(f for f in TICKET_TYPE_FIELDS if getattr(ticket_type, f) != before[f])
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
    _ensure_not_cancelled(ticket_type.event)
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
