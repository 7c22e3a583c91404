"""The audit log is append-only for the application: no UPDATE, no DELETE, even of own rows."""

from __future__ import annotations

import pytest
from django.db import ProgrammingError, transaction

from blackcanyon.core import tenancy
from blackcanyon.core.models import AuditLog
from tests.tenancy.conftest import World
from tests.tenancy.helpers import rows

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_auditlog SET data = '{}'::jsonb WHERE id = %s",
        "DELETE FROM core_auditlog WHERE id = %s",
    ],
    ids=["update", "delete"],
)
def test_app_role_may_not_rewrite_or_delete_its_own_audit_entries(
    world: World, statement: str
) -> None:
    # Given A's own audit entry, visible in A's context
    entry = world.a.audit_entry
    with tenancy.scoped(organizer_id=world.a.pk, user_id=world.a.owner.pk):
        assert rows("SELECT action FROM core_auditlog WHERE id = %s", [entry.pk]) == [
            ("events.event.created",)
        ]
        # When the app role tries to change or remove it
        # Then PostgreSQL refuses for lack of privilege, not because the row is hidden
        with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
            rows(statement, [entry.pk])
        # And the entry is unchanged
        assert rows("SELECT action FROM core_auditlog WHERE id = %s", [entry.pk]) == [
            ("events.event.created",)
        ]


def test_queryset_update_and_delete_of_audit_entries_fail_on_postgres(world: World) -> None:
    # Given code that bypasses the model's save()/delete() guards with a bulk queryset call
    with tenancy.scoped(organizer_id=world.a.pk):
        entries = AuditLog.objects.filter(pk=world.a.audit_entry.pk)
        # When it updates or deletes, Then the database refuses both
        with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
            entries.update(action="x.y.z")
        with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
            entries.delete()
        assert entries.count() == 1
