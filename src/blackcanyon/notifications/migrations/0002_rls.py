from django.db import migrations

from blackcanyon.core import rls


class Migration(migrations.Migration):
    """Row-level security on tracked emails (PostgreSQL).

    Messages are written and read in their organizer's context; delivery webhooks find a message's
    organizer in the worker's system context (notifications.tasks.record_delivery_event).
    """

    dependencies = [("notifications", "0001_initial"), ("core", "0002_roles_and_audit_rls")]

    operations = [rls.tenant_table("notifications_message")]
