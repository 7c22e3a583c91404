"""Fixtures of the email tests: an organizer's team and an event on sale."""

from __future__ import annotations

import pytest

from blackcanyon.events.models import TicketType
from blackcanyon.organizers.models import Membership, Role
from tests.factories import EventFactory, MembershipFactory, TicketTypeFactory


@pytest.fixture
def owner(db: None) -> Membership:
    return MembershipFactory(role=Role.OWNER, user__full_name="Olive Owner")


@pytest.fixture
def ticket_type(owner: Membership) -> TicketType:
    """Floor tickets for "Canyon Blues", a month from now, sold by the owner's organizer."""
    event = EventFactory(organizer=owner.organizer, title="Canyon Blues")
    return TicketTypeFactory(event=event, name="Floor", price=2500, capacity=50)
