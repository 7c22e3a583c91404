"""Field rules for events and ticket types, shared by the services (the authority) and the forms
(which only convert typed text). Each check returns ``{field: [message, ...]}``."""

from __future__ import annotations

import re
from datetime import datetime

from blackcanyon.core.timezones import zone

SLUG_MAX = 80
TITLE_MAX = 200
NAME_MAX = 120
VENUE_MAX = 200
DESCRIPTION_MAX = 20_000
MAX_CAPACITY = 1_000_000
MAX_PRICE_MINOR = 100_000_000
MAX_PER_ORDER = 1_000
MAX_AGE = 99
MAX_POSITION = 10_000
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# What an organizer types for an event and a ticket type (forms, services and audit use these).
EVENT_INPUT_FIELDS = (
    "title",
    "slug",
    "description",
    "venue_name",
    "venue_address",
    "timezone",
    "starts_at",
    "ends_at",
    "capacity",
    "minimum_age",
)
TICKET_TYPE_INPUT_FIELDS = (
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

Errors = dict[str, list[str]]


def add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _check_aware(errors: Errors, field: str, value: datetime | None) -> None:
    if value is not None and value.tzinfo is None:
        add(errors, field, "Enter a date and time with its time zone.")


def event_errors(
    *,
    title: str,
    slug: str,
    description: str,
    venue_name: str,
    timezone: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int | None,
    minimum_age: int | None,
) -> Errors:
    errors: Errors = {}
    if not title.strip():
        add(errors, "title", "Give the event a title.")
    elif len(title) > TITLE_MAX:
        add(errors, "title", f"The title can be at most {TITLE_MAX} characters.")
    if slug and (len(slug) > SLUG_MAX or not SLUG_RE.match(slug)):
        add(errors, "slug", f"Use lowercase letters, digits and hyphens (at most {SLUG_MAX}).")
    if len(description) > DESCRIPTION_MAX:
        limit = f"{DESCRIPTION_MAX:,}"
        add(errors, "description", f"The description can be at most {limit} characters.")
    if len(venue_name) > VENUE_MAX:
        add(errors, "venue_name", f"The venue name can be at most {VENUE_MAX} characters.")
    if zone(timezone) is None:
        add(errors, "timezone", "Choose a valid time zone.")
    _check_aware(errors, "starts_at", starts_at)
    _check_aware(errors, "ends_at", ends_at)
    if "starts_at" not in errors and "ends_at" not in errors and ends_at <= starts_at:
        add(errors, "ends_at", "The event must end after it starts.")
    if capacity is not None and not 0 <= capacity <= MAX_CAPACITY:
        add(errors, "capacity", f"Capacity must be between 0 and {MAX_CAPACITY:,}.")
    if minimum_age is not None and not 0 <= minimum_age <= MAX_AGE:
        add(errors, "minimum_age", f"Minimum age must be between 0 and {MAX_AGE}.")
    return errors


def ticket_type_errors(
    *,
    name: str,
    price: int,
    capacity: int,
    sales_start: datetime | None,
    sales_end: datetime | None,
    min_per_order: int,
    max_per_order: int,
    position: int | None,
) -> Errors:
    errors: Errors = {}
    if not name.strip():
        add(errors, "name", "Give the ticket type a name.")
    elif len(name) > NAME_MAX:
        add(errors, "name", f"The name can be at most {NAME_MAX} characters.")
    if price < 0:
        add(errors, "price", "Price cannot be negative.")
    elif price > MAX_PRICE_MINOR:
        add(errors, "price", "That price is too high.")
    if not 0 <= capacity <= MAX_CAPACITY:
        add(errors, "capacity", f"Capacity must be between 0 and {MAX_CAPACITY:,}.")
    _check_aware(errors, "sales_start", sales_start)
    _check_aware(errors, "sales_end", sales_end)
    if (
        sales_start is not None
        and sales_end is not None
        and not errors.keys() & {"sales_start", "sales_end"}
        and sales_end <= sales_start
    ):
        add(errors, "sales_end", "Sales must end after they start.")
    if min_per_order < 1:
        add(errors, "min_per_order", "The minimum per order must be at least 1.")
    if max_per_order > MAX_PER_ORDER:
        add(errors, "max_per_order", f"The maximum per order can be at most {MAX_PER_ORDER:,}.")
    elif max_per_order < max(min_per_order, 1):
        add(errors, "max_per_order", "The maximum per order cannot be less than the minimum.")
    if position is not None and not 0 <= position <= MAX_POSITION:
        add(errors, "position", f"Position must be between 0 and {MAX_POSITION:,}.")
    return errors
