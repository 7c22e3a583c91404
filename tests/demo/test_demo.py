"""The demo data behind `make run` / `bct seed-demo`."""

from __future__ import annotations

from blackcanyon.core import tenancy
from blackcanyon.core.models import AuditLog
from blackcanyon.demo import seed as demo
from blackcanyon.events.models import Event, EventStatus, TicketType


def _events_of(organizer_id: int) -> dict[str, Event]:
    with tenancy.scoped(organizer_id=organizer_id):
        return {e.title: e for e in Event.objects.filter(organizer_id=organizer_id)}


def _taken_of(organizer_id: int) -> dict[str, tuple[int, int]]:
    with tenancy.scoped(organizer_id=organizer_id):
        return {
            t.name: (t.taken, t.capacity)
            for t in TicketType.objects.filter(organizer_id=organizer_id)
        }


def test_seeding_creates_published_events_a_draft_and_some_sales(db):
    # When the demo is seeded
    organizer = demo.seed_demo()

    # Then three events are on sale and one is still a draft
    events = _events_of(organizer.pk)
    assert {title: e.status for title, e in events.items()} == {
        "Canyon Sunset Concert": EventStatus.PUBLISHED,
        "Desert Jazz Night": EventStatus.PUBLISHED,
        "Stargazing Workshop": EventStatus.PUBLISHED,
        "Winter Gala": EventStatus.DRAFT,
    }
    # And some seats are taken, one type is sold out
    taken = _taken_of(organizer.pk)
    assert taken["General admission"] == (120, 200)
    assert taken["VIP rim seats"] == (18, 20)
    assert taken["Early bird"] == (40, 40)
    assert taken["Standard"] == (0, 110)
    # And the seeding is audited without anyone's email address
    with tenancy.scoped(organizer_id=organizer.pk):
        [entry] = AuditLog.objects.filter(organizer=organizer, action="core.demo.seeded")
    assert "@" not in str(entry.data)


def test_seeding_twice_keeps_the_first_demo(db):
    # Given the demo was seeded
    first = demo.seed_demo()

    # When it is seeded again
    second = demo.seed_demo()

    # Then nothing new is created
    assert second.pk == first.pk
    assert demo.demo_exists()
    assert len(_events_of(first.pk)) == 4
