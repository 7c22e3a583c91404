"""Forms of the organizer's order and code pages: they parse typed text, the services hold the
rules.

Code validity times are typed as wall-clock time in the event's time zone (like ticket sales
windows); amounts in major units of the event's currency ("5.00").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError

from blackcanyon.core.money import Money, exponent, parse_major
from blackcanyon.core.timezones import zone
from blackcanyon.events.forms import LocalDateTimeField, attach_zone, to_local_input
from blackcanyon.orders.models import DiscountCode, DiscountKind, OrderStatus
from blackcanyon.orders.services.discounts import code_problems, value_problems

SEARCH_MAX = 200
REASON_MAX = 500


class OrderFilterForm(forms.Form):
    """The orders list's search box and filters (GET). Invalid values are simply ignored."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=SEARCH_MAX,
        help_text="Order code, buyer email or buyer name.",
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "All statuses"), *OrderStatus.choices]
    )
    event = forms.TypedChoiceField(label="Event", required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, events: Sequence[tuple[int, str]] = (), **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["event"].choices = [("", "All events"), *events]  # type: ignore[attr-defined]
        if not events:
            del self.fields["event"]

    def value(self, name: str) -> Any:
        """The cleaned value of ``name`` when it was valid, else empty."""
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name)


class OrderCancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the order's history for your team; not sent to the buyer.",
    )

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class DiscountCodeForm(forms.Form):
    code = forms.CharField(
        max_length=60,
        help_text=(
            "3 to 40 letters or digits; dashes allowed. Buyers may type it in any case, "
            "with or without the dashes."
        ),
        error_messages={"required": "Enter a code."},
    )
    kind = forms.ChoiceField(label="Kind", choices=DiscountKind.choices)
    value = forms.CharField(label="Value", required=False, max_length=20)
    ticket_types = forms.TypedMultipleChoiceField(
        label="Ticket types",
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every ticket type of the event.",
    )
    unlocks_hidden = forms.BooleanField(
        label="Unlocks hidden ticket types (buyers who enter it can buy them)", required=False
    )
    max_redemptions = forms.IntegerField(
        label="Maximum uses",
        required=False,
        help_text="How many orders can use the code. Empty: no limit.",
        error_messages={"invalid": "Enter the maximum uses as a whole number."},
    )
    valid_from = LocalDateTimeField(label="Valid from", required=False)
    valid_until = LocalDateTimeField(label="Valid until", required=False)

    def __init__(
        self,
        *args: Any,
        currency: str,
        event_timezone: str,
        ticket_types: Sequence[tuple[int, str]],
        **kwargs: Any,
    ):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.event_timezone = event_timezone
        self.fields["ticket_types"].choices = list(ticket_types)  # type: ignore[attr-defined]
        example = Money(500 * 10 ** max(exponent(currency) - 2, 0), currency).to_decimal()
        self.fields["value"].help_text = (
            f"Percentage off (for example 10), or the amount off each ticket in {currency} "
            f"(for example {example}). Leave empty for an access code."
        )
        self.fields[
            "valid_from"
        ].help_text = f"Empty: valid at once. Times are in {event_timezone}."
        self.fields["valid_until"].help_text = "Empty: until sales end."

    @staticmethod
    def initial_for(
        code: DiscountCode, *, type_ids: Sequence[int], currency: str, event_timezone: str
    ) -> dict[str, Any]:
        """The edit form's starting values: the value as typed, times in the event's zone."""
        if code.kind == DiscountKind.PERCENT:
            value = str(code.value)
        elif code.kind == DiscountKind.FIXED:
            value = str(Money(code.value, currency).to_decimal())
        else:
            value = ""
        return {
            "code": code.code,
            "kind": code.kind,
            "value": value,
            "ticket_types": list(type_ids),
            "unlocks_hidden": code.unlocks_hidden,
            "max_redemptions": code.max_redemptions,
            "valid_from": to_local_input(code.valid_from, event_timezone),
            "valid_until": to_local_input(code.valid_until, event_timezone),
        }

    def service_kwargs(self) -> dict[str, Any]:
        """The cleaned values as keyword arguments of ``discount_code_create`` / ``_update``."""
        data = self.cleaned_data
        return {
            "code": data["code"],
            "kind": data["kind"],
            "value": data.get("value_amount", 0),
            "ticket_type_ids": data.get("ticket_types") or [],
            "unlocks_hidden": bool(data.get("unlocks_hidden")),
            "max_redemptions": data.get("max_redemptions"),
            "valid_from": data.get("valid_from"),
            "valid_until": data.get("valid_until"),
        }

    def _amount(self, kind: str, text: str) -> int:
        text = text.strip()
        if kind == DiscountKind.PERCENT:
            if not text:
                raise ValidationError("Enter the percentage off, like 10.")
            number = text.removesuffix("%").strip()
            if not number.isdigit():
                raise ValidationError("Enter the percentage as a whole number, like 10.")
            return int(number)
        if not text:
            if kind == DiscountKind.FIXED:
                raise ValidationError(f"Enter the amount off each ticket in {self.currency}.")
            return 0
        try:
            return parse_major(text, self.currency)
        except (ValueError, ArithmeticError) as exc:
            if "decimals" in str(exc):
                places = exponent(self.currency)
                raise ValidationError(
                    f"{self.currency} amounts have at most {places} decimal places."
                ) from None
            raise ValidationError(f"Enter an amount in {self.currency}, like 5.00.") from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The service checks these rules again; running them here too shows every problem at
        # once instead of one round trip per stage.
        if cleaned.get("code"):
            for message in code_problems(cleaned["code"])[1]:
                self.add_error("code", message)
        kind = cleaned.get("kind")
        if kind:
            try:
                cleaned["value_amount"] = self._amount(kind, cleaned.get("value") or "")
            except ValidationError as error:
                self.add_error("value", error)
            else:
                problems = value_problems(
                    kind=kind,
                    value=cleaned["value_amount"],
                    unlocks_hidden=bool(cleaned.get("unlocks_hidden")),
                )
                for name, messages in problems.items():
                    for message in messages:
                        self.add_error(name, message)
        tz = zone(self.event_timezone) or ZoneInfo("UTC")
        for name in ("valid_from", "valid_until"):
            value = cleaned.get(name)
            if isinstance(value, datetime):
                aware = attach_zone(value, tz)
                if aware is None:
                    self.add_error(
                        name, f"That time does not exist in {self.event_timezone} (clocks change)."
                    )
                else:
                    cleaned[name] = aware
        return cleaned
