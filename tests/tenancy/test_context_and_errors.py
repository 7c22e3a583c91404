"""Leaving a tenant scope never hides the database error that happened inside it, and the
connection ends up in the outer context once the failed transaction is rolled back."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, ProgrammingError, transaction

from blackcanyon.core import tenancy
from blackcanyon.events.models import Event
from tests.tenancy.conftest import World
from tests.tenancy.helpers import rows, scalar

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _db_organizer() -> str:
    return str(scalar("SELECT current_setting('app.organizer_id', true)"))


def test_integrity_error_inside_a_scope_inside_a_transaction_surfaces(world: World) -> None:
    # Given A's context, and code that enters B's scope inside a transaction
    duplicate = world.b.published_event
    with tenancy.scoped(organizer_id=world.a.pk):
        # When B's scope hits a unique constraint (a taken slug)
        with (
            pytest.raises(IntegrityError, match="event_unique_slug"),
            transaction.atomic(),
            tenancy.scoped(organizer_id=world.b.pk),
        ):
            Event.objects.create(
                organizer=world.b.organizer,
                title="Copy",
                slug=duplicate.slug,
                starts_at=duplicate.starts_at,
                ends_at=duplicate.ends_at,
            )
        # Then the caller gets the IntegrityError itself (not "can't execute queries"),
        # and the connection is back in A's context
        assert _db_organizer() == str(world.a.pk)
        assert {e.organizer_id for e in Event.objects.all()} == {world.a.pk}


def test_raw_sql_error_inside_a_scope_inside_a_transaction_surfaces(world: World) -> None:
    with tenancy.scoped(organizer_id=world.a.pk):
        with (
            pytest.raises(ProgrammingError, match="no_such_table"),
            transaction.atomic(),
            tenancy.scoped(organizer_id=world.b.pk),
        ):
            rows("SELECT * FROM no_such_table")
        assert _db_organizer() == str(world.a.pk)


def test_scope_restores_the_outer_context_on_the_connection(world: World) -> None:
    with tenancy.scoped(organizer_id=world.a.pk):
        with tenancy.scoped(organizer_id=world.b.pk):
            assert _db_organizer() == str(world.b.pk)
        assert _db_organizer() == str(world.a.pk)
    assert _db_organizer() == ""
