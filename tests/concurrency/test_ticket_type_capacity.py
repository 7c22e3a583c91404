"""64 parallel buyers for the last 10 tickets of one ticket type."""

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
from tests.factories import TicketTypeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _last_ten():
    ticket_type = TicketTypeFactory(capacity=10)
    return ticket_type, api_token(ticket_type.organizer)


def test_control_without_the_guard_the_race_oversells(monkeypatch):
    # Given the naive read-then-write inventory (the bug the guard prevents)
    ticket_type, token = _last_ten()
    event = ticket_type.event

    # When 64 buyers ask for the last 10 tickets at once
    racers_meet(monkeypatch, 11)
    with override_settings(BCT_INVENTORY_GUARD=False):
        results = in_parallel(BUYERS, buy_via_api(token, event.pk, lambda i: ticket_type.pk))

    # Then more than 10 tickets were sold: the race is real
    assert outcome(results)["created"] > 10
    assert valid_tickets(event) > 10


def test_last_ten_tickets_are_sold_exactly_once_to_64_parallel_buyers():
    # Given 10 tickets left
    ticket_type, token = _last_ten()
    event = ticket_type.event

    # When 64 buyers ask for one each at the same moment
    results = in_parallel(BUYERS, buy_via_api(token, event.pk, lambda i: ticket_type.pk))

    # Then exactly 10 succeed and every other buyer is told it is sold out
    assert outcome(results) == {"created": 10, "sold_out": BUYERS - 10}
    assert valid_tickets(event) == 10
    assert counters(event) == (10, [10])
