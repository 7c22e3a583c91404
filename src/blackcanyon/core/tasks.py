"""Helpers for background tasks (Django Tasks API, ``django-tasks-db`` backend).

A task row is inserted in the caller's transaction, so a rolled-back change never runs its task
(the queue is the outbox). Tasks take ids, not objects, and set their own tenant context.
"""

from __future__ import annotations

from django.db import transaction
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

INLINE_WORKER_ID = "inline"


def run_pending(*, max_tasks: int = 1000, backend_name: str = "default") -> int:
    """Run every task that is ready now, in this process and on this connection; return how many.

    Same claim-and-run steps as ``bct worker`` (``db_worker``), minus its connection recycling, so
    tests (inside a transaction) and one-off commands can drain the queue.
    """
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=backend_name,
        startup_delay=False,
        max_tasks=None,
        worker_id=INLINE_WORKER_ID,
        excluded_queue_names=[],
    )
    ran = 0
    while ran < max_tasks:
        with transaction.atomic():
            result = DBTaskResult.objects.ready().filter(backend_name=backend_name).get_locked()
            if result is None:
                break
            result.claim(INLINE_WORKER_ID)
        worker.run_task(result)
        ran += 1
    return ran
