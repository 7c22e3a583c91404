"""Helpers for background tasks (Django Tasks API, ``django-tasks-db`` backend).

A task row is inserted in the caller's transaction, so a rolled-back change never runs its task
(the queue is the outbox). Tasks take ids, not objects, and set their own tenant context.
"""

from __future__ import annotations

from django.core.management import call_command


def run_pending(*, max_tasks: int = 1000) -> None:
    """Run every task that is ready now, in this process (tests and `bct worker --batch`)."""
    call_command(
        "db_worker", batch=True, no_startup_delay=True, max_tasks=max_tasks, verbosity=0
    )
