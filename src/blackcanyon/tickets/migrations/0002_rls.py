from django.db import migrations

from blackcanyon.core import rls


class Migration(migrations.Migration):
    """Row-level security on the tickets tables (PostgreSQL)."""

    dependencies = [("tickets", "0001_initial"), ("core", "0002_roles_and_audit_rls")]

    operations = [
        rls.tenant_table("tickets_eventkey"),
        rls.tenant_table("tickets_revokedsecret"),
    ]
