"""Payments tests: fresh rate-limit counters, and the stubbed Stripe API (``stripe_stub``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.payments.stripe_stubs import stripe_stub

__all__ = ["stripe_stub"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    # Rate-limit counters live in the cache, which outlives a test's database transaction.
    cache.clear()
    yield
    cache.clear()
