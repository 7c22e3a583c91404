"""Check-in API (``/api/v1/checkins/`` ...)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["check-in"])
