"""Fixtures of the tickets tests: an 18+ concert in Denver with one ticket type."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.core.cache import cache

from blackcanyon.events.models import Event, TicketType
from tests.factories import EventFactory, TicketTypeFactory


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def concert(db: None) -> Event:
    """Thu, Jul 4, 2030, 7:30 PM - 10:00 PM MDT at Red Rock Hall, 18+."""
    return EventFactory(
        title="Canyon Fourth",
        timezone="America/Denver",
        starts_at=datetime(2030, 7, 5, 1, 30, tzinfo=UTC),
        ends_at=datetime(2030, 7, 5, 4, 0, tzinfo=UTC),
        venue_name="Red Rock Hall",
        venue_address="1 Canyon Road\nMoab, UT",
        minimum_age=18,
        ask_attendee_names=True,
    )


@pytest.fixture
def floor(concert: Event) -> TicketType:
    return TicketTypeFactory(event=concert, name="Floor", price=2500, capacity=50)
