from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base

from blackcanyon.core import tenancy


class DatabaseWrapper(base.DatabaseWrapper):
    """Stock psycopg backend plus two steps when a connection opens.

    * ``SET ROLE`` when the settings dict names ``SET_ROLE`` (the test suite connects as a
      superuser to create the database, then acts as the unprivileged app role like production);
    * the current tenant context (``app.organizer_id`` ...) for row-level security.
    """

    def init_connection_state(self) -> None:
        super().init_connection_state()
        role = self.settings_dict.get("SET_ROLE")
        if role:
            with self.connection.cursor() as cursor:
                cursor.execute(f'SET ROLE "{role}"')
        tenancy.apply_to_connection(self, force=True)

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        return super().get_new_connection(conn_params)
