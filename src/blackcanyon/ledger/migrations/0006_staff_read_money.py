from django.db import migrations

from blackcanyon.core import rls


class Migration(migrations.Migration):
    """Platform staff read the ledger (PostgreSQL): a read-only ``staff_read`` policy on entries,
    postings and accounts, keyed like the reconciliation's (migration ``0004``) on ``app.user_id``
    naming an active ``is_staff`` user. The staff difference page shows every entry of a Stripe
    object with its postings in place. The ledger holds no personal data (``ledger/privacy.py``),
    so the whole ledger is readable to staff; writes stay with ``tenant`` and ``system``.
    """

    dependencies = [
        ("ledger", "0005_connect_transfers"),
        ("accounts", "0001_initial"),
        ("core", "0002_roles_and_audit_rls"),
    ]

    operations = [
        rls.staff_read("ledger_journalentry"),
        rls.staff_read("ledger_posting"),
        rls.staff_read("ledger_account"),
    ]
