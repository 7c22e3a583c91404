"""Real parallel requests against PostgreSQL: many threads, each with its own database
connection, go through the whole Django stack at the same moment (a barrier releases them).

Every test module opens with a control test that turns the inventory guard off
(``BCT_INVENTORY_GUARD=False``: read-then-write) and shows the oversell it prevents. The control
makes the race certain rather than likely with ``racers_meet``.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connections
from django.test import Client

from blackcanyon.api import services as api_services
from blackcanyon.core import tenancy
from blackcanyon.events.models import Event, TicketType
from blackcanyon.orders import inventory
from blackcanyon.orders.models import Ticket, TicketStatus
from tests.factories import MembershipFactory

BUYERS = 64


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def racers_meet(monkeypatch: pytest.MonkeyPatch, parties: int) -> None:
    """Between its check and its writes, each unguarded take waits until ``parties`` takes have
    checked: all of the first ``parties`` saw the seats (or the code) as they were before any
    write, so one more than what is left is sold on every run, however the machine schedules
    the threads. A group that never fills goes on after a few seconds."""
    meeting = threading.Barrier(parties)

    def meet() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            meeting.wait(timeout=5)

    monkeypatch.setattr(inventory, "unguarded_gap", meet)


def api_token(organizer: Any) -> str:
    owner = MembershipFactory(organizer=organizer)
    _, plaintext = api_services.api_token_create(
        actor=owner.user, organizer=organizer, name="Load test"
    )
    return plaintext


def in_parallel(count: int, request: Callable[[Client, int], Any]) -> list[Any]:
    """Run ``request`` ``count`` times at once, each on its own thread and DB connection."""
    barrier = threading.Barrier(count)

    def run(index: int) -> Any:
        try:
            client = Client()
            barrier.wait()
            return request(client, index)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def buy_via_api(token: str, event_id: int, ticket_type_id: Callable[[int], int]) -> Callable:
    def request(client: Client, index: int) -> tuple[int, str]:
        body = {
            "items": [{"ticket_type_id": ticket_type_id(index), "quantity": 1}],
            "buyer": {"name": f"Buyer {index}", "email": f"buyer{index}@example.com"},
            "payment": {"method": "box_office"},
        }
        response = client.post(
            f"/api/v1/events/{event_id}/orders/",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_IDEMPOTENCY_KEY=f"buyer-{index}",
        )
        payload = response.json()
        code = payload.get("error", {}).get("code", "") if response.status_code >= 400 else ""
        return response.status_code, code

    return request


def outcome(results: list[tuple[int, str]]) -> Counter[str]:
    return Counter("created" if status == 201 else code for status, code in results)


def valid_tickets(event: Event) -> int:
    with tenancy.for_organizer(event.organizer_id):
        return Ticket.objects.filter(event=event, status=TicketStatus.VALID).count()


def counters(event: Event) -> tuple[int, list[int]]:
    with tenancy.for_organizer(event.organizer_id):
        taken = Event.objects.get(pk=event.pk).taken
        types = list(
            TicketType.objects.filter(event=event).order_by("pk").values_list("taken", flat=True)
        )
    return taken, types
