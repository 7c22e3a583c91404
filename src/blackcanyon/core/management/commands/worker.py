"""``bct worker``: the ``django-tasks-db`` worker plus the periodic-job scheduler.

The scheduler (``core/scheduler.py``, jobs in ``config/schedule.py``) runs in a thread of every
worker process, so there is no extra process to deploy; the slot rows make each periodic run
happen once however many workers run. ``--batch`` enqueues what is due once, runs every pending
task, and exits.
"""

from __future__ import annotations

import logging
import os
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from blackcanyon.core.scheduler import Scheduler, SchedulerThread

logger = logging.getLogger("blackcanyon.worker")


class SchedulingWorker(db_worker.Worker):
    """A ``db_worker`` worker that also runs the scheduler while it runs."""

    def __init__(self, *, scheduler: Scheduler | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scheduler = scheduler

    def run(self) -> None:
        if self.scheduler is None:
            super().run()
            return
        if self.batch:
            # One pass: enqueue what is due now, then drain the queue with it.
            self.scheduler.run_due()
            super().run()
            return
        thread = SchedulerThread(self.scheduler)
        thread.start()
        try:
            super().run()
        finally:
            thread.stop()


class Command(db_worker.Command):
    help = "Run the background task worker and the periodic-job scheduler (config/schedule.py)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="Only run tasks; do not enqueue periodic jobs from this process.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        batch: bool = options["batch"]
        reload: bool = options["reload"]
        if reload and batch:
            logger.warning("--reload and --batch cannot be used together; not reloading.")
            reload = False
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker_id: str = options["worker_id"]
        scheduler = None if options["no_scheduler"] else Scheduler(worker_id=worker_id)
        worker = SchedulingWorker(
            scheduler=scheduler,
            queue_names=queue_names,
            interval=options["interval"],
            batch=batch,
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload:
            # The reloader's parent process only watches files; the child does the work.
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
