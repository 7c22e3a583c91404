"""Refusals around a buyer's tickets and their re-issue, each with a stable code."""

from __future__ import annotations

from blackcanyon.core.errors import Conflict, NotFound


class TicketNotFound(NotFound):
    code = "ticket_not_found"
    default_message = "That ticket is not part of this order."


class TicketNotReissuable(Conflict):
    code = "ticket_not_reissuable"
    default_message = "Only a valid ticket of a paid order can be re-issued."


class TicketsNotAvailable(NotFound):
    code = "tickets_not_available"
    default_message = "This order has no tickets to download."
