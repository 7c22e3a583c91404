from django.db import migrations

from blackcanyon.core import rls


class Migration(migrations.Migration):
    """Row-level security on refunds and disputes (organizer-owned)."""

    dependencies = [("payments", "0005_refund_dispute")]

    operations = [
        rls.tenant_table("payments_refund"),
        rls.tenant_table("payments_dispute"),
    ]
