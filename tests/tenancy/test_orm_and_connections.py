"""The ORM, with no organizer filter at all, is confined by RLS too; and a brand-new connection
picks up the current tenant context before its first query.

PostgreSQL only: on SQLite there is no second wall, app-level scoping in selectors is all there
is (and is tested with each app's selectors).
"""

from __future__ import annotations

import pytest
from django.db import connection

from blackcanyon.core import tenancy
from blackcanyon.events.models import Event, TicketType
from blackcanyon.organizers.models import Membership
from tests.factories import EventFactory, OrganizerFactory
from tests.tenancy.conftest import World

pytestmark = pytest.mark.postgres


@pytest.mark.django_db
def test_unfiltered_orm_queries_in_a_context_see_only_that_organizer(world: World) -> None:
    # Given organizers A and B with events, ticket types and teams
    # When code in A's context forgets to filter by organizer
    with tenancy.scoped(organizer_id=world.a.pk):
        events = set(Event.objects.values_list("organizer_id", flat=True))
        tickets = set(TicketType.objects.values_list("organizer_id", flat=True))
        members = set(Membership.objects.values_list("organizer_id", flat=True))
        b_draft = Event.objects.filter(pk=world.b.draft_event.pk)
        found_b = b_draft.exists()
        renamed = b_draft.update(title="hijacked")
        with pytest.raises(Event.DoesNotExist):
            Event.objects.get(pk=world.b.published_event.pk)
        # Following a relation does not leak either
        b_tickets = TicketType.objects.filter(event__organizer=world.b.organizer).count()
    # Then only A's rows exist as far as it can tell, and nothing of B's changed
    assert events == tickets == members == {world.a.pk}
    assert (found_b, renamed, b_tickets) == (False, 0, 0)
    with tenancy.scoped(organizer_id=world.b.pk):
        assert Event.objects.get(pk=world.b.draft_event.pk).title == world.b.draft_event.title


@pytest.mark.django_db(transaction=True)
def test_a_new_connection_starts_in_the_current_tenant_context() -> None:
    # Given committed draft events of two organizers
    a, b = OrganizerFactory(), OrganizerFactory()
    a_draft = EventFactory(organizer=a, status="draft")
    EventFactory(organizer=b, status="draft")
    with tenancy.scoped(organizer_id=a.pk):
        # When the connection drops and a new one is opened inside A's context
        connection.close()
        seen = set(Event.objects.values_list("pk", flat=True))
    # Then the new connection already carries A's context
    assert seen == {a_draft.pk}
    # And outside any context a new connection shows no drafts at all
    connection.close()
    assert not Event.objects.exists()
