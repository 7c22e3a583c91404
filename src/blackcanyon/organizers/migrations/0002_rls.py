from django.db import migrations

from blackcanyon.core import rls


class Migration(migrations.Migration):
    """Row-level security on team tables (PostgreSQL). The organizer row itself is public."""

    dependencies = [("organizers", "0001_initial"), ("core", "0002_roles_and_audit_rls")]

    operations = [
        rls.tenant_table(
            "organizers_membership",
            extra_select=[f"user_id = {rls.CURRENT_USER_ID}"],
        ),
        rls.tenant_table(
            "organizers_invitation",
            extra_select=[f"token_hash = {rls.CURRENT_INVITATION}"],
        ),
    ]
