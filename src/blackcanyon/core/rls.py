"""Row-level security for organizer-owned tables (PostgreSQL only), used from migrations.

Policies are keyed on session settings written by ``core.tenancy``:

* ``tenant`` — the app role (``bct_app``) sees and writes only rows whose ``organizer_id`` equals
  ``app.organizer_id``;
* ``public_read`` (optional) — outside any organizer context, the app role may *read* rows that
  public pages legitimately need (e.g. published events);
* extra per-table SELECT clauses (a user's own memberships, an invitation by its token);
* ``system`` — members of ``bct_system`` (worker, migration owner) see everything while
  ``app.system = 'on'``;
* ``staff_read`` (``staff_read()``, added by later migrations) — the app role may *read* (never
  write) rows while ``app.user_id`` names an active ``is_staff`` user (platform staff), optionally
  only the rows matching a narrower clause.

RLS is ENABLEd and FORCEd so that even the table owner is subject to it.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

APP_ROLE = "bct_app"
SYSTEM_ROLE = "bct_system"
CURRENT_ORG = "NULLIF(current_setting('app.organizer_id', true), '')::bigint"
CURRENT_USER_ID = "NULLIF(current_setting('app.user_id', true), '')::bigint"
CURRENT_INVITATION = "NULLIF(current_setting('app.invitation', true), '')"
SYSTEM_ON = "current_setting('app.system', true) = 'on'"
NO_ORG_CONTEXT = f"{CURRENT_ORG} IS NULL"
# The context's user is active platform staff. ``accounts_user`` has no RLS, so a policy can look
# it up; the subquery is uncorrelated, so PostgreSQL evaluates it once per statement.
STAFF_READ = (
    "EXISTS (SELECT 1 FROM accounts_user u "  # noqa: S608 - constants only
    f"WHERE u.id = {CURRENT_USER_ID} AND u.is_staff AND u.is_active)"
)

CREATE_ROLES_SQL = f"""
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
    CREATE ROLE {APP_ROLE} NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{SYSTEM_ROLE}') THEN
    CREATE ROLE {SYSTEM_ROLE} NOLOGIN;
  END IF;
END
$$;
"""  # noqa: S608 - constants only


def _statements(
    table: str, *, public_read: str | None, extra_select: list[str], insert_check: str | None
) -> list[str]:
    sql = [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant ON {table} FOR ALL TO {APP_ROLE} "
        f"USING (organizer_id = {CURRENT_ORG}) WITH CHECK (organizer_id = {CURRENT_ORG})",
        f"CREATE POLICY system ON {table} FOR ALL TO {SYSTEM_ROLE} "
        f"USING ({SYSTEM_ON}) WITH CHECK ({SYSTEM_ON})",
    ]
    if public_read:
        sql.append(
            f"CREATE POLICY public_read ON {table} FOR SELECT TO {APP_ROLE} "
            f"USING ({NO_ORG_CONTEXT} AND ({public_read}))"
        )
    for i, clause in enumerate(extra_select):
        sql.append(f"CREATE POLICY read_{i} ON {table} FOR SELECT TO {APP_ROLE} USING ({clause})")
    if insert_check:
        sql.append(
            f"CREATE POLICY insert_extra ON {table} FOR INSERT TO {APP_ROLE} "
            f"WITH CHECK ({insert_check})"
        )
    return sql


def _drop(table: str) -> list[str]:
    return [
        f"DROP POLICY IF EXISTS tenant ON {table}",
        f"DROP POLICY IF EXISTS system ON {table}",
        f"DROP POLICY IF EXISTS public_read ON {table}",
        *[f"DROP POLICY IF EXISTS read_{i} ON {table}" for i in range(5)],
        f"DROP POLICY IF EXISTS insert_extra ON {table}",
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    ]


def _run(statements: list[str]) -> Any:
    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return forwards


def create_roles() -> migrations.RunPython:
    return migrations.RunPython(_run([CREATE_ROLES_SQL]), migrations.RunPython.noop)


def tenant_table(
    table: str,
    *,
    public_read: str | None = None,
    extra_select: list[str] | None = None,
    insert_check: str | None = None,
) -> migrations.RunPython:
    """Migration operation that turns on FORCEd RLS with the policies above for ``table``."""
    forwards = _statements(
        table, public_read=public_read, extra_select=extra_select or [], insert_check=insert_check
    )
    return migrations.RunPython(_run(forwards), _run(_drop(table)))


def staff_read(table: str, *, only: str | None = None) -> migrations.RunPython:
    """Migration operation adding the read-only ``staff_read`` policy to ``table`` (already under
    FORCEd RLS): platform staff's context reads its rows — with ``only``, just the rows matching
    that clause — and writes none (``FOR SELECT``; the ``tenant`` and ``system`` policies alone
    govern INSERT, UPDATE and DELETE)."""
    create, drop = _staff_read_sql(table, only)
    return migrations.RunPython(_run(create), _run(drop))


def staff_read_removed(table: str, *, only: str | None = None) -> migrations.RunPython:
    """Migration operation removing ``staff_read`` from ``table`` (``only`` as it was created,
    to put it back when the migration is reversed)."""
    create, drop = _staff_read_sql(table, only)
    return migrations.RunPython(_run(drop), _run(create))


def _staff_read_sql(table: str, only: str | None) -> tuple[list[str], list[str]]:
    clause = STAFF_READ if only is None else f"{STAFF_READ} AND ({only})"
    return (
        [f"CREATE POLICY staff_read ON {table} FOR SELECT TO {APP_ROLE} USING ({clause})"],
        [f"DROP POLICY IF EXISTS staff_read ON {table}"],
    )


GRANT_SQL = [
    f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}, {SYSTEM_ROLE}",
    f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}, "
    f"{SYSTEM_ROLE}",
    f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}, {SYSTEM_ROLE}",
    # The audit log is append-only for the application.
    f"REVOKE UPDATE, DELETE ON core_auditlog FROM {APP_ROLE}, {SYSTEM_ROLE}",
]


def grant_app_privileges(connection: Any) -> None:
    """Give the app and system roles data access (never DDL) to every table; idempotent."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE])
        if cursor.fetchone() is None:
            return
        cursor.execute("SELECT to_regclass('core_auditlog')")
        has_audit = cursor.fetchone()[0] is not None
        for statement in GRANT_SQL if has_audit else GRANT_SQL[:-1]:
            cursor.execute(statement)
