from django.db import migrations

from blackcanyon.core import rls


class Migration(migrations.Migration):
    """Row-level security on the payments tables (PostgreSQL).

    Stripe webhooks arrive without an organizer: they find the account's organizer in the system
    context (the worker's role) and write in that organizer's context.
    """

    dependencies = [("payments", "0001_initial"), ("core", "0002_roles_and_audit_rls")]

    operations = [
        rls.tenant_table("payments_stripeaccount"),
        rls.tenant_table("payments_platformfeeoverride"),
    ]
