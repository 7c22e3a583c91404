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


# What a PostgreSQL session holds, tracked on the Django connection (``core.db.base``):
# ``_bct_session`` — the context committed to the session (valid outside transactions);
# ``_bct_in_tx`` — the context written inside the open transaction (``None``: none written;
# ``UNKNOWN``: a savepoint rolled back, so the session may hold either).
UNKNOWN = object()


def _needs_write(connection: BaseDatabaseWrapper, ctx: TenantContext) -> bool:
    in_tx = getattr(connection, "_bct_in_tx", None)
    held = in_tx if in_tx is not None else getattr(connection, "_bct_session", None)
    return held != ctx


def apply_to_connection(connection: BaseDatabaseWrapper, *, force: bool = False) -> None:
    """Make the session's settings match the current context (PostgreSQL; no-op elsewhere).

    Called before every statement (the backend's execute wrapper) and when a connection opens
    (``force``): a context switch costs nothing until the next statement, and nothing at all
    when the session already holds that context (most API requests of one organizer in a row).
    A write inside a transaction is remembered for that transaction only: the backend forgets it
    on rollback (the session reverts) and keeps it on commit.
    """
    if connection.vendor != "postgresql":
        return
    ctx = _current.get()
    if not force and not _needs_write(connection, ctx):
        return
    params = [
        "" if ctx.organizer_id is None else str(ctx.organizer_id),
        "" if ctx.user_id is None else str(ctx.user_id),
        ctx.invitation_token_hash,
        ctx.api_token_hash,
        "on" if ctx.system else "",
    ]
    raw = connection.connection
    with raw.cursor() as cursor:
        cursor.execute(_SET_SQL, params)
    if connection.in_atomic_block or not connection.get_autocommit():
        connection._bct_in_tx = ctx  # type: ignore[attr-defined]
    else:
        connection._bct_session = ctx  # type: ignore[attr-defined]
        connection._bct_in_tx = None  # type: ignore[attr-defined]


def transaction_committed(connection: BaseDatabaseWrapper) -> None:
    in_tx = getattr(connection, "_bct_in_tx", None)
    if in_tx is UNKNOWN:
        connection._bct_session = None  # type: ignore[attr-defined]
    elif in_tx is not None:
        connection._bct_session = in_tx  # type: ignore[attr-defined]
    connection._bct_in_tx = None  # type: ignore[attr-defined]


def transaction_rolled_back(connection: BaseDatabaseWrapper) -> None:
    connection._bct_in_tx = None  # type: ignore[attr-defined]


def savepoint_rolled_back(connection: BaseDatabaseWrapper) -> None:
    if getattr(connection, "_bct_in_tx", None) is not None:
        connection._bct_in_tx = UNKNOWN  # type: ignore[attr-defined]


def transaction_broken(connection: BaseDatabaseWrapper) -> bool:
    """The open transaction failed: any statement now errors (and a rollback restores the
    settings), so the context is not written — that would only hide the original error."""
    if connection.in_atomic_block and connection.needs_rollback:
        return True
    from psycopg import pq

    status = connection.connection.info.transaction_status
    return bool(status == pq.TransactionStatus.INERROR)


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


def reset() -> None:
    _current.set(_EMPTY)


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
    try:
        yield _current.get()
    finally:
        _current.reset(token)


@contextlib.contextmanager
def system_context() -> Iterator[TenantContext]:
    """Cross-organizer access for system jobs and management commands.

    On PostgreSQL this only widens visibility for roles that are members of ``bct_system`` (the
    worker's and the migration owner's login roles); the web role stays confined by RLS even if
    it sets ``app.system``.
    """
    token = _current.set(TenantContext(system=True))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


@contextlib.contextmanager
def for_organizer(organizer_id: int) -> Iterator[TenantContext]:
    """Act for one organizer, keeping the signed-in user (the shop writing an organizer's order)."""
    with scoped(organizer_id=organizer_id, user_id=_current.get().user_id) as ctx:
        yield ctx
