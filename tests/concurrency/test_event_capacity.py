"""64 parallel buyers for an event-wide capacity of 10 shared by two ticket types."""

from __future__ import annotations

import pytest
from django.test import override_settings

from tests.concurrency.conftest import (
    BUYERS,
    api_token,
    buy_via_api,
    counters,
    in_parallel,
    outcome,
    racers_meet,
    valid_tickets,
)
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _shared_ten():
    event = EventFactory(capacity=10)
    floor = TicketTypeFactory(event=event, capacity=50, name="Floor")
    balcony = TicketTypeFactory(event=event, capacity=50, name="Balcony")
    return event, [floor.pk, balcony.pk], api_token(event.organizer)


def test_control_without_the_guard_the_shared_capacity_oversells(monkeypatch):
    # Given the naive read-then-write inventory
    event, types, token = _shared_ten()

    # When 64 buyers, half on each ticket type, ask at once
    racers_meet(monkeypatch, 11)
    with override_settings(BCT_INVENTORY_GUARD=False):
        results = in_parallel(BUYERS, buy_via_api(token, event.pk, lambda i: types[i % 2]))

    # Then the event sold more than its 10 seats
    assert outcome(results)["created"] > 10
    assert valid_tickets(event) > 10


def test_event_wide_capacity_shared_by_two_types_sells_exactly_ten():
    # Given an event of 10 seats over two ticket types of 50
    event, types, token = _shared_ten()

    # When 64 buyers, half on each type, ask at the same moment
    results = in_parallel(BUYERS, buy_via_api(token, event.pk, lambda i: types[i % 2]))

    # Then exactly 10 succeed, the rest are told the event is sold out
    assert outcome(results) == {"created": 10, "sold_out": BUYERS - 10}
    assert valid_tickets(event) == 10
    event_taken, type_taken = counters(event)
    assert event_taken == 10
    assert sum(type_taken) == 10
