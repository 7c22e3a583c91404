from django.db import migrations

from blackcanyon.core import rls

# A device token being looked up before its organizer is known: ``core.tenancy`` writes the
# sha256 of the presented token to ``app.api_token`` only for that lookup, so RLS shows that one
# device row and nothing else (as for API tokens, api/migrations/0002_rls.py).
CURRENT_TOKEN = "NULLIF(current_setting('app.api_token', true), '')"

CHECKIN_TABLES = (
    "checkin_checkinlist",
    "checkin_checkinlisttickettype",
    "checkin_scan",
)


class Migration(migrations.Migration):
    """Row-level security on every check-in table (PostgreSQL)."""

    dependencies = [("checkin", "0001_initial"), ("core", "0002_roles_and_audit_rls")]

    operations = [
        *(rls.tenant_table(table) for table in CHECKIN_TABLES),
        rls.tenant_table("checkin_scannerdevice", extra_select=[f"token_hash = {CURRENT_TOKEN}"]),
    ]
