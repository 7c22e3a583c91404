"""Fixtures of the shop tests: a published event a month ahead with two ticket types."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.cache import cache

from blackcanyon.core import clock
from blackcanyon.events.models import Event, TicketType
from tests.factories import EventFactory, TicketTypeFactory


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def event(db: None) -> Event:
    starts = clock.now() + timedelta(days=30)
    return EventFactory(title="Desert Night", starts_at=starts, ends_at=starts + timedelta(hours=3))


@pytest.fixture
def floor(event: Event) -> TicketType:
    """Floor: $25.00, 10 seats, up to 4 per order."""
    return TicketTypeFactory(
        event=event, name="Floor", price=2500, capacity=10, max_per_order=4, position=1
    )


@pytest.fixture
def balcony(event: Event) -> TicketType:
    """Balcony: $15.00, 20 seats."""
    return TicketTypeFactory(event=event, name="Balcony", price=1500, capacity=20, position=2)
