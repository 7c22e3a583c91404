"""Check-in tests start with empty rate-limit counters."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()
