"""The scheduled expiry job: every organizer's expired holds released, live ones kept."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection

from blackcanyon.core import clock
from blackcanyon.core.rls import APP_ROLE, SYSTEM_ROLE
from blackcanyon.core.scheduler import Every, Scheduler
from blackcanyon.core.tasks import run_pending
from blackcanyon.events.models import Event, TicketType
from blackcanyon.orders import services
from blackcanyon.orders.jobs import release_expired_reservations
from blackcanyon.orders.models import DiscountCode, Order, OrderStatus
from tests.factories import EventFactory, TicketTypeFactory
from tests.orders.domain.helpers import Counters, counters, fresh, submit
from tests.orders.helpers import discount_code

pytestmark = pytest.mark.django_db

TTL = timedelta(minutes=settings.BCT_RESERVATION_MINUTES)
JOB = "blackcanyon.orders.jobs.release_expired_reservations"


@contextlib.contextmanager
def as_worker_role() -> Iterator[None]:
    """On PostgreSQL, act with the privileges of ``bct worker``'s login role: a member of
    ``bct_app`` and ``bct_system`` (docs/tenancy.md). The role is created inside the test's
    transaction, so it disappears with the rollback. Elsewhere: no-op."""
    if connection.vendor != "postgresql":
        yield
        return
    role = f"bct_test_worker_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")  # the suite's session user (a superuser) may create roles
        cursor.execute(f"CREATE ROLE {role} NOLOGIN IN ROLE {APP_ROLE}, {SYSTEM_ROLE}")
        cursor.execute(f"SET ROLE {role}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {APP_ROLE}")


@dataclass
class Shop:
    event: Event
    floor: TicketType
    code: DiscountCode
    expired: Order
    expired_pending: Order
    live: Order


def _shop(now: datetime) -> Shop:
    """An organizer's event with two expired holds (one at checkout) and one live hold."""
    starts = now + timedelta(days=20)
    event = EventFactory(starts_at=starts, ends_at=starts + timedelta(hours=2))
    floor = TicketTypeFactory(event=event, capacity=20)
    code = discount_code(event, code="SAVE10")
    early = now - TTL - timedelta(minutes=5)
    expired = services.reservation_create(
        event=event, quantities={floor.pk: 2}, code="SAVE10", now=early
    )
    expired_pending = submit(
        services.reservation_create(event=event, quantities={floor.pk: 3}, now=early), now=early
    )
    live = services.reservation_create(
        event=event, quantities={floor.pk: 1}, code="SAVE10", now=now
    )
    return Shop(event, floor, code, expired, expired_pending, live)


def _assert_released(shop: Shop) -> None:
    assert fresh(shop.expired).status == OrderStatus.EXPIRED
    assert fresh(shop.expired_pending).status == OrderStatus.EXPIRED
    assert fresh(shop.live).status == OrderStatus.RESERVED
    assert counters(shop.event, shop.floor, code=shop.code) == Counters(1, (1,), 1)


def test_expiry_job_releases_expired_holds_of_every_organizer(now: datetime) -> None:
    # Given two organizers, each with expired and live holds
    a, b = _shop(now), _shop(now)
    assert counters(a.event, a.floor, code=a.code) == Counters(6, (6,), 2)
    # When the job runs on the worker
    with as_worker_role(), clock.frozen(now):
        released = release_expired_reservations.call()
    # Then both organizers' expired holds gave back seats and redemptions; live ones stay
    assert released == 4
    _assert_released(a)
    _assert_released(b)


def test_expiry_job_run_twice_releases_once(now: datetime) -> None:
    a = _shop(now)
    with as_worker_role(), clock.frozen(now):
        first = release_expired_reservations.call()
        second = release_expired_reservations.call()
    assert (first, second) == (2, 0)
    _assert_released(a)


def test_scheduled_expiry_runs_through_the_worker_queue(now: datetime) -> None:
    # Given expired holds of two organizers and the schedule's expiry job
    a, b = _shop(now), _shop(now)
    scheduler = Scheduler(worker_id="test", jobs=[Every(seconds=60, task=JOB)])
    # When the scheduler finds the slot due and the worker runs the queue
    assert [e.job for e in scheduler.run_due(now=now)] == [JOB]
    with as_worker_role(), clock.frozen(now):
        assert run_pending() == 1
    # Then the holds are released
    _assert_released(a)
    _assert_released(b)


def test_expiry_job_is_in_the_schedule_every_minute() -> None:
    from blackcanyon.config.schedule import SCHEDULE

    assert [(job.task, job.seconds) for job in SCHEDULE if job.task == JOB] == [(JOB, 60)]


@pytest.mark.postgres
def test_control_the_web_role_cannot_release_other_organizers_holds(now: datetime) -> None:
    # Control for the tests above: without the worker's role (bct_system membership), the
    # system context widens nothing, so the role switch in them is what lets the job see all.
    a = _shop(now)
    with clock.frozen(now):
        released = release_expired_reservations.call()
    assert released == 0
    assert fresh(a.expired).status == OrderStatus.RESERVED
