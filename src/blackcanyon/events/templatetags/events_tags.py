"""Event times shown in the event's own time zone (with its abbreviation), and prices."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import template
from django.utils import dateformat

from blackcanyon.core.money import Money
from blackcanyon.core.timezones import format_in_zone, zone

register = template.Library()

DAY = "D, M j, Y"
TIME = "g:i A"
DASH = "\u2013"  # en dash between the two ends of a range


def _local(value: datetime, tz_name: str) -> datetime:
    return value.astimezone(zone(tz_name) or UTC)


def _fmt(value: datetime, pattern: str) -> str:
    return str(dateformat.format(value, pattern))


@register.filter
def in_zone(value: datetime | None, tz_name: str) -> str:
    """``Sat, Jul 4, 2026, 7:00 PM MDT`` for ``value`` in the zone ``tz_name``."""
    return format_in_zone(value, tz_name)


@register.simple_tag
def event_when(event: Any) -> str:
    """The event's date/time range in its time zone, compact when it starts and ends the same day:
    ``Sat, Jul 4, 2026, 7:00 PM - 10:00 PM MDT`` (with an en dash)."""
    start = _local(event.starts_at, event.timezone)
    end = _local(event.ends_at, event.timezone)
    start_zone, end_zone = _fmt(start, "T"), _fmt(end, "T")
    if start.date() == end.date():
        if start_zone == end_zone:
            return f"{_fmt(start, DAY)}, {_fmt(start, TIME)} {DASH} {_fmt(end, TIME)} {end_zone}"
        return (
            f"{_fmt(start, DAY)}, {_fmt(start, TIME)} {start_zone} {DASH} "
            f"{_fmt(end, TIME)} {end_zone}"
        )
    starts = in_zone(event.starts_at, event.timezone)
    return f"{starts} {DASH} {in_zone(event.ends_at, event.timezone)}"


@register.simple_tag
def event_start(event: Any) -> str:
    """When the event starts, in its time zone."""
    return in_zone(event.starts_at, event.timezone)


@register.filter
def money(amount: int | None, currency: str) -> str:
    """Minor units → ``$25.00``."""
    if amount is None or not currency:
        return ""
    return Money(int(amount), currency).format()
