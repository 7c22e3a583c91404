"""The database role the app runs as cannot step around row-level security.

RLS is only a wall if the role it applies to is not a superuser, has no BYPASSRLS, owns no table
(owners may switch RLS off) and is not a member of ``bct_system``; and only if every table with an
``organizer`` column is covered. These tests state those facts against the live database.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import ProgrammingError, connection, models, transaction

from blackcanyon.core.rls import APP_ROLE, SYSTEM_ROLE
from blackcanyon.organizers.models import Organizer
from tests.tenancy.helpers import ORGANIZER_TABLES, rows, scalar

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _rls_flags(table: str) -> tuple[bool, bool] | None:
    found = rows(
        "SELECT c.relrowsecurity, c.relforcerowsecurity FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = current_schema() AND c.relname = %s AND c.relkind = 'r'",
        [table],
    )
    return (found[0][0], found[0][1]) if found else None


def _organizer_owned_models() -> list[type[models.Model]]:
    owned = []
    for model in apps.get_models():
        meta = model._meta
        if model is Organizer or meta.proxy or not meta.managed:
            continue
        try:
            field = meta.get_field("organizer")
        except FieldDoesNotExist:
            continue
        if field.concrete:
            owned.append(model)
    return owned


def test_app_connects_as_bct_app_which_is_not_superuser_and_cannot_bypass_rls() -> None:
    # Given the suite's PostgreSQL connection (the same role as the web app in production)
    # When we ask who we are
    user, is_super, bypass = rows(
        "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    )[0]
    # Then it is bct_app, with neither superuser nor BYPASSRLS
    assert user == APP_ROLE
    assert is_super is False
    assert bypass is False


def test_app_role_owns_no_table_and_is_not_in_the_system_role() -> None:
    # Given every relation in the app's schema
    # When we look for one the app role owns (directly or through a role it belongs to)
    owned = rows(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = current_schema() AND pg_has_role(current_user, c.relowner, 'MEMBER')"
    )
    # Then there is none, and bct_app cannot act as bct_system either
    assert owned == []
    assert scalar("SELECT pg_has_role(%s, %s, 'MEMBER')", [APP_ROLE, SYSTEM_ROLE]) is False


def test_app_role_cannot_create_tables_or_switch_row_security_off() -> None:
    # Given the app role
    # Then it may not create objects in the schema
    assert scalar("SELECT has_schema_privilege(current_user, current_schema(), 'CREATE')") is False
    # When it tries to lift RLS from a table, Then PostgreSQL refuses (only owners may)
    with pytest.raises(ProgrammingError, match="must be owner"), transaction.atomic():
        rows("ALTER TABLE events_event NO FORCE ROW LEVEL SECURITY")
    # When it turns row_security off for its session, Then filtered reads error out instead
    with transaction.atomic():
        rows("SET LOCAL row_security = off")
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            rows("SELECT id FROM events_event")
        transaction.set_rollback(True)


@pytest.mark.parametrize("table", sorted(ORGANIZER_TABLES))
def test_organizer_owned_table_has_forced_row_level_security(table: str) -> None:
    # Given an organizer-owned table
    # When we read its RLS flags
    flags = _rls_flags(table)
    # Then RLS is both enabled and FORCEd (it would apply to the owner too)
    assert flags == (True, True)


def test_every_model_with_an_organizer_field_is_under_forced_rls() -> None:
    # Given every installed model with an `organizer` column (future apps included)
    owned = _organizer_owned_models()
    assert {m._meta.db_table for m in owned} >= set(ORGANIZER_TABLES)
    # When we read each table's RLS flags and the policies that apply to the app role
    missing = []
    for model in owned:
        table = model._meta.db_table
        has_app_policy = scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = current_schema()"
            " AND tablename = %s AND policyname = 'tenant' AND %s = ANY(roles))",
            [table, APP_ROLE],
        )
        if _rls_flags(table) != (True, True) or not has_app_policy:
            missing.append(f"{model._meta.label} ({table})")
    # Then none lacks FORCEd RLS with a tenant policy (add `rls.tenant_table(...)` to a
    # migration, see docs/tenancy.md)
    assert missing == [], f"organizer-owned tables without forced RLS: {missing}"


def test_every_table_with_an_organizer_id_column_is_under_forced_rls() -> None:
    # Given every table in the schema with an organizer_id column (even ones without a model)
    tables = rows(
        "SELECT c.relname, c.relforcerowsecurity FROM pg_attribute a"
        " JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        " AND a.attname = 'organizer_id' AND NOT a.attisdropped"
    )
    # Then each of them has FORCEd RLS
    assert tables, "expected organizer-owned tables"
    assert [name for name, forced in tables if not forced] == []


def test_connection_is_postgres_for_this_module() -> None:
    # A guard against the module silently running its checks on another backend.
    assert connection.vendor == "postgresql"
