from django.db import migrations

from blackcanyon.core import rls


class Migration(migrations.Migration):
    """Create the bct_app / bct_system group roles and confine the audit log (PostgreSQL)."""

    dependencies = [("core", "0001_initial")]

    operations = [
        rls.create_roles(),
        rls.tenant_table(
            "core_auditlog",
            extra_select=[f"organizer_id IS NULL AND actor_id = {rls.CURRENT_USER_ID}"],
            insert_check="organizer_id IS NULL",
        ),
    ]
