"""Helpers of the ledger tests: times, the worker's database role, balances straight from SQL."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from django.db import connection

from blackcanyon.core import tenancy
from blackcanyon.core.rls import APP_ROLE, SYSTEM_ROLE
from blackcanyon.ledger.models import JournalEntry, Posting

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def at(minutes: int = 0) -> datetime:
    return T0 + timedelta(minutes=minutes)


@contextlib.contextmanager
def as_worker_role() -> Iterator[None]:
    """On PostgreSQL, act as ``bct worker``'s login role (member of ``bct_app`` and
    ``bct_system``) inside the system context; the role vanishes with the test's rollback."""
    if connection.vendor != "postgresql":
        with tenancy.system_context():
            yield
        return
    role = f"bct_test_worker_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute(f"CREATE ROLE {role} NOLOGIN IN ROLE {APP_ROLE}, {SYSTEM_ROLE}")
        cursor.execute(f"SET ROLE {role}")
    try:
        with tenancy.system_context():
            yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {APP_ROLE}")


def postings_of(organizer_id: int) -> list[tuple[str, str, int]]:
    """``(account code, line, amount)`` of every posting of the organizer, oldest first."""
    with tenancy.scoped(organizer_id=organizer_id):
        return list(
            Posting.objects.filter(organizer_id=organizer_id)
            .order_by("id")
            .values_list("account__code", "line", "amount")
        )


def sums_by_account(organizer_id: int) -> dict[str, int]:
    totals: dict[str, int] = {}
    for code, _line, amount in postings_of(organizer_id):
        totals[code] = totals.get(code, 0) + amount
    return {code: total for code, total in totals.items() if total}


def entry_count(organizer_id: int) -> int:
    with tenancy.scoped(organizer_id=organizer_id):
        return JournalEntry.objects.filter(organizer_id=organizer_id).count()
