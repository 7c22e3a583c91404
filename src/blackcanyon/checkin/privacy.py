"""Personal data held by the check-in app."""

from __future__ import annotations

PERSONAL_FIELDS: dict[str, dict[str, str]] = {}
