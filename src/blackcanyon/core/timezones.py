"""IANA time zones a person may choose, for every form and service that takes one.

The zone database is read once (lazily, on first use), never at import time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.utils import dateformat

# Zone names that are valid files but not places a person would pick.
_ODD_ZONES = ("posix/", "right/", "Factory", "localtime", "posixrules")
# Region prefixes of the canonical zones offered in a select. Any valid zone (including aliases
# such as "US/Mountain") is still accepted when posted.
_REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)

Choices = tuple[tuple[str, str | list[tuple[str, str]]], ...]


@cache
def timezone_names() -> frozenset[str]:
    """Every zone name we accept."""
    return frozenset(z for z in available_timezones() if not z.startswith(_ODD_ZONES))


def is_timezone(name: str) -> bool:
    return name in timezone_names()


def zone(name: str) -> ZoneInfo | None:
    """The zone called ``name``, or ``None`` if it is not one we accept."""
    if not is_timezone(name):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@cache
def timezone_choices() -> Choices:
    """Canonical zones grouped by region for a ``<select>`` with ``<optgroup>``s."""
    names = timezone_names()
    groups: list[tuple[str, str | list[tuple[str, str]]]] = [
        ("", "Choose a time zone"),
        ("UTC", "UTC"),
    ]
    for region in _REGIONS:
        members = sorted(z for z in names if z.startswith(region + "/"))
        label = [(z, z.split("/", 1)[1].replace("_", " ").replace("/", " / ")) for z in members]
        groups.append((region, label))
    return tuple(groups)


@cache
def timezone_choice_values() -> frozenset[str]:
    """The zone names ``timezone_choices`` offers."""
    values: set[str] = set()
    for value, label in timezone_choices():
        if isinstance(label, list):
            values.update(v for v, _ in label)
        else:
            values.add(value)
    return frozenset(values)


DATE_PATTERN = "D, M j, Y"
TIME_PATTERN = "g:i A"


def format_in_zone(value: datetime | None, tz_name: str) -> str:
    """``Sat, Jul 4, 2026, 7:00 PM MDT``: ``value`` shown in the zone ``tz_name``."""
    if value is None:
        return ""
    local = value.astimezone(zone(tz_name) or UTC)
    return (
        f"{dateformat.format(local, DATE_PATTERN)}, {dateformat.format(local, TIME_PATTERN)} "
        f"{dateformat.format(local, 'T')}"
    )
