"""Forms for organizer pages. They parse input only; rules live in ``services``."""

from __future__ import annotations

from typing import Any

from django import forms

from blackcanyon.core.countries import COUNTRIES
from blackcanyon.core.errors import DomainError
from blackcanyon.core.forms import TimezoneField
from blackcanyon.core.money import CURRENCY_CHOICES
from blackcanyon.organizers.models import Role
from blackcanyon.organizers.services import slug_validate


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
