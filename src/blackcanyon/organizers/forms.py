"""Forms for organizer pages. They parse input only; rules live in ``services``."""

from __future__ import annotations

from functools import cache
from typing import Any
from zoneinfo import available_timezones

from django import forms

from blackcanyon.core.countries import COUNTRIES
from blackcanyon.core.errors import DomainError
from blackcanyon.core.money import CURRENCY_CHOICES
from blackcanyon.organizers.models import Role
from blackcanyon.organizers.services import slug_validate

# Region prefixes of the canonical IANA zones offered in the select. Any valid zone (including
# aliases such as "US/Mountain") is still accepted when posted.
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

ChoiceList = list[tuple[str, Any]]


@cache
def timezone_choices() -> tuple[tuple[str, Any], ...]:
    """Time zones grouped by region for a ``<select>`` with ``<optgroup>``s."""
    zones = available_timezones()
    groups: ChoiceList = [("", "Choose a time zone"), ("UTC", "UTC")]
    for region in _REGIONS:
        members = sorted(z for z in zones if z.startswith(region + "/"))
        label = [(z, z.split("/", 1)[1].replace("_", " ").replace("/", " / ")) for z in members]
        groups.append((region, label))
    return tuple(groups)


def _flat_values(choices: tuple[tuple[str, Any], ...]) -> set[str]:
    values: set[str] = set()
    for value, label in choices:
        if isinstance(label, list):
            values.update(v for v, _ in label)
        else:
            values.add(value)
    return values


class TimezoneField(forms.CharField):
    """A select of common zones that still accepts any valid IANA zone name."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("widget", forms.Select(choices=timezone_choices()))
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and value not in available_timezones():
            raise forms.ValidationError(
                "Choose a valid time zone, such as America/Denver or Europe/Berlin.",
                code="invalid_timezone",
            )


class _OrganizerFields(forms.Form):
    name = forms.CharField(
        max_length=120, help_text="Shown to buyers on your event pages and tickets."
    )
    contact_email = forms.EmailField(
        label="Contact email", help_text="Where buyers can reach you; shown on receipts."
    )
    country = forms.ChoiceField(choices=[("", "Choose a country"), *COUNTRIES])
    default_currency = forms.ChoiceField(
        label="Default currency",
        choices=CURRENCY_CHOICES,
        initial="USD",
        help_text="Used for new ticket types; each event can still choose its own.",
    )
    timezone = TimezoneField(
        label="Time zone",
        help_text="Event times are shown in this zone unless an event says otherwise.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Keep a valid zone that is not in the select (e.g. an alias) selectable and selected.
        current = self.data.get("timezone") if self.is_bound else self.initial.get("timezone")
        widget = self.fields["timezone"].widget
        assert isinstance(widget, forms.Select)  # noqa: S101 - set in TimezoneField
        choices = timezone_choices()
        if current and current not in _flat_values(choices):
            widget.choices = [*choices, (current, current)]

    def add_domain_error(self, error: DomainError) -> None:
        """Show a service's refusal next to its field (or at the top of the form)."""
        add_domain_error(self, error)


class OrganizerCreateForm(_OrganizerFields):
    slug = forms.CharField(
        label="Web address",
        max_length=60,
        required=False,
        help_text="Your pages will live at /o/<address>/ and on public event links. Lowercase "
        "letters, digits and hyphens. Leave empty to make one from the name. It cannot be "
        "changed later.",
    )

    field_order = ("name", "slug", "contact_email", "country", "default_currency", "timezone")

    def clean_slug(self) -> str:
        # Format only, so every field's problem shows at once; uniqueness is the service's job.
        slug: str = self.cleaned_data["slug"]
        if not slug.strip():
            return ""
        try:
            return slug_validate(slug)
        except DomainError as error:
            raise forms.ValidationError(error.message, code=error.code) from None


class OrganizerSettingsForm(_OrganizerFields):
    pass


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.STAFF)

    def __init__(self, *args: Any, can_invite_owner: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_invite_owner:
            field = self.fields["role"]
            assert isinstance(field, forms.ChoiceField)  # noqa: S101
            field.choices = [c for c in Role.choices if c[0] != Role.OWNER]


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    if not error.fields:
        form.add_error(None, error.message)
        return
    for field, messages in error.fields.items():
        form.add_error(field if field in form.fields else None, messages)
