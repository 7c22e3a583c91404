from typing import Any

from django.db import migrations

from blackcanyon.core import rls

EVENTS = "payments_stripeevent"

# The webhook (web role) stores events but can never read them back: their payloads hold buyers'
# emails. The worker (a member of bct_system) reads and updates them in the system context.
EVENT_POLICIES = [
    f"ALTER TABLE {EVENTS} ENABLE ROW LEVEL SECURITY",
    f"ALTER TABLE {EVENTS} FORCE ROW LEVEL SECURITY",
    f"CREATE POLICY receive ON {EVENTS} FOR INSERT TO {rls.APP_ROLE} WITH CHECK (true)",
    f"CREATE POLICY system ON {EVENTS} FOR ALL TO {rls.SYSTEM_ROLE} "
    f"USING ({rls.SYSTEM_ON}) WITH CHECK ({rls.SYSTEM_ON})",
]
EVENT_POLICIES_DROP = [
    f"DROP POLICY IF EXISTS receive ON {EVENTS}",
    f"DROP POLICY IF EXISTS system ON {EVENTS}",
    f"ALTER TABLE {EVENTS} NO FORCE ROW LEVEL SECURITY",
    f"ALTER TABLE {EVENTS} DISABLE ROW LEVEL SECURITY",
]


def _run(statements: list[str]) -> Any:
    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return forwards


class Migration(migrations.Migration):
    """Row-level security on Stripe checkouts (organizer-owned) and the webhook event store
    (platform-level: insert-only for the web role, the worker's system context for the rest)."""

    dependencies = [("payments", "0003_stripe_checkout"), ("core", "0002_roles_and_audit_rls")]

    operations = [
        rls.tenant_table("payments_stripecheckout"),
        migrations.RunPython(_run(EVENT_POLICIES), _run(EVENT_POLICIES_DROP)),
    ]
