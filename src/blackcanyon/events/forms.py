"""Forms turn typed text into values for the services; the services hold the rules.

Dates are typed in ``datetime-local`` inputs and mean wall-clock time *in the event's time zone*
(not the server's), so ``LocalDateTimeField`` keeps them naive and the form attaches the zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime

from blackcanyon.core.forms import TimezoneField
from blackcanyon.core.money import Money, exponent, parse_major
from blackcanyon.core.timezones import zone
from blackcanyon.events.models import Event, TicketType
from blackcanyon.events.validation import (
    EVENT_INPUT_FIELDS,
    MAX_AGE,
    MAX_CAPACITY,
    MAX_PER_ORDER,
    MAX_POSITION,
    NAME_MAX,
    SLUG_MAX,
    TICKET_TYPE_INPUT_FIELDS,
    TITLE_MAX,
    VENUE_MAX,
)

INPUT_FORMAT = "%Y-%m-%dT%H:%M"
IMAGE_ACCEPT = "image/jpeg,image/png,image/webp,image/gif"


def _number_messages(noun: str, *, minimum: int = 0) -> dict[str, str]:
    return {
        "invalid": f"Enter {noun} as a whole number.",
        "min_value": f"{noun.capitalize()} cannot be less than {minimum}.",
        "max_value": f"{noun.capitalize()} cannot be more than %(limit_value)s.",
    }


class LocalDateTimeField(forms.Field):
    """A ``datetime-local`` value kept as naive wall-clock time (the form applies the zone)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=INPUT_FORMAT)
    default_error_messages = {"invalid": "Enter a date and time, like 2026-07-04 19:30."}

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value
        try:
            parsed = parse_datetime(str(value).strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


def to_local_input(value: datetime | None, tz_name: str) -> datetime | None:
    """A stored (UTC) instant as naive wall-clock time in ``tz_name``, for a form's initial."""
    if value is None:
        return None
    tz = zone(tz_name) or UTC
    return value.astimezone(tz).replace(tzinfo=None)


def attach_zone(value: datetime, tz: ZoneInfo) -> datetime | None:
    """Wall-clock time in ``tz`` → aware datetime; ``None`` for a time skipped by a DST change."""
    if value.tzinfo is not None:
        return value
    aware = value.replace(tzinfo=tz)
    round_trip = aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return aware if round_trip == value else None


def _localize_pair(
    form: forms.Form, tz: ZoneInfo, tz_name: str, start_field: str, end_field: str
) -> None:
    for name in (start_field, end_field):
        value = form.cleaned_data.get(name)
        if value is None:
            continue
        aware = attach_zone(value, tz)
        if aware is None:
            form.add_error(name, f"That time does not exist in {tz_name} (the clocks change).")
        else:
            form.cleaned_data[name] = aware


class EventForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX)
    slug = forms.CharField(
        label="Web address",
        max_length=SLUG_MAX,
        required=False,
        help_text="The last part of the event's link. Leave empty to make one from the title.",
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text="Markdown: **bold**, *italic*, [links](https://example.com), lists, headings.",
    )
    venue_name = forms.CharField(label="Venue name", max_length=VENUE_MAX, required=False)
    venue_address = forms.CharField(
        label="Venue address", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    timezone = TimezoneField(
        label="Time zone",
        help_text="Start and end times are in this time zone.",
        error_messages={"invalid_timezone": "Choose a valid time zone."},
    )
    starts_at = LocalDateTimeField(
        label="Starts", error_messages={"required": "Enter when the event starts."}
    )
    ends_at = LocalDateTimeField(
        label="Ends", error_messages={"required": "Enter when the event ends."}
    )
    capacity = forms.IntegerField(
        label="Event capacity",
        required=False,
        min_value=0,
        max_value=MAX_CAPACITY,
        help_text="Most tickets sold over all ticket types together.",
        error_messages=_number_messages("capacity"),
    )
    minimum_age = forms.IntegerField(
        label="Minimum age",
        required=False,
        min_value=0,
        max_value=MAX_AGE,
        help_text="Buyers and guests must be at least this old (ID checked at the door).",
        error_messages=_number_messages("minimum age"),
    )
    image = forms.FileField(
        required=False,
        widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT}),
        help_text="JPEG, PNG, WebP or GIF, up to 5 MB. Shown 16:9 on the event page.",
    )
    remove_image = forms.BooleanField(label="Remove the current image", required=False)

    def __init__(self, *args: Any, has_image: bool = False, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if not has_image:
            del self.fields["remove_image"]

    @staticmethod
    def initial_for(event: Event) -> dict[str, Any]:
        """The edit form's starting values; times as wall-clock time in the event's zone."""
        initial = {name: getattr(event, name) for name in EVENT_INPUT_FIELDS}
        initial["starts_at"] = to_local_input(event.starts_at, event.timezone)
        initial["ends_at"] = to_local_input(event.ends_at, event.timezone)
        return initial

    def service_kwargs(self) -> dict[str, Any]:
        """The cleaned values as keyword arguments of ``event_create`` / ``event_update``."""
        data = {name: self.cleaned_data.get(name) for name in EVENT_INPUT_FIELDS}
        for text in ("slug", "description", "venue_name", "venue_address"):
            data[text] = data[text] or ""
        return {**data, "image": self.cleaned_data.get("image")}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        tz_name = cleaned.get("timezone") or ""
        tz = zone(tz_name)
        if tz is None:
            if "timezone" not in self.errors:
                self.add_error("timezone", "Choose a valid time zone.")
            return cleaned
        _localize_pair(self, tz, tz_name, "starts_at", "ends_at")
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if (
            isinstance(starts_at, datetime)
            and isinstance(ends_at, datetime)
            and starts_at.tzinfo is not None
            and ends_at.tzinfo is not None
            and ends_at <= starts_at
        ):
            self.add_error("ends_at", "The event must end after it starts.")
        return cleaned


class TicketTypeForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    price = forms.CharField(max_length=20)
    capacity = forms.IntegerField(
        min_value=0,
        max_value=MAX_CAPACITY,
        help_text="How many tickets of this type can be sold.",
        error_messages={**_number_messages("capacity"), "required": "Enter a capacity."},
    )
    sales_start = LocalDateTimeField(
        label="Sales start", required=False, help_text="Empty: on sale once published."
    )
    sales_end = LocalDateTimeField(
        label="Sales end", required=False, help_text="Empty: until the event ends."
    )
    min_per_order = forms.IntegerField(
        label="Minimum per order",
        min_value=1,
        max_value=MAX_PER_ORDER,
        initial=1,
        error_messages=_number_messages("the minimum per order", minimum=1),
    )
    max_per_order = forms.IntegerField(
        label="Maximum per order",
        min_value=1,
        max_value=MAX_PER_ORDER,
        initial=10,
        error_messages=_number_messages("the maximum per order", minimum=1),
    )
    hidden = forms.BooleanField(label="Hidden (not shown on the public event page)", required=False)
    position = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_POSITION,
        help_text="Lower numbers are listed first.",
        error_messages=_number_messages("position"),
    )

    def __init__(self, *args: Any, currency: str, event_timezone: str, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.event_timezone = event_timezone
        example = Money(2500 * 10 ** max(exponent(currency) - 2, 0), currency).to_decimal()
        self.fields["price"].label = f"Price ({currency})"
        self.fields["price"].help_text = f"For example {example}. Use 0 for free tickets."
        self.fields["sales_start"].help_text += f" Times are in {event_timezone}."

    @staticmethod
    def initial_for(ticket_type: TicketType, *, event_timezone: str) -> dict[str, Any]:
        """The edit form's starting values: the price as typed, times in the event's zone."""
        initial = {name: getattr(ticket_type, name) for name in TICKET_TYPE_INPUT_FIELDS}
        initial["price"] = str(Money(ticket_type.price, ticket_type.currency).to_decimal())
        initial["sales_start"] = to_local_input(ticket_type.sales_start, event_timezone)
        initial["sales_end"] = to_local_input(ticket_type.sales_end, event_timezone)
        return initial

    def service_kwargs(self) -> dict[str, Any]:
        """The cleaned values as keyword arguments of ``ticket_type_create`` / ``_update``."""
        data = {name: self.cleaned_data.get(name) for name in TICKET_TYPE_INPUT_FIELDS}
        data["description"] = data["description"] or ""
        return data

    def clean_price(self) -> int:
        text = self.cleaned_data.get("price", "")
        try:
            amount = parse_major(text, self.currency)
        except (ValueError, ArithmeticError) as exc:
            if "decimals" in str(exc):
                places = exponent(self.currency)
                raise ValidationError(
                    f"{self.currency} prices have at most {places} decimal places."
                ) from None
            raise ValidationError("Enter a price like 25.00.") from None
        if amount < 0:
            raise ValidationError("Price cannot be negative.")
        return amount

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        tz = zone(self.event_timezone) or ZoneInfo("UTC")
        _localize_pair(self, tz, self.event_timezone, "sales_start", "sales_end")
        start, end = cleaned.get("sales_start"), cleaned.get("sales_end")
        if (
            isinstance(start, datetime)
            and isinstance(end, datetime)
            and start.tzinfo is not None
            and end.tzinfo is not None
            and end <= start
        ):
            self.add_error("sales_end", "Sales must end after they start.")
        low, high = cleaned.get("min_per_order"), cleaned.get("max_per_order")
        if isinstance(low, int) and isinstance(high, int) and high < low:
            self.add_error(
                "max_per_order", "The maximum per order cannot be less than the minimum."
            )
        return cleaned
