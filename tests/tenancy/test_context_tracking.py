"""The tenant context reaches PostgreSQL lazily — before the next statement — and the tracker of
what the session holds survives commits, rollbacks and savepoint rollbacks.

Each test reads ``app.organizer_id`` back from the session: a stale tracker would skip a write
and run a statement in another organizer's context, which is exactly what RLS must never see.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from blackcanyon.core import tenancy

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Boom(Exception):
    pass


def session_organizer() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('app.organizer_id', true)")
        return cursor.fetchone()[0] or ""


def test_a_switch_costs_nothing_until_a_statement_and_nothing_when_unchanged():
    tenancy.activate(organizer_id=7)
    assert session_organizer() == "7"
    with CaptureQueriesContext(connection) as queries:
        # Switching away and back without a statement in between writes nothing at all
        with tenancy.scoped(organizer_id=8):
            pass
        assert session_organizer() == "7"
    assert len(queries) == 1, queries.captured_queries
    tenancy.reset()


def test_a_context_written_in_a_rolled_back_transaction_is_rewritten_afterwards():
    tenancy.activate(organizer_id=7)
    assert session_organizer() == "7"

    def fail_in_a_transaction() -> None:
        with transaction.atomic():
            assert session_organizer() == "8"
            raise Boom

    with tenancy.scoped(organizer_id=8):
        with pytest.raises(Boom):
            fail_in_a_transaction()
        # The rollback restored 7 in the session while the context is still 8
        assert session_organizer() == "8"
    assert session_organizer() == "7"
    tenancy.reset()


def test_a_context_committed_with_its_transaction_is_known_to_the_session():
    tenancy.activate(organizer_id=7)
    assert session_organizer() == "7"
    with tenancy.scoped(organizer_id=8), transaction.atomic():
        assert session_organizer() == "8"
    # Committed 8; the context went back to 7 and must be written again
    assert session_organizer() == "7"
    tenancy.reset()
    assert session_organizer() == ""


def test_a_savepoint_rollback_makes_the_tracker_write_again():
    tenancy.activate(organizer_id=7)
    assert session_organizer() == "7"
    with transaction.atomic():
        savepoint = transaction.savepoint_create()
        with tenancy.scoped(organizer_id=8):
            # Written inside the savepoint...
            assert session_organizer() == "8"
            # ...and undone by its rollback: the session holds 7 again, the context is 8
            transaction.savepoint_rollback(savepoint)
            assert session_organizer() == "8"
        assert session_organizer() == "7"
    assert session_organizer() == "7"
    tenancy.reset()
