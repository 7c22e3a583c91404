"""Tasks are enqueued in the caller's transaction: the queue is the outbox.

``transaction=True`` so that commit and rollback are real (pytest-django otherwise wraps each test
in a transaction that never commits).
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from blackcanyon.accounts.models import User
from blackcanyon.core import tenancy
from blackcanyon.core.models import AuditLog
from blackcanyon.core.tasks import run_pending
from tests.core.marker_tasks import MARKER_ACTION, leave_marker
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


class ChangeFailed(Exception):
    pass


def _enqueue_then_fail(user: User, note: str) -> None:
    with transaction.atomic():
        leave_marker.enqueue(user_id=user.pk, note=note)
        raise ChangeFailed


def _markers(user: User) -> list[str]:
    # Organizer-less audit entries are readable by their actor only (RLS on PostgreSQL).
    with tenancy.scoped(user_id=user.pk):
        entries = AuditLog.objects.filter(action=MARKER_ACTION, actor=user)
        return [entry.data["note"] for entry in entries]


def test_task_enqueued_in_a_rolled_back_transaction_never_runs() -> None:
    # Given a change that enqueues a task and then fails
    user = UserFactory()
    with pytest.raises(ChangeFailed):
        _enqueue_then_fail(user, "rolled back")
    # When the worker runs everything that is pending
    run_pending()
    # Then the task was never queued and never ran
    assert not DBTaskResult.objects.exists()
    assert _markers(user) == []


def test_task_enqueued_in_a_committed_transaction_runs_once() -> None:
    # Given a change that enqueues a task and commits (control for the test above)
    user = UserFactory()
    with transaction.atomic():
        leave_marker.enqueue(user_id=user.pk, note="committed")
    # When the worker runs everything that is pending, twice
    run_pending()
    run_pending()
    # Then the task ran exactly once
    assert _markers(user) == ["committed"]


def test_only_the_committed_of_two_enqueues_runs() -> None:
    # Given one committed and one rolled-back change, in that order
    user = UserFactory()
    with transaction.atomic():
        leave_marker.enqueue(user_id=user.pk, note="kept")
    with pytest.raises(ChangeFailed):
        _enqueue_then_fail(user, "discarded")
    # When the worker runs
    run_pending()
    # Then only the committed change's task ran
    assert _markers(user) == ["kept"]
