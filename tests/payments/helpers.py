"""Acting as ``bct worker``'s role on PostgreSQL (webhook tasks look accounts up across
organizers in the system context)."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator

from django.db import connection

from blackcanyon.core.rls import APP_ROLE, SYSTEM_ROLE


@contextlib.contextmanager
def as_worker_role() -> Iterator[None]:
    """On PostgreSQL, act with the privileges of the worker's login role (a member of
    ``bct_app`` and ``bct_system``), created inside the test's transaction. Elsewhere: no-op."""
    if connection.vendor != "postgresql":
        yield
        return
    role = f"bct_test_worker_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")  # the suite's session user (a superuser) may create roles
        cursor.execute(f"CREATE ROLE {role} NOLOGIN IN ROLE {APP_ROLE}, {SYSTEM_ROLE}")
        cursor.execute(f"SET ROLE {role}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {APP_ROLE}")
