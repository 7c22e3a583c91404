"""Helpers shared by the event and ticket type services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from blackcanyon.events.errors import CapacityBelowTaken, EventCancelled
from blackcanyon.events.models import Event, EventStatus


def account(actor: Any) -> Any:
    """The actor as a ``created_by`` value (``None`` for system actors)."""
    return actor if getattr(actor, "is_authenticated", False) else None


def ensure_not_cancelled(event: Event) -> None:
    if event.status == EventStatus.CANCELLED:
        raise EventCancelled()


def capacity_error(sold: int, *, per_type: bool) -> CapacityBelowTaken:
    what = "of this type" if per_type else "for this event"
    message = (
        f"You have already sold {sold} ticket{'s' if sold != 1 else ''} {what}; "
        "capacity cannot go below that."
    )
    return CapacityBelowTaken(message, fields={"capacity": [message]})


def lock_event(event: Event) -> Event:
    """The event row, locked until COMMIT (orders lock it too), with its organizer."""
    return (
        Event.objects.select_for_update(of=("self",)).select_related("organizer").get(pk=event.pk)
    )


def run_publish_checks(event: Event) -> None:
    """The publishing rules of apps above this one (``settings.BCT_EVENT_PUBLISH_CHECKS``, e.g.
    payments: paid events need Stripe charges enabled), each ``check(*, event)`` raising a
    ``DomainError``."""
    for path in getattr(settings, "BCT_EVENT_PUBLISH_CHECKS", ()):
        import_string(path)(event=event)
