"""Tenant context: which organizer (and user) the current request or task acts for.

App-level scoping (querysets filtered by organizer) is the first wall. On PostgreSQL the second
wall is row-level security: every new connection, and every change of context, sets
``app.organizer_id`` / ``app.user_id`` / ``app.system`` with ``set_config`` so the policies in the
migrations (see ``core/rls.py``) only show the active organizer's rows. See docs/tenancy.md.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper


@dataclass(frozen=True, slots=True)
class TenantContext:
    organizer_id: int | None = None
    user_id: int | None = None
    invitation_token_hash: str = ""
    # sha256 of an API token being looked up (before its organizer is known): RLS shows that
    # one token row, nothing else (api/migrations/0002_rls.py).
    api_token_hash: str = ""
    system: bool = False


_EMPTY = TenantContext()
_current: contextvars.ContextVar[TenantContext] = contextvars.ContextVar(
    "bct_tenant", default=_EMPTY
)

_SET_SQL = (
    "SELECT set_config('app.organizer_id', %s, false), set_config('app.user_id', %s, false),"
    " set_config('app.invitation', %s, false), set_config('app.api_token', %s, false),"
    " set_config('app.system', %s, false)"
)


def current() -> TenantContext:
    return _current.get()


def apply_to_connection(connection: BaseDatabaseWrapper, *, force: bool = False) -> None:
    """Write the current context into a PostgreSQL session (no-op elsewhere).

    Outside a transaction the written context is remembered on the connection and not written
    again while it stays the same (most requests start and end with "no organizer"). Inside a
    transaction it is always written and forgotten: a rollback restores the previous value.
    """
    if connection.vendor != "postgresql":
        return
    ctx = _current.get()
    in_transaction = connection.in_atomic_block
    if not force and not in_transaction and getattr(connection, "_bct_applied", None) == ctx:
        return
    params = [
        "" if ctx.organizer_id is None else str(ctx.organizer_id),
        "" if ctx.user_id is None else str(ctx.user_id),
        ctx.invitation_token_hash,
        ctx.api_token_hash,
        "on" if ctx.system else "",
    ]
    with connection.cursor() as cursor:
        cursor.execute(_SET_SQL, params)
    connection._bct_applied = None if in_transaction else ctx  # type: ignore[attr-defined]


def _transaction_broken(connection: BaseDatabaseWrapper) -> bool:
    if connection.in_atomic_block and connection.needs_rollback:
        return True
    if connection.vendor == "postgresql":
        from psycopg import pq

        status = connection.connection.info.transaction_status
        return bool(status == pq.TransactionStatus.INERROR)
    return False


def _apply_everywhere() -> None:
    for conn in connections.all(initialized_only=True):
        if conn.connection is None:
            continue
        if _transaction_broken(conn):
            # The failed (sub)transaction is about to roll back, and that restores the setting
            # it started with. Querying now would fail and hide the error that broke it.
            continue
        apply_to_connection(conn)


def activate(
    *, organizer_id: int | None = None, user_id: int | None = None, invitation_token_hash: str = ""
) -> None:
    """Set the context for the rest of this request/task (replaces the previous one)."""
    _current.set(
        TenantContext(
            organizer_id=organizer_id,
            user_id=user_id,
            invitation_token_hash=invitation_token_hash,
        )
    )
    _apply_everywhere()


def reset() -> None:
    _current.set(_EMPTY)
    _apply_everywhere()


@contextlib.contextmanager
def scoped(
    *,
    organizer_id: int | None = None,
    user_id: int | None = None,
    invitation_token_hash: str = "",
    api_token_hash: str = "",
) -> Iterator[TenantContext]:
    """Run a block in another tenant context and restore the previous one afterwards."""
    token = _current.set(
        TenantContext(
            organizer_id=organizer_id,
            user_id=user_id,
            invitation_token_hash=invitation_token_hash,
            api_token_hash=api_token_hash,
        )
    )
    _apply_everywhere()
    try:
        yield _current.get()
    finally:
        _current.reset(token)
        _apply_everywhere()


@contextlib.contextmanager
def system_context() -> Iterator[TenantContext]:
    """Cross-organizer access for system jobs and management commands.

    On PostgreSQL this only widens visibility for roles that are members of ``bct_system`` (the
    worker's and the migration owner's login roles); the web role stays confined by RLS even if
    it sets ``app.system``.
    """
    token = _current.set(TenantContext(system=True))
    _apply_everywhere()
    try:
        yield _current.get()
    finally:
        _current.reset(token)
        _apply_everywhere()


@contextlib.contextmanager
def for_organizer(organizer_id: int) -> Iterator[TenantContext]:
    """Act for one organizer, keeping the signed-in user (the shop writing an organizer's order)."""
    with scoped(organizer_id=organizer_id, user_id=_current.get().user_id) as ctx:
        yield ctx
