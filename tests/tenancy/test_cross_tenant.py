"""Inside organizer A's context, organizer B's rows cannot be read, changed, deleted or forged.

Raw SQL on purpose: these tests prove the second wall (PostgreSQL RLS) holds even when the first
wall (app-level filters in selectors) is missing, e.g. a forgotten ``.filter(organizer=...)``.
Each test runs with the context set both through ``tenancy.scoped`` and by hand with
``set_config`` (what a connection carries).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from django.db import ProgrammingError, transaction

from blackcanyon.core import tenancy
from tests.factories import UserFactory
from tests.tenancy.conftest import Tenant, World
from tests.tenancy.helpers import (
    ORGANIZER_TABLES,
    copy_row_sql,
    ids,
    raw_organizer_context,
    rowcount,
    rows,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

TABLES = sorted(ORGANIZER_TABLES)
# A harmless change per table, used to try writing to the other tenant's rows.
HARMLESS_UPDATE = {
    "events_event": "title = 'hijacked'",
    "events_tickettype": "price = 1",
    "organizers_membership": "role = 'scanner'",
    "organizers_invitation": "email = 'attacker@evil.example'",
    "core_auditlog": "action = 'x.y.z'",
}
EnterContext = Callable[[int], contextlib.AbstractContextManager[Any]]


@pytest.fixture(params=["tenancy.scoped", "raw set_config"])
def as_organizer(request: pytest.FixtureRequest) -> EnterContext:
    if request.param == "tenancy.scoped":
        return lambda organizer_id: tenancy.scoped(organizer_id=organizer_id)
    return raw_organizer_context


def _unique_overrides(table: str, tenant: Tenant) -> dict[str, Any]:
    """Column values a copied row needs to satisfy the table's unique constraints."""
    if table == "events_event":
        return {"slug": f"copy-{tenant.pk}"}
    if table == "organizers_membership":
        return {"user_id": UserFactory().pk}
    if table == "organizers_invitation":
        return {"token_hash": "f" * 64}
    return {}


def _still_there(tenant: Tenant, table: str) -> set[int]:
    with tenancy.scoped(organizer_id=tenant.pk):
        return ids(f"SELECT id FROM {table}")  # noqa: S608


@pytest.mark.parametrize("table", TABLES)
def test_other_organizers_rows_are_invisible(
    world: World, as_organizer: EnterContext, table: str
) -> None:
    # Given organizers A and B with rows in every organizer-owned table (drafts included)
    # When A's context reads the whole table without any WHERE clause
    with as_organizer(world.a.pk):
        visible = rows(f"SELECT id, organizer_id FROM {table}")  # noqa: S608
    # Then exactly A's rows come back: none of B's, all of A's (the wall is not just "empty")
    assert {organizer_id for _, organizer_id in visible} == {world.a.pk}
    assert {row_id for row_id, _ in visible} == world.a.ids(table)
    assert not {row_id for row_id, _ in visible} & world.b.ids(table)


@pytest.mark.parametrize("table", TABLES)
def test_looking_up_another_organizers_row_by_id_finds_nothing(
    world: World, as_organizer: EnterContext, table: str
) -> None:
    # Given B's row ids (e.g. guessed from a URL)
    # When A's context asks for them directly
    with as_organizer(world.a.pk):
        found = ids(
            f"SELECT id FROM {table} WHERE id = ANY(%s)",  # noqa: S608
            [list(world.b.ids(table))],
        )
    # Then nothing is found
    assert found == set()


@pytest.mark.parametrize("table", TABLES)
def test_updating_another_organizers_rows_changes_nothing(
    world: World, as_organizer: EnterContext, table: str
) -> None:
    # Given B's rows
    target = list(world.b.ids(table))
    # When A's context updates them by id
    with as_organizer(world.a.pk):
        if table == "core_auditlog":
            # The audit log refuses every UPDATE (see test_audit_append_only.py).
            with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
                rows(f"UPDATE {table} SET {HARMLESS_UPDATE[table]} WHERE id = ANY(%s)", [target])  # noqa: S608
            changed = 0
        else:
            changed = rowcount(
                f"UPDATE {table} SET {HARMLESS_UPDATE[table]} WHERE id = ANY(%s)",  # noqa: S608
                [target],
            )
    # Then no row changed
    assert changed == 0


def test_updating_another_organizers_event_title_affects_zero_rows(
    world: World, as_organizer: EnterContext
) -> None:
    # Given B's published event
    event = world.b.published_event
    # When A's context renames it
    with as_organizer(world.a.pk):
        changed = rowcount("UPDATE events_event SET title = 'x' WHERE id = %s", [event.pk])
    # Then zero rows are affected and B still sees the original title
    assert changed == 0
    with tenancy.scoped(organizer_id=world.b.pk):
        assert rows("SELECT title FROM events_event WHERE id = %s", [event.pk]) == [(event.title,)]


@pytest.mark.parametrize("table", TABLES)
def test_deleting_another_organizers_rows_removes_nothing(
    world: World, as_organizer: EnterContext, table: str
) -> None:
    # Given B's rows
    target = list(world.b.ids(table))
    # When A's context deletes them by id
    with as_organizer(world.a.pk):
        if table == "core_auditlog":
            with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
                rows(f"DELETE FROM {table} WHERE id = ANY(%s)", [target])  # noqa: S608
            deleted = 0
        else:
            deleted = rowcount(f"DELETE FROM {table} WHERE id = ANY(%s)", [target])  # noqa: S608
    # Then nothing was deleted: B still has all its rows
    assert deleted == 0
    assert _still_there(world.b, table) >= world.b.ids(table)


@pytest.mark.parametrize("table", TABLES)
def test_inserting_a_row_for_another_organizer_is_refused(
    world: World, as_organizer: EnterContext, table: str
) -> None:
    # Given one of A's rows, which A's context may copy for itself (control: the statement is
    # valid and only the organizer decides)
    source = min(world.a.ids(table))
    with as_organizer(world.a.pk):
        own_sql, own_params = copy_row_sql(table, source, _unique_overrides(table, world.a))
        with transaction.atomic():
            assert rowcount(own_sql, own_params) == 1
        # When A's context inserts the same row with organizer_id = B
        forged = {**_unique_overrides(table, world.b), "organizer_id": world.b.pk}
        sql, params = copy_row_sql(table, source, forged)
        # Then PostgreSQL refuses it with a row-level security violation
        with (
            pytest.raises(ProgrammingError, match="violates row-level security policy"),
            transaction.atomic(),
        ):
            rows(sql, params)
    # And B has no new row
    assert _still_there(world.b, table) == world.b.ids(table)


@pytest.mark.parametrize("table", [t for t in TABLES if t != "core_auditlog"])
def test_moving_own_row_to_another_organizer_is_refused(
    world: World, as_organizer: EnterContext, table: str
) -> None:
    # Given one of A's rows
    row_id = min(world.a.ids(table))
    # When A's context re-assigns it to B
    with (
        as_organizer(world.a.pk),
        pytest.raises(ProgrammingError, match="violates row-level security policy"),
        transaction.atomic(),
    ):
        rows(f"UPDATE {table} SET organizer_id = %s WHERE id = %s", [world.b.pk, row_id])  # noqa: S608
    # Then the row still belongs to A
    assert row_id in _still_there(world.a, table)
    assert row_id not in _still_there(world.b, table)


def test_member_of_two_organizers_sees_only_the_active_organizers_events(world: World) -> None:
    # Given A's owner is also a member of B
    with tenancy.scoped(organizer_id=world.b.pk), transaction.atomic():
        rows(
            "INSERT INTO organizers_membership (organizer_id, user_id, role, created_at,"
            " updated_at) VALUES (%s, %s, 'admin', now(), now())",
            [world.b.pk, world.a.owner.pk],
        )
    # When that user works in A's context
    with tenancy.scoped(organizer_id=world.a.pk, user_id=world.a.owner.pk):
        events = ids("SELECT id FROM events_event")
        memberships = rows(
            "SELECT organizer_id FROM organizers_membership WHERE user_id = %s", [world.a.owner.pk]
        )
    # Then they see A's events only, though they may list their own memberships everywhere
    assert events == world.a.ids("events_event")
    assert {m for (m,) in memberships} == {world.a.pk, world.b.pk}
