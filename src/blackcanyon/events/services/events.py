"""Writes for events: create, update, duplicate, publish, cancel."""

from __future__ import annotations

from datetime import datetime
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from blackcanyon.core import audit, clock
from blackcanyon.events import images, markdown
from blackcanyon.events.errors import (
    EventCancelled,
    EventInvalid,
    EventNotDraft,
    EventNotPublishable,
    EventSlugTaken,
)
from blackcanyon.events.models import Event, EventStatus, TicketType
from blackcanyon.events.selectors import event_taken_total
from blackcanyon.events.services._common import (
    account,
    capacity_error,
    ensure_not_cancelled,
    lock_event,
    run_publish_checks,
)
from blackcanyon.events.validation import (
    EVENT_INPUT_FIELDS,
    SLUG_MAX,
    TICKET_TYPE_INPUT_FIELDS,
    TITLE_MAX,
    event_errors,
)
from blackcanyon.organizers.models import Organizer

# An event's stored fields an update writes (and compares for the audit entry).
EVENT_FIELDS = (*EVENT_INPUT_FIELDS, "description_html")


def _unique_slug(*, organizer: Organizer, base: str) -> str:
    base = (slugify(base)[: SLUG_MAX - 8].strip("-")) or "event"
    candidates = Event.objects.filter(organizer=organizer, slug__startswith=base)
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


def _prepare_image(image: IO[bytes] | None) -> ContentFile[bytes] | None:
    if image is None:
        return None
    return images.prepare_event_image(image, size=getattr(image, "size", None))


def _clean_event(
    *,
    title: str,
    slug: str,
    description: str,
    venue_name: str,
    venue_address: str,
    timezone: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int | None,
    minimum_age: int | None,
) -> dict[str, Any]:
    """Validate an event's fields; return them as stored (trimmed, description rendered).

    Raises ``EventInvalid`` with per-field messages. An empty ``slug`` stays empty.
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
    return {
        "title": title,
        "slug": slug,
        "description": description,
        "description_html": markdown.render(description),
        "venue_name": venue_name.strip(),
        "venue_address": venue_address.strip(),
        "timezone": timezone,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "capacity": capacity,
        "minimum_age": minimum_age,
    }


def _check_event_capacity(event: Event, capacity: int | None) -> None:
    """Refuse an event-wide capacity below the seats already taken (call with the row locked)."""
    if capacity is None:
        return
    sold = event_taken_total(event=event)
    if capacity < sold:
        raise capacity_error(sold, per_type=False)


def _apply_event_changes(
    event: Event,
    values: dict[str, Any],
    *,
    image: ContentFile[bytes] | None,
    remove_image: bool,
) -> list[str]:
    """Set ``values`` (and the image) on ``event``; return the names of the fields that changed."""
    before = {name: getattr(event, name) for name in EVENT_FIELDS}
    before_image = event.image.name
    for name, value in values.items():
        setattr(event, name, value)
    if image is not None:
        event.image.save(image.name or "image.webp", image, save=False)
    elif remove_image:
        event.image = ""
    changed = sorted(name for name in EVENT_FIELDS if getattr(event, name) != before[name])
    if event.image.name != before_image:
        changed.append("image")
    return changed


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
    values = _clean_event(
        title=title,
        slug=slug,
        description=description,
        venue_name=venue_name,
        venue_address=venue_address,
        timezone=timezone,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        minimum_age=minimum_age,
    )
    prepared = _prepare_image(image)
    with transaction.atomic():
        if not values["slug"]:
            values["slug"] = _unique_slug(organizer=organizer, base=values["title"])
        elif _slug_in_use(organizer=organizer, slug=values["slug"], exclude_pk=None):
            raise _slug_taken_error()
        event = Event(
            organizer=organizer, status=EventStatus.DRAFT, created_by=account(actor), **values
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
    ensure_not_cancelled(event)
    values = _clean_event(
        title=title,
        slug=slug.strip() or event.slug,
        description=description,
        venue_name=venue_name,
        venue_address=venue_address,
        timezone=timezone,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        minimum_age=minimum_age,
    )
    prepared = _prepare_image(image)
    with transaction.atomic():
        locked = lock_event(event)
        ensure_not_cancelled(locked)
        _check_event_capacity(locked, capacity)
        if values["slug"] != locked.slug and _slug_in_use(
            organizer=locked.organizer, slug=values["slug"], exclude_pk=locked.pk
        ):
            raise _slug_taken_error()
        changed = _apply_event_changes(locked, values, image=prepared, remove_image=remove_image)
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
            created_by=account(actor),
        )
        _save_event(copy, force_insert=True)
        types = [
            TicketType(
                organizer=organizer,
                event=copy,
                currency=source.currency,
                taken=0,
                **{name: getattr(source, name) for name in TICKET_TYPE_INPUT_FIELDS},
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
    """Put a draft on sale. Needs at least one ticket type, an end in the future, and whatever
    ``settings.BCT_EVENT_PUBLISH_CHECKS`` require.

    Raises ``EventCancelled``, ``EventNotDraft`` (already published), ``EventNotPublishable`` or
    a check's error (``payments.errors.PaidEventNeedsStripe``).
    """
    ensure_not_cancelled(event)
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
        run_publish_checks(event)
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
