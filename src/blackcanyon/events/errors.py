"""Domain errors of the events app (see ``core.errors``). Messages are shown to organizers as is."""

from __future__ import annotations

from blackcanyon.core.errors import Conflict, NotFound, ValidationFailed


class EventNotFound(NotFound):
    code = "event_not_found"
    default_message = "Event not found."


class TicketTypeNotFound(NotFound):
    code = "ticket_type_not_found"
    default_message = "Ticket type not found."


class EventInvalid(ValidationFailed):
    """One or more event fields are invalid; ``fields`` names them."""

    code = "event_invalid"
    default_message = "Some event details need attention."


class TicketTypeInvalid(ValidationFailed):
    code = "ticket_type_invalid"
    default_message = "Some ticket type details need attention."


class InvalidImage(ValidationFailed):
    code = "event_image_invalid"
    default_message = "This file is not an image we can read."


class EventSlugTaken(Conflict):
    code = "event_slug_taken"
    default_message = "Another event of yours already uses this web address."


class EventNotDraft(Conflict):
    code = "event_not_draft"
    default_message = "Only draft events can be published."


class EventNotPublishable(ValidationFailed):
    code = "event_not_publishable"
    default_message = "This event cannot be published yet."


class EventCancelled(Conflict):
    code = "event_cancelled"
    default_message = "This event has been cancelled and can no longer be changed."


class TicketTypeHasSales(Conflict):
    code = "ticket_type_has_sales"
    default_message = (
        "Tickets of this type have been sold or are held in checkouts, so it cannot be deleted."
    )


class CapacityBelowTaken(Conflict):
    code = "capacity_below_taken"
    default_message = "Capacity cannot go below the tickets already sold."
