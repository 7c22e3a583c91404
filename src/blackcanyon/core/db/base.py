from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.backends.postgresql import base

from blackcanyon.core import tenancy


class DatabaseWrapper(base.DatabaseWrapper):
    """Stock psycopg backend plus the tenant context of row-level security.

    * ``SET ROLE`` when the settings dict names ``SET_ROLE`` (the test suite connects as a
      superuser to create the database, then acts as the unprivileged app role like production);
    * the current tenant context (``app.organizer_id`` ...) is written when a connection opens
      and, before any statement, whenever the session does not hold it yet (``core.tenancy``);
      commits and rollbacks tell the tracker what the session holds afterwards.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.execute_wrappers.append(self._tenant_context_first)

    def _tenant_context_first(
        self,
        execute: Callable[..., Any],
        sql: str,
        params: Any,
        many: bool,
        context: dict[str, Any],
    ) -> Any:
        if not tenancy.transaction_broken(self):
            tenancy.apply_to_connection(self)
        return execute(sql, params, many, context)

    def init_connection_state(self) -> None:
        super().init_connection_state()
        role = self.settings_dict.get("SET_ROLE")
        if role:
            with self.connection.cursor() as cursor:
                cursor.execute(f'SET ROLE "{role}"')
        self._bct_in_tx = None
        tenancy.apply_to_connection(self, force=True)

    def _commit(self) -> None:
        super()._commit()  # type: ignore[misc]
        tenancy.transaction_committed(self)

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            tenancy.transaction_rolled_back(self)

    def _savepoint_rollback(self, sid: str) -> None:
        try:
            super()._savepoint_rollback(sid)  # type: ignore[misc]
        finally:
            tenancy.savepoint_rolled_back(self)
