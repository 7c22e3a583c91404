"""How a ticket's facts read on the order page, in the PDF and in emails (no heavy imports: the
web process renders these on every order page; the PDF library loads only where PDFs are made)."""

from __future__ import annotations

from blackcanyon.core.timezones import format_in_zone
from blackcanyon.events.models import Event


def manual_entry_code(secret: str) -> str:
    """The ticket secret as door staff type it: ``ABCD EFGH IJKLM``."""
    return f"{secret[:4]} {secret[4:8]} {secret[8:]}".strip()


def event_when_text(event: Event) -> str:
    """The event's dates in its time zone, compact on one day: ``Thu, Jul 4, 2030, 7:30 PM -
    10:00 PM MDT``; across days both ends in full."""
    starts = format_in_zone(event.starts_at, event.timezone)
    ends = format_in_zone(event.ends_at, event.timezone)
    start_day, _, start_rest = starts.rpartition(", ")
    end_day, _, end_rest = ends.rpartition(", ")
    start_time, _, start_zone = start_rest.rpartition(" ")
    end_zone = end_rest.rpartition(" ")[2]
    if start_day == end_day and start_zone == end_zone:
        return f"{start_day}, {start_time} \N{EN DASH} {end_rest}"
    return f"{starts} \N{EN DASH} {ends}"


def id_check_label(event: Event) -> str:
    """``ID check 18+`` when the event has a minimum age, else ``""``."""
    return f"ID check {event.minimum_age}+" if event.minimum_age else ""


def venue_lines(event: Event) -> list[str]:
    """The venue's name and address, one non-empty line each."""
    lines = [event.venue_name, *event.venue_address.splitlines()]
    return [" ".join(line.split()) for line in lines if line.strip()]
