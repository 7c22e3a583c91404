from django.db import migrations

from blackcanyon.core import rls

PUBLIC_EVENT = "status IN ('published', 'cancelled')"


class Migration(migrations.Migration):
    """Row-level security on events and ticket types (PostgreSQL).

    Outside an organizer context, public pages may read published (and cancelled) events and
    their ticket types; drafts stay invisible.
    """

    dependencies = [("events", "0001_initial"), ("core", "0002_roles_and_audit_rls")]

    operations = [
        rls.tenant_table("events_event", public_read=PUBLIC_EVENT),
        rls.tenant_table(
            "events_tickettype",
            public_read=(
                f"EXISTS (SELECT 1 FROM events_event e WHERE e.id = event_id AND e.{PUBLIC_EVENT})"  # noqa: S608
            ),
        ),
    ]
