"""List pages cost a fixed number of queries, however many rows they show (no N+1)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from blackcanyon.organizers import services
from blackcanyon.organizers.models import Role
from tests.factories import (
    EventFactory,
    MembershipFactory,
    OrganizerFactory,
    TicketTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def _same_cost_for_one_and_five(client: Client, path: str, add_row: Callable[[], None]) -> None:
    add_row()
    one = _queries(client, path)
    for _ in range(4):
        add_row()
    assert _queries(client, path) == one


def test_organizer_event_list(client):
    # Given an owner whose events each have two ticket types
    owner = MembershipFactory(role=Role.OWNER)
    client.force_login(owner.user)

    def add_event() -> None:
        event = EventFactory(organizer=owner.organizer)
        TicketTypeFactory(event=event)
        TicketTypeFactory(event=event)

    # Then five events cost what one does
    _same_cost_for_one_and_five(client, f"/o/{owner.organizer.slug}/events/", add_event)


def test_team_page(client):
    # Given an owner whose team grows by a member and an invitation at a time
    owner = MembershipFactory(role=Role.OWNER)
    client.force_login(owner.user)

    def add_member_and_invitation() -> None:
        MembershipFactory(organizer=owner.organizer, role=Role.STAFF)
        services.invitation_create(
            actor=owner.user,
            organizer=owner.organizer,
            email=UserFactory.build().email,
            role=Role.SCANNER,
        )

    # Then five of each cost what one does
    _same_cost_for_one_and_five(
        client, f"/o/{owner.organizer.slug}/team/", add_member_and_invitation
    )


def test_your_organizers_page(client):
    # Given a user who joins one organizer after another
    user = UserFactory()
    client.force_login(user)

    def join_an_organizer() -> None:
        MembershipFactory(organizer=OrganizerFactory(), user=user, role=Role.STAFF)

    # Then five organizers cost what one does
    _same_cost_for_one_and_five(client, "/o/", join_an_organizer)
