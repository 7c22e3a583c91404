"""The task queue backend: django-tasks-db, with the task row written by ``core.fastinsert``.

Enqueuing runs inside the transaction of the change that causes it (the row is the outbox: a
rolled-back change runs nothing), so it sits on hot paths such as every sale's confirmation
email; building the INSERT through the ORM cost more than executing it. The one ``pre_save``
handler of django-tasks-db (``run_after``) is applied here, since no signals are sent.
"""

from __future__ import annotations

from typing import Any

from django.tasks import Task
from django_tasks_db.backend import DatabaseBackend as _DatabaseBackend
from django_tasks_db.compat import normalize_json
from django_tasks_db.models import DBTaskResult, get_date_max

from blackcanyon.core import fastinsert


class DatabaseBackend(_DatabaseBackend):
    def _task_to_db_task(self, task: Task[Any, Any], args: Any, kwargs: Any) -> DBTaskResult:
        row: DBTaskResult[Any, Any] = DBTaskResult(
            id=self._get_id(),
            args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            # What django-tasks-db's pre_save handler does (no signals here): "as soon as possible"
            # is stored as the far future the worker's query knows.
            run_after=task.run_after or get_date_max(),
            backend_name=self.alias,
        )
        fastinsert.insert([row])
        return row
