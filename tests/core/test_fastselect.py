"""``core.fastselect.select`` returns what the ORM would: same field values, same types."""

from __future__ import annotations

import pytest

from blackcanyon.core import fastselect, tenancy
from blackcanyon.events.models import Event, TicketType
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


def _values(obj: object, model: type) -> dict[str, object]:
    return {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}


def test_rows_equal_the_orm_ones():
    event = EventFactory(minimum_age=18, capacity=None)
    TicketTypeFactory(event=event, name="Floor")
    TicketTypeFactory(event=event, name="Balcony", hidden=True)
    with tenancy.scoped(organizer_id=event.organizer_id):
        (fast,) = fastselect.select(Event, "id = %s", [event.pk])
        assert _values(fast, Event) == _values(Event.objects.get(pk=event.pk), Event)
        assert fast.starts_at.tzinfo is not None  # converted like the ORM does (SQLite too)
        assert not fast._state.adding

        types = fastselect.select(TicketType, "event_id = %s ORDER BY id", [event.pk])
        orm = list(TicketType.objects.filter(event=event).order_by("id"))
        assert [_values(t, TicketType) for t in types] == [_values(t, TicketType) for t in orm]
        assert fastselect.select(Event, "id = %s", [event.pk + 1000]) == []
