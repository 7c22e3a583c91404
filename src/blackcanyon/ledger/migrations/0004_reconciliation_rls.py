from typing import Any

from django.db import migrations

from blackcanyon.core import rls

# Platform staff (an active ``is_staff`` user signed in: ``app.user_id``) may read the
# reconciliation from the web role; ``accounts_user`` has no RLS, so the policy can look it up.
STAFF_READ = (
    "EXISTS (SELECT 1 FROM accounts_user u "
    f"WHERE u.id = {rls.CURRENT_USER_ID} AND u.is_staff AND u.is_active)"
)
RUN_TABLE = "ledger_reconciliationrun"
RUN_FORWARD = [
    f"ALTER TABLE {RUN_TABLE} ENABLE ROW LEVEL SECURITY",
    f"ALTER TABLE {RUN_TABLE} FORCE ROW LEVEL SECURITY",
    f"CREATE POLICY system ON {RUN_TABLE} FOR ALL TO {rls.SYSTEM_ROLE} "
    f"USING ({rls.SYSTEM_ON}) WITH CHECK ({rls.SYSTEM_ON})",
    f"CREATE POLICY staff_read ON {RUN_TABLE} FOR SELECT TO {rls.APP_ROLE} USING ({STAFF_READ})",
]
RUN_BACKWARD = [
    f"DROP POLICY IF EXISTS staff_read ON {RUN_TABLE}",
    f"DROP POLICY IF EXISTS system ON {RUN_TABLE}",
    f"ALTER TABLE {RUN_TABLE} NO FORCE ROW LEVEL SECURITY",
    f"ALTER TABLE {RUN_TABLE} DISABLE ROW LEVEL SECURITY",
]


def _run(statements: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    """Row-level security on the reconciliation tables (PostgreSQL).

    Runs are platform rows (no organizer): written in the system context (the worker), readable
    by the web role only for a signed-in platform staff user. Differences carry the organizer
    when the ledger knows it, so they get the usual tenant policy too, plus the same staff read.
    """

    dependencies = [
        ("ledger", "0003_reconciliation_runs"),
        ("accounts", "0001_initial"),
        ("core", "0002_roles_and_audit_rls"),
    ]

    operations = [
        migrations.RunPython(_run(RUN_FORWARD), _run(RUN_BACKWARD)),
        rls.tenant_table("ledger_reconciliationdifference", extra_select=[STAFF_READ]),
    ]
