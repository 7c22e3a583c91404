"""Two refunds of one Stripe-paid order at the same moment, on PostgreSQL: real threads, each
with its own database connection (the ``bct_app`` role), through ``refund_create`` — the
service the order page calls — against the stubbed Stripe API.

The guard: ``refund_create`` locks the order row (``SELECT ... FOR UPDATE``) before it reads
what is left to refund and stores its ``Refund`` as ``requested`` (which counts as refunded
from then on), and commits before Stripe is asked. The second request therefore waits for the
first to commit, then sees nothing left (``refund_exceeds_paid``, or ``refund_not_possible``
once the order is refunded) or its ticket taken (``refund_invalid``): one Stripe refund, never
more refunded than paid, each seat released once (a ticket is cancelled once).

A delay is injected after the check (``refund_plan``) so that the second request reliably
arrives while the first holds the lock. The control switches the lock off (the order read
plainly) and makes both requests check before either writes: the same ticket is then refunded
twice at Stripe — two refunds of $25.00 fit in a $50.00 charge, so Stripe's own limit does not
catch it — which is the race the lock prevents.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections

from blackcanyon.core import tenancy
from blackcanyon.core.errors import DomainError
from blackcanyon.core.rls import APP_ROLE, SYSTEM_ROLE
from blackcanyon.ledger.models import EntryKind, JournalEntry
from blackcanyon.orders.models import Order, OrderStatus, Ticket, TicketStatus
from blackcanyon.payments import refunds
from blackcanyon.payments.models import Refund, RefundStatus
from blackcanyon.payments.refunds import refund_create
from blackcanyon.payments.stripe.checkout import stripe_checkout_start
from blackcanyon.payments.stripe.settle import checkout_session_apply
from tests.concurrency.conftest import counters
from tests.payments.money_stubs import MoneyStub, fee_shop, money
from tests.payments.stripe_checkout_stubs import Shop, pending_order, stripe_checkout

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
__all__ = ["money", "stripe_checkout"]  # the stubbed Stripe fixtures

DELAY = 0.3  # seconds the first request holds the order lock after its check


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


def _paid_order(money: MoneyStub, role: str) -> tuple[Shop, Order]:
    """A $50.00 order (2 x $25.00) paid on Stripe and settled by the worker."""
    s = fee_shop()
    order = pending_order(s, quantity=2)
    session = money.stub.pay(stripe_checkout_start(order=order).session_id)
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {role}")
    try:
        assert checkout_session_apply(session=session) == "paid"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {APP_ROLE}")
    with tenancy.for_organizer(order.organizer_id):
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID
    return s, order


def _both_at_once(requests: list[Callable[[], Any]]) -> list[str]:
    """Run the requests at the same moment on their own threads and connections; each result is
    ``refunded`` or the domain error's code."""
    barrier = threading.Barrier(len(requests))

    def run(request: Callable[[], Any]) -> str:
        try:
            barrier.wait()
            request()
            return "refunded"
        except DomainError as error:
            return error.code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(run, requests))


def _after_the_check(monkeypatch: pytest.MonkeyPatch, wait: Callable[[], None]) -> None:
    """Run ``wait`` right after a request has checked what is left to refund."""
    plan = refunds.refund_plan

    def checked(**kwargs: Any) -> Any:
        result = plan(**kwargs)
        wait()
        return result

    monkeypatch.setattr(refunds, "refund_plan", checked)


def _money_back(order: Order) -> tuple[list[Refund], int, list[str]]:
    """(the order's refunds, ledger refund entries, ticket statuses)."""
    with tenancy.for_organizer(order.organizer_id):
        rows = list(Refund.objects.filter(order=order).order_by("id"))
        booked = JournalEntry.objects.filter(kind=EntryKind.REFUND, order_id=order.pk).count()
        statuses = list(
            Ticket.objects.filter(order=order).order_by("id").values_list("status", flat=True)
        )
    return rows, booked, statuses


def _first_ticket(order: Order) -> int:
    with tenancy.for_organizer(order.organizer_id):
        return Ticket.objects.filter(order=order).order_by("id").values_list("pk", flat=True)[0]


def test_control_without_the_order_lock_one_ticket_is_refunded_twice(
    money: MoneyStub, worker_role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    s, order = _paid_order(money, worker_role)
    ticket = _first_ticket(order)
    # Given the guard switched off: the order read without a lock, both checks before any write
    monkeypatch.setattr(
        refunds,
        "_locked_order",
        lambda o: Order.objects.select_related("event__organizer").get(pk=o.pk),
    )
    both_checked = threading.Barrier(2, timeout=10)
    _after_the_check(monkeypatch, both_checked.wait)
    # When two refunds of the same ticket are asked for at once
    outcomes = _both_at_once(
        [lambda: refund_create(actor=None, order=order, ticket_ids=[ticket])] * 2
    )
    # Then both pass the check: $25.00 sent back twice for one $25.00 ticket
    assert outcomes == ["refunded", "refunded"]
    assert len(money.refunds) == 2
    rows, _, statuses = _money_back(order)
    assert sum(r.amount for r in rows) == 5000
    # (the ticket itself is cancelled once: its seat is released once even then)
    assert statuses == [TicketStatus.CANCELLED, TicketStatus.VALID]
    assert counters(s.event) == (1, [1])


def test_two_full_refunds_at_once_refund_the_order_once(
    money: MoneyStub, worker_role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    s, order = _paid_order(money, worker_role)
    assert counters(s.event)[1] == [2]
    _after_the_check(monkeypatch, lambda: time.sleep(DELAY))
    # When the whole order is refunded twice at the same moment (a double submit, two tabs)
    outcomes = _both_at_once([lambda: refund_create(actor=None, order=order, full=True)] * 2)
    # Then exactly one succeeds; the other is refused with a clear code
    assert Counter(outcomes)["refunded"] == 1, outcomes
    assert set(outcomes) - {"refunded"} <= {"refund_exceeds_paid", "refund_not_possible"}
    # and Stripe refunded $50.00 once, the ledger booked it once
    assert [r["amount"] for r in money.refunds.values()] == [5000]
    rows, booked, statuses = _money_back(order)
    assert [(r.status, r.amount) for r in rows] == [(RefundStatus.SUCCEEDED, 5000)]
    assert booked == 1
    # and both seats were released once: nothing taken, tickets cancelled, the order refunded
    assert statuses == [TicketStatus.CANCELLED, TicketStatus.CANCELLED]
    assert counters(s.event) == (0, [0])
    with tenancy.for_organizer(order.organizer_id):
        assert Order.objects.get(pk=order.pk).status == OrderStatus.REFUNDED


def test_two_refunds_of_the_same_ticket_at_once_refund_it_once(
    money: MoneyStub, worker_role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    s, order = _paid_order(money, worker_role)
    ticket = _first_ticket(order)
    _after_the_check(monkeypatch, lambda: time.sleep(DELAY))
    outcomes = _both_at_once(
        [lambda: refund_create(actor=None, order=order, ticket_ids=[ticket])] * 2
    )
    assert sorted(outcomes) == ["refund_invalid", "refunded"]
    assert [r["amount"] for r in money.refunds.values()] == [2500]
    rows, booked, statuses = _money_back(order)
    assert [(r.status, r.amount) for r in rows] == [(RefundStatus.SUCCEEDED, 2500)]
    assert booked == 1
    assert statuses == [TicketStatus.CANCELLED, TicketStatus.VALID]
    assert counters(s.event) == (1, [1])
