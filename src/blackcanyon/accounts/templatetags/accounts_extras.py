from __future__ import annotations

from datetime import timedelta

from django import template

from blackcanyon.accounts.services import duration_text

register = template.Library()


@register.filter
def duration(value: timedelta | int | None) -> str:
    """``timedelta(minutes=15)`` → "15 minutes" (lockout page)."""
    if value is None:
        return ""
    seconds = int(value.total_seconds()) if isinstance(value, timedelta) else int(value)
    return duration_text(seconds)
