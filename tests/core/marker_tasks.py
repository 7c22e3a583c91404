"""A tiny task for the transactional-enqueue tests: it leaves a visible trace when it runs."""

from __future__ import annotations

from django.db import transaction
from django.tasks import task

from blackcanyon.accounts.models import User
from blackcanyon.core import audit

MARKER_ACTION = "tests.marker.ran"


@task()
def leave_marker(*, user_id: int, note: str) -> None:
    """Append an organizer-less audit entry by ``user_id`` carrying ``note``."""
    with transaction.atomic():
        audit.record(actor=User.objects.get(pk=user_id), action=MARKER_ACTION, data={"note": note})
