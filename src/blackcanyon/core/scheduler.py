"""Periodic jobs without an extra process: ``bct worker`` enqueues what ``config/schedule.py`` says.

Time is cut into slots per job (``Every(seconds=60)``: one slot per minute, aligned on the UTC
epoch). When a slot has started, the first worker to insert its ``ScheduleSlot`` row enqueues the
job's task in the same transaction; every other worker's ``INSERT ... ON CONFLICT DO NOTHING``
finds the row and enqueues nothing. So each slot is enqueued exactly once however many workers
run, and never before it starts. A rolled-back enqueue leaves no row: the slot stays claimable.

Slots missed while no worker ran are not caught up (the job's next run does all that is due).
The jobs run like any other task, on whichever worker claims them.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import close_old_connections, connection, transaction
from django.tasks import Task
from django.utils.module_loading import import_string

from blackcanyon.core import clock

logger = logging.getLogger(__name__)

# Slot rows are bookkeeping; a week of them is plenty to see what ran when.
SLOT_RETENTION = timedelta(days=7)
PRUNE_EVERY = timedelta(hours=1)
# Upper bound on the scheduler thread's sleep, so a stop request is noticed promptly.
MAX_SLEEP_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Every:
    """Run ``task`` (dotted path to a ``django.tasks`` task without arguments) every ``seconds``."""

    seconds: int
    task: str
    name: str = field(default="")

    def __post_init__(self) -> None:
        if self.seconds < 1:
            raise ValueError(f"Every(seconds=...) must be at least 1, not {self.seconds}")

    @property
    def job(self) -> str:
        return self.name or self.task

    def slot_start(self, now: datetime) -> datetime:
        """Start of the slot ``now`` falls in (slots are aligned on the UTC epoch)."""
        epoch = int(now.timestamp())
        return datetime.fromtimestamp(epoch - epoch % self.seconds, tz=UTC)

    def next_slot_start(self, now: datetime) -> datetime:
        return self.slot_start(now) + timedelta(seconds=self.seconds)

    def load_task(self) -> Task[Any, Any]:
        found = import_string(self.task)
        if not isinstance(found, Task):
            raise TypeError(f"{self.task} is not a task (decorate it with @task())")
        return found


def load_schedule() -> list[Every]:
    from blackcanyon.config.schedule import SCHEDULE

    names = [job.job for job in SCHEDULE]
    if len(names) != len(set(names)):
        raise ValueError("Two jobs in config/schedule.py share a name; give one a name=...")
    return list(SCHEDULE)


@dataclass(frozen=True, slots=True)
class Enqueued:
    job: str
    slot_start: datetime
    task_result_id: str


class Scheduler:
    """Enqueues each due slot of ``jobs`` once (across every worker sharing the database)."""

    def __init__(self, *, worker_id: str, jobs: Sequence[Every] | None = None) -> None:
        self.worker_id = worker_id[:64]
        self.jobs = list(load_schedule() if jobs is None else jobs)
        # Fail at start-up, not at the first slot, when a path in the schedule is wrong.
        self.tasks = {job.job: job.load_task() for job in self.jobs}
        # The slot this scheduler last settled per job: no query until the next one starts.
        self._settled: dict[str, datetime] = {}
        self._pruned_at: datetime | None = None

    def run_due(self, *, now: datetime | None = None) -> list[Enqueued]:
        """Enqueue every job whose current slot nobody has enqueued yet; return what this call
        enqueued. A failing job is logged and retried on the next call, never blocks the others."""
        now = now or clock.now()
        enqueued = []
        for job in self.jobs:
            slot = job.slot_start(now)
            if self._settled.get(job.job) == slot:
                continue
            try:
                result = self._claim(job=job, slot=slot, now=now)
            except Exception:
                logger.exception("Could not enqueue %s for %s", job.job, slot.isoformat())
                continue
            self._settled[job.job] = slot
            if result is not None:
                logger.info("Enqueued %s for %s", job.job, slot.isoformat())
                enqueued.append(result)
        self._prune(now)
        return enqueued

    def seconds_until_next_slot(self, *, now: datetime | None = None) -> float:
        now = now or clock.now()
        if not self.jobs:
            return MAX_SLEEP_SECONDS
        soonest = min(job.next_slot_start(now) for job in self.jobs)
        return max((soonest - now).total_seconds(), 0.0)

    def _claim(self, *, job: Every, slot: datetime, now: datetime) -> Enqueued | None:
        from blackcanyon.core.models import ScheduleSlot

        token = secrets.token_hex(16)
        with transaction.atomic():
            ScheduleSlot.objects.bulk_create(
                [
                    ScheduleSlot(
                        job=job.job,
                        slot_start=slot,
                        worker_id=self.worker_id,
                        token=token,
                        enqueued_at=now,
                    )
                ],
                ignore_conflicts=True,
            )
            row = ScheduleSlot.objects.get(job=job.job, slot_start=slot)
            if row.token != token:
                return None  # another worker enqueued this slot
            result = self.tasks[job.job].enqueue()
            row.task_result_id = str(result.id)
            row.save(update_fields=["task_result_id"])
        return Enqueued(job=job.job, slot_start=slot, task_result_id=row.task_result_id)

    def _prune(self, now: datetime) -> None:
        from blackcanyon.core.models import ScheduleSlot

        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        try:
            ScheduleSlot.objects.filter(slot_start__lt=now - SLOT_RETENTION).delete()
        except Exception:
            logger.exception("Could not prune old schedule slots")


class SchedulerThread(threading.Thread):
    """Runs ``scheduler.run_due()`` at every slot start until ``stop()``; uses its own DB
    connection (Django connections are per thread) and closes it when it ends."""

    def __init__(self, scheduler: Scheduler) -> None:
        super().__init__(name="bct-scheduler", daemon=True)
        self.scheduler = scheduler
        self._stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    close_old_connections()
                    self.scheduler.run_due()
                except Exception:  # the scheduler must outlive a bad tick (e.g. DB restart)
                    logger.exception("Scheduler tick failed")
                # Wake just after the next slot starts, or sooner to notice stop().
                wait = self.scheduler.seconds_until_next_slot() + 0.01
                self._stopping.wait(min(wait, MAX_SLEEP_SECONDS))
        finally:
            connection.close()

    def stop(self, *, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)
