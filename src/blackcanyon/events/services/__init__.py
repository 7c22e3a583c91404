"""Writes for events and ticket types. Every function validates, changes rows in one transaction
and writes its audit entry in that same transaction. Callers run in the organizer's tenant context
(an organizer page, or ``tenancy.scoped``)."""

from blackcanyon.events.services.events import (
    event_cancel,
    event_create,
    event_duplicate,
    event_publish,
    event_update,
)
from blackcanyon.events.services.ticket_types import (
    ticket_type_create,
    ticket_type_delete,
    ticket_type_update,
)

__all__ = [
    "event_cancel",
    "event_create",
    "event_duplicate",
    "event_publish",
    "event_update",
    "ticket_type_create",
    "ticket_type_delete",
    "ticket_type_update",
]
