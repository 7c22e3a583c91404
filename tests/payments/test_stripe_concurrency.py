"""Late Stripe payments racing for the last seat, on PostgreSQL: eight buyers whose reservations
expired all pay at the same moment for one seat left. Exactly one gets it; the others are refunded
— never oversold, never money without a ticket. Opens with the control that shows the race."""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.test import override_settings

from blackcanyon.core import clock, tenancy
from blackcanyon.core.rls import APP_ROLE, SYSTEM_ROLE
from blackcanyon.events.models import TicketType
from blackcanyon.orders import inventory, services
from blackcanyon.orders.models import Order, Ticket
from blackcanyon.payments.stripe.checkout import stripe_checkout_start
from blackcanyon.payments.stripe.settle import checkout_session_apply
from tests.payments.stripe_checkout_stubs import CheckoutStub, pending_order, shop, stripe_checkout

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
__all__ = ["stripe_checkout"]  # the stubbed Stripe fixture

PAYERS = 8


@pytest.fixture
def worker_role() -> Iterator[str]:
    """A committed login-less role like ``bct worker``'s (app + system), dropped afterwards."""
    role = f"bct_test_worker_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute(f"CREATE ROLE {role} NOLOGIN IN ROLE {APP_ROLE}, {SYSTEM_ROLE}")
        cursor.execute(f"SET ROLE {APP_ROLE}")
    yield role
    connections.close_all()
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute(f"DROP ROLE {role}")
        cursor.execute(f"SET ROLE {APP_ROLE}")


def _late_payers(stub: CheckoutStub) -> tuple[TicketType, list[dict[str, Any]]]:
    """PAYERS buyers paid on Stripe after their reservations expired; one seat is left."""
    s = shop(capacity=PAYERS)
    sessions = []
    for _ in range(PAYERS):
        order = pending_order(s, quantity=1)
        checkout = stripe_checkout_start(order=order)
        sessions.append(stub.pay(checkout.session_id))
    with tenancy.for_organizer(s.event.organizer_id):
        services.reservations_release_expired(now=clock.now() + timedelta(hours=1))
        TicketType.objects.filter(pk=s.floor.pk).update(capacity=1)
    return s.floor, sessions


def _all_at_once(role: str, sessions: list[dict[str, Any]]) -> list[str]:
    barrier = threading.Barrier(len(sessions))

    def settle(session: dict[str, Any]) -> str:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SET ROLE {role}")
            barrier.wait()
            return checkout_session_apply(session=session)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(len(sessions)) as pool:
        return list(pool.map(settle, sessions))


def _sold(floor: TicketType) -> tuple[int, int, int]:
    """(seats taken, valid tickets, paid orders) of the ticket type."""
    with tenancy.for_organizer(floor.organizer_id):
        return (
            TicketType.objects.get(pk=floor.pk).taken,
            Ticket.objects.filter(ticket_type_id=floor.pk, status="valid").count(),
            Order.objects.filter(event_id=floor.event_id, status="paid").count(),
        )


def _readers_meet_in_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Between its check and its writes, each unguarded take waits for a second racer that has
    also checked: the first two both saw the seat free, so the race shows on every run. Eight
    threads on two cores reach the take too far apart for a fixed pause to be sure of that."""
    pairs = threading.Barrier(2)

    def meet() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):  # the odd one out: no partner
            pairs.wait(timeout=5)

    monkeypatch.setattr(inventory, "unguarded_gap", meet)


def test_control_without_the_guard_late_payments_oversell(
    stripe_checkout: CheckoutStub, worker_role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    floor, sessions = _late_payers(stripe_checkout)
    _readers_meet_in_pairs(monkeypatch)
    with override_settings(BCT_INVENTORY_GUARD=False):
        outcomes = Counter(_all_at_once(worker_role, sessions))
    assert outcomes["paid"] > 1, outcomes
    assert _sold(floor)[2] > 1


def test_late_payments_for_the_last_seat_one_ticket_and_the_rest_refunded(
    stripe_checkout: CheckoutStub, worker_role: str
) -> None:
    floor, sessions = _late_payers(stripe_checkout)

    outcomes = Counter(_all_at_once(worker_role, sessions))

    assert outcomes == {"paid": 1, "refunded": PAYERS - 1}
    assert _sold(floor) == (1, 1, 1)
    assert len(stripe_checkout.refunds) == PAYERS - 1
