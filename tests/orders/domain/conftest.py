"""Shared fixtures of the orders domain tests: a published event on sale, with fixed times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from blackcanyon.events.models import Event, TicketType
from tests.factories import EventFactory, TicketTypeFactory

# Every test passes ``now`` explicitly; the event is a month after it.
NOW = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def event(db: None) -> Event:
    """A published concert in Denver a month from NOW, without event-wide capacity."""
    starts = NOW + timedelta(days=30)
    return EventFactory(starts_at=starts, ends_at=starts + timedelta(hours=3))


@pytest.fixture
def ticket_type(event: Event) -> TicketType:
    """Floor tickets: $25.00, 10 seats."""
    return TicketTypeFactory(event=event, name="Floor", price=2500, capacity=10)
