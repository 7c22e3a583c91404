from __future__ import annotations

import pytest
from django.test import Client

from blackcanyon.events.models import TicketType
from blackcanyon.organizers.models import Membership, Role
from tests.factories import EventFactory, MembershipFactory, TicketTypeFactory


@pytest.fixture
def owner(db: None) -> Membership:
    return MembershipFactory(role=Role.OWNER, user__full_name="Olive Owner")


@pytest.fixture
def owner_client(client: Client, owner: Membership) -> Client:
    client.force_login(owner.user)
    return client


@pytest.fixture
def ticket_type(owner: Membership) -> TicketType:
    event = EventFactory(organizer=owner.organizer, title="Canyon Blues")
    return TicketTypeFactory(event=event, name="Floor", price=2500, capacity=50)
