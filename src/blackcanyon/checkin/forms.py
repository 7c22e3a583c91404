"""Forms of the organizer's check-in pages. They only parse input; the rules live in services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from blackcanyon.checkin.models import CheckInList

ALL, SOME = "all", "some"


class CheckInListForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="What door staff pick on the scanner, for example “Main entrance” or “VIP”.",
        error_messages={"required": "Give the list a name."},
    )
    which = forms.ChoiceField(
        label="Tickets admitted",
        choices=[
            (ALL, "Every ticket type (also types added later)"),
            (SOME, "Only the ticket types ticked below"),
        ],
        widget=forms.RadioSelect,
        initial=ALL,
    )
    ticket_types = forms.TypedMultipleChoiceField(
        label="Ticket types", required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    allow_reentry = forms.BooleanField(
        label="Allow re-entry (a ticket scanned out may come back in)", required=False
    )
    show_attendee_names = forms.BooleanField(
        label="Show attendee names to door staff", required=False
    )

    def __init__(self, *args: Any, ticket_types: Sequence[tuple[int, str]], **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["ticket_types"].choices = list(ticket_types)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("which") == SOME and not data.get("ticket_types"):
            self.add_error("ticket_types", "Tick at least one ticket type, or admit every type.")
        return data

    @staticmethod
    def initial_for(checkin_list: CheckInList, type_ids: Sequence[int]) -> dict[str, Any]:
        return {
            "name": checkin_list.name,
            "which": ALL if checkin_list.all_ticket_types else SOME,
            "ticket_types": list(type_ids),
            "allow_reentry": checkin_list.allow_reentry,
            "show_attendee_names": checkin_list.show_attendee_names,
        }

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        every = data["which"] == ALL
        return {
            "name": data["name"],
            "all_ticket_types": every,
            "ticket_type_ids": [] if every else data.get("ticket_types") or [],
            "allow_reentry": bool(data.get("allow_reentry")),
            "show_attendee_names": bool(data.get("show_attendee_names")),
        }


class DeviceForm(forms.Form):
    name = forms.CharField(
        label="Device name",
        max_length=100,
        help_text="So you recognise it later, for example “Handheld 3” or “Gate B tablet”.",
        error_messages={"required": "Give the device a name."},
    )
    checkin_list = forms.TypedChoiceField(
        label="Check-in list", coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, lists: Sequence[tuple[int, str]], **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        field = self.fields["checkin_list"]
        field.choices = [("", "Any list of this event"), *lists]  # type: ignore[attr-defined]
        field.help_text = "A device bound to one list cannot scan for the others."


class ScanFilterForm(forms.Form):
    checkin_list = forms.TypedChoiceField(
        label="List", coerce=int, required=False, empty_value=None
    )
    conflicts = forms.BooleanField(label="Only conflicts", required=False)

    def __init__(self, *args: Any, lists: Sequence[tuple[int, str]], **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["checkin_list"].choices = [("", "All lists"), *lists]  # type: ignore[attr-defined]

    def value(self, name: str) -> Any:
        return self.cleaned_data.get(name) if self.is_valid() else None
