from django.db import migrations

from blackcanyon.core import rls

# The one token row whose hash the request presents, before its organizer is known
# (core.tenancy sets ``app.api_token`` only while looking the token up).
CURRENT_API_TOKEN = "NULLIF(current_setting('app.api_token', true), '')"


class Migration(migrations.Migration):
    """Row-level security on API tokens (PostgreSQL)."""

    dependencies = [("api", "0001_initial"), ("core", "0002_roles_and_audit_rls")]

    operations = [
        rls.tenant_table("api_apitoken", extra_select=[f"token_hash = {CURRENT_API_TOKEN}"]),
    ]
