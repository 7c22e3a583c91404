"""Row-level security on events and ticket types: the second wall behind app-level scoping."""

from __future__ import annotations

import pytest

from blackcanyon.core import tenancy
from blackcanyon.events.models import Event, EventStatus, TicketType
from tests.factories import EventFactory, OrganizerFactory, TicketTypeFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_without_organizer_context_only_public_events_and_their_types_are_readable():
    # Given a published, a cancelled and a draft event, each with a ticket type
    published = EventFactory(status=EventStatus.PUBLISHED)
    cancelled = EventFactory(status=EventStatus.CANCELLED)
    draft = EventFactory(status=EventStatus.DRAFT)
    for event in (published, cancelled, draft):
        TicketTypeFactory(event=event)

    # When the app role reads with no organizer context (a public page)
    events = set(Event.objects.values_list("pk", flat=True))
    types = set(TicketType.objects.values_list("event_id", flat=True))

    # Then drafts and their ticket types are invisible, even unfiltered
    assert events == {published.pk, cancelled.pk}
    assert types == {published.pk, cancelled.pk}


def test_in_an_organizer_context_other_organizers_events_are_invisible():
    mine = EventFactory(status=EventStatus.DRAFT)
    theirs = EventFactory(organizer=OrganizerFactory(), status=EventStatus.PUBLISHED)
    TicketTypeFactory(event=theirs)

    with tenancy.scoped(organizer_id=mine.organizer_id):
        assert list(Event.objects.values_list("pk", flat=True)) == [mine.pk]
        assert not TicketType.objects.exists()
        # Even a direct write to their row changes nothing.
        assert Event.objects.filter(pk=theirs.pk).update(title="pwned") == 0
