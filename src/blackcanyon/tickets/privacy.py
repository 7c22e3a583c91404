"""Personal data held by the tickets app: none (keys, secrets and ticket ids only)."""

from __future__ import annotations

PERSONAL_FIELDS: dict[str, dict[str, str]] = {}
