"""The periodic-job scheduler run by ``bct worker``: each due slot is enqueued exactly once,
however many workers ask, and never before it starts."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.tasks import task
from django_tasks_db.models import DBTaskResult

from blackcanyon.core import clock
from blackcanyon.core.models import ScheduleSlot
from blackcanyon.core.scheduler import Enqueued, Every, Scheduler, SchedulerThread, load_schedule

TICK = "tests.core.test_scheduler.tick"
NOON = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


@task()
def tick() -> str:
    """A periodic job that only leaves its task row behind."""
    return "ticked"


def _queued(path: str = TICK) -> int:
    return DBTaskResult.objects.filter(task_path=path).count()


def _minutely(worker_id: str) -> Scheduler:
    return Scheduler(worker_id=worker_id, jobs=[Every(seconds=60, task=TICK)])


@pytest.mark.django_db
def test_due_slot_is_enqueued_once_when_two_workers_ask() -> None:
    # Given two workers' schedulers with a job every minute
    first, second = _minutely("worker-1"), _minutely("worker-2")
    # When both find the 12:00 slot due
    by_first = first.run_due(now=NOON + timedelta(seconds=1))
    by_second = second.run_due(now=NOON + timedelta(seconds=2))
    # Then one of them enqueued it, once
    assert [(e.job, e.slot_start) for e in by_first] == [(TICK, NOON)]
    assert by_second == []
    assert _queued() == 1
    slot = ScheduleSlot.objects.get()
    assert (slot.job, slot.slot_start, slot.worker_id) == (TICK, NOON, "worker-1")
    assert slot.task_result_id == str(DBTaskResult.objects.get().id)


@pytest.mark.django_db
def test_same_worker_asking_again_in_the_slot_enqueues_nothing() -> None:
    scheduler = _minutely("worker-1")
    scheduler.run_due(now=NOON)
    scheduler.run_due(now=NOON + timedelta(seconds=30))
    assert _queued() == 1


@pytest.mark.django_db
def test_next_slot_is_not_enqueued_before_it_starts() -> None:
    # Given the 12:00 slot was enqueued
    _minutely("worker-1").run_due(now=NOON + timedelta(seconds=5))
    # When a (restarted) worker asks at 12:00:59.999
    early = _minutely("worker-2").run_due(now=NOON + timedelta(seconds=59, microseconds=999_999))
    # Then nothing is due yet
    assert early == []
    assert _queued() == 1
    # When it asks at 12:01:00, Then the next slot is enqueued
    on_time = _minutely("worker-2").run_due(now=NOON + timedelta(minutes=1))
    assert [e.slot_start for e in on_time] == [NOON + timedelta(minutes=1)]
    assert _queued() == 2


@pytest.mark.django_db
def test_missed_slots_are_not_caught_up() -> None:
    # Given no worker ran for ten minutes
    scheduler = _minutely("worker-1")
    scheduler.run_due(now=NOON)
    # When one runs again, Then only the current slot is enqueued
    scheduler.run_due(now=NOON + timedelta(minutes=10, seconds=3))
    assert list(
        ScheduleSlot.objects.order_by("slot_start").values_list("slot_start", flat=True)
    ) == [
        NOON,
        NOON + timedelta(minutes=10),
    ]


@pytest.mark.django_db
def test_each_job_has_its_own_slots() -> None:
    scheduler = Scheduler(
        worker_id="w",
        jobs=[Every(seconds=60, task=TICK), Every(seconds=3600, task=TICK, name="hourly-tick")],
    )
    scheduler.run_due(now=NOON + timedelta(minutes=1))
    scheduler.run_due(now=NOON + timedelta(minutes=2))
    assert sorted(ScheduleSlot.objects.values_list("job", "slot_start")) == [
        ("hourly-tick", NOON),
        (TICK, NOON + timedelta(minutes=1)),
        (TICK, NOON + timedelta(minutes=2)),
    ]


@pytest.mark.django_db
def test_old_slot_rows_are_pruned() -> None:
    scheduler = _minutely("w")
    scheduler.run_due(now=NOON)
    _minutely("w").run_due(now=NOON + timedelta(days=8))
    assert list(ScheduleSlot.objects.values_list("slot_start", flat=True)) == [
        NOON + timedelta(days=8)
    ]


def test_slots_align_on_the_clock() -> None:
    every_minute = Every(seconds=60, task=TICK)
    every_five = Every(seconds=300, task=TICK)
    at = datetime(2026, 11, 2, 12, 7, 42, 500_000, tzinfo=UTC)
    assert every_minute.slot_start(at) == datetime(2026, 11, 2, 12, 7, tzinfo=UTC)
    assert every_five.slot_start(at) == datetime(2026, 11, 2, 12, 5, tzinfo=UTC)
    assert every_five.next_slot_start(at) == datetime(2026, 11, 2, 12, 10, tzinfo=UTC)
    assert _minutely("w").seconds_until_next_slot(now=at) == pytest.approx(17.5)


def test_a_schedule_entry_that_is_not_a_task_fails_at_start_up() -> None:
    with pytest.raises(TypeError, match="is not a task"):
        Scheduler(worker_id="w", jobs=[Every(seconds=60, task="blackcanyon.core.clock.now")])
    with pytest.raises(ValueError, match="at least 1"):
        Every(seconds=0, task=TICK)


def test_every_scheduled_job_is_a_task_without_arguments() -> None:
    # Given the real schedule (config/schedule.py)
    jobs = load_schedule()
    # Then every entry loads, and a worker can be started with it
    assert jobs
    scheduler = Scheduler(worker_id="w")
    assert set(scheduler.tasks) == {job.job for job in jobs}


@pytest.fixture
def _keep_signal_handlers() -> Iterator[None]:
    # The worker installs SIGINT/SIGTERM handlers for graceful shutdown; give pytest its own back.
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_keep_signal_handlers")
def test_worker_batch_enqueues_due_jobs_and_runs_them() -> None:
    # When `bct worker --batch` runs (the real schedule: the expiry job is due every minute)
    with clock.frozen(NOON):
        call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    # Then the due job was enqueued and run to completion
    path = "blackcanyon.orders.jobs.release_expired_reservations"
    result = DBTaskResult.objects.get(task_path=path)
    assert result.status == "SUCCESSFUL"
    assert ScheduleSlot.objects.filter(job=path, slot_start=NOON).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_keep_signal_handlers")
def test_worker_without_scheduler_only_runs_tasks() -> None:
    call_command(
        "worker", "--batch", "--no-startup-delay", "--no-reload", "--no-scheduler", verbosity=0
    )
    assert not ScheduleSlot.objects.exists()
    assert not DBTaskResult.objects.exists()


class _ObservedScheduler(Scheduler):
    """Tells the test when a tick is done, so it reads the database only after the thread stopped
    (SQLite's shared in-memory test database locks tables across threads)."""

    def __init__(self, *, worker_id: str, jobs: list[Every]) -> None:
        super().__init__(worker_id=worker_id, jobs=jobs)
        self.ticked = threading.Event()

    def run_due(self, *, now: datetime | None = None) -> list[Enqueued]:
        try:
            return super().run_due(now=now)
        finally:
            self.ticked.set()


@pytest.mark.django_db(transaction=True)
def test_scheduler_thread_enqueues_the_current_slot_and_stops() -> None:
    # Given a worker's scheduler thread
    scheduler = _ObservedScheduler(worker_id="threaded", jobs=[Every(seconds=60, task=TICK)])
    thread = SchedulerThread(scheduler)
    # When it starts, Then it enqueues the current slot promptly, on its own connection
    thread.start()
    try:
        assert scheduler.ticked.wait(10)
    finally:
        thread.stop()
    # And it stops when asked
    assert not thread.is_alive()
    assert ScheduleSlot.objects.get().worker_id == "threaded"
    assert _queued() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_slot_enqueued_once_by_eight_parallel_workers(caplog: pytest.LogCaptureFixture) -> None:
    # Given eight workers, each on its own connection, finding the same slot due at once
    barrier = threading.Barrier(8)
    enqueued: list[int] = []
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            scheduler = _minutely(f"worker-{index}")
            barrier.wait()
            enqueued.append(len(scheduler.run_due(now=NOON + timedelta(seconds=index))))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # Then exactly one of them enqueued it, and the others simply found it taken
    assert errors == []
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []
    assert sorted(enqueued) == [0] * 7 + [1]
    assert _queued() == 1
    assert ScheduleSlot.objects.count() == 1
