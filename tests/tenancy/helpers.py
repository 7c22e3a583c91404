"""Raw-SQL helpers for the row-level security tests.

The tests talk to PostgreSQL with plain SQL through Django's connection (which, in the PostgreSQL
pass, acts as ``bct_app``) so that nothing in the ORM or our selectors can hide a leak.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from django.apps import apps
from django.db import connection, models

# Every table that holds organizer-owned rows today, with the model it belongs to.
ORGANIZER_TABLES: dict[str, str] = {
    "events_event": "events.Event",
    "events_tickettype": "events.TicketType",
    "organizers_membership": "organizers.Membership",
    "organizers_invitation": "organizers.Invitation",
    "core_auditlog": "core.AuditLog",
}


def rows(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run one statement; return its rows ([] for statements that return none)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description else []


def scalar(sql: str, params: Sequence[Any] = ()) -> Any:
    result = rows(sql, params)
    return result[0][0]


def ids(sql: str, params: Sequence[Any] = ()) -> set[int]:
    return {row[0] for row in rows(sql, params)}


def rowcount(sql: str, params: Sequence[Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def set_setting(name: str, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, false)", [name, value])


@contextlib.contextmanager
def raw_organizer_context(organizer_id: int) -> Iterator[None]:
    """The organizer context written by hand, exactly as a request's connection carries it."""
    set_setting("app.organizer_id", str(organizer_id))
    try:
        yield
    finally:
        set_setting("app.organizer_id", "")


def copy_row_sql(table: str, row_id: int, overrides: dict[str, Any]) -> tuple[str, list[Any]]:
    """``INSERT INTO table SELECT <a visible row, with overrides>``.

    Copying a real row keeps the statement valid whatever columns the table gains later, so an
    error can only come from the override (here: a foreign organizer_id) and not from a missing
    NOT NULL column.
    """
    model: type[models.Model] = apps.get_model(ORGANIZER_TABLES[table])
    columns = [str(f.column) for f in model._meta.concrete_fields if not f.primary_key]
    select: list[str] = []
    params: list[Any] = []
    for column in columns:
        if column in overrides:
            select.append("%s")
            params.append(overrides[column])
        else:
            select.append(column)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - table names are constants
        f"SELECT {', '.join(select)} FROM {table} WHERE id = %s"
    )
    return sql, [*params, row_id]
