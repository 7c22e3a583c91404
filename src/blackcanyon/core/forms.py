"""Form helpers every app shares: showing a service's ``DomainError`` on a form, and the time zone
field. Forms only parse input; the rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms

from blackcanyon.core.errors import DomainError
from blackcanyon.core.timezones import is_timezone, timezone_choice_values, timezone_choices


def add_domain_error(
    form: forms.Form, error: DomainError, field_map: dict[str, str] | None = None
) -> None:
    """Show a service's refusal next to the fields it names (or at the top of the form).

    ``field_map`` renames the service's field names to the form's (``password`` → ``password1``).
    Messages for fields the form does not have go to the top; an error naming no field shows its
    message there. What the user typed stays in the bound form.
    """
    field_map = field_map or {}
    placed = False
    for name, messages in error.fields.items():
        target = field_map.get(name, name)
        for message in messages:
            form.add_error(target if target in form.fields else None, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


class TimezoneSelect(forms.Select):
    """Zones grouped by region. A valid zone that is not in the list (an alias such as
    ``US/Mountain``) is added, so a saved value stays selected."""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        choices: list[Any] = list(timezone_choices())
        current = value[0] if isinstance(value, list | tuple) and value else value
        if isinstance(current, str) and current and current not in timezone_choice_values():
            choices.append((current, current))
        self.choices = choices
        return super().get_context(name, value, attrs)


class TimezoneField(forms.CharField):
    """A select of common zones that still accepts any valid IANA zone name."""

    widget = TimezoneSelect
    default_error_messages = {
        "invalid_timezone": "Choose a valid time zone, such as America/Denver or Europe/Berlin."
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and not is_timezone(value):
            raise forms.ValidationError(
                self.error_messages["invalid_timezone"], code="invalid_timezone"
            )
