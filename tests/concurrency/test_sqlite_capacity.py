"""The embedded SQLite default under 64 parallel buyers (the suite's SQLite database is a file,
so every thread has its own connection and real SQLite locking).

SQLite runs one writer at a time: checkout transactions are IMMEDIATE and wait for the write
lock (busy timeout), so there is no interleaving for a control test to show — what matters here
is that every buyer gets an answer (no "database is locked" errors) and exactly the capacity is
sold, through the same conditional UPDATEs as on PostgreSQL.
"""

from __future__ import annotations

import pytest

from tests.concurrency.conftest import (
    BUYERS,
    api_token,
    buy_via_api,
    counters,
    in_parallel,
    outcome,
    valid_tickets,
)
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = [pytest.mark.sqlite, pytest.mark.django_db(transaction=True)]


def test_sqlite_sells_the_last_ten_tickets_once_to_64_parallel_buyers():
    # Given 10 tickets left
    ticket_type = TicketTypeFactory(capacity=10)
    token = api_token(ticket_type.organizer)
    event = ticket_type.event

    # When 64 buyers ask for one each at the same moment
    results = in_parallel(BUYERS, buy_via_api(token, event.pk, lambda i: ticket_type.pk))

    # Then every buyer got an answer: 10 tickets sold, the rest told it is sold out
    assert outcome(results) == {"created": 10, "sold_out": BUYERS - 10}
    assert valid_tickets(event) == 10
    assert counters(event) == (10, [10])


def test_sqlite_event_wide_capacity_shared_by_two_types_sells_exactly_ten():
    event = EventFactory(capacity=10)
    types = [TicketTypeFactory(event=event, capacity=50).pk for _ in range(2)]
    token = api_token(event.organizer)

    results = in_parallel(BUYERS, buy_via_api(token, event.pk, lambda i: types[i % 2]))

    assert outcome(results) == {"created": 10, "sold_out": BUYERS - 10}
    assert valid_tickets(event) == 10
