from django.db import migrations

from blackcanyon.core import rls

# Orders named by a reconciliation difference (``ledger.ReconciliationDifference.order_id``).
RECONCILED = (
    "id IN (SELECT d.order_id FROM ledger_reconciliationdifference d "
    "WHERE d.order_id IS NOT NULL)"
)


class Migration(migrations.Migration):
    """Platform staff read the orders the reconciliation names (PostgreSQL), nothing more.

    The staff difference page (``/staff/reconciliation/<run>/differences/<id>/``) shows the
    order's code, status, total and time. Orders hold buyers' personal data, so the read-only
    ``staff_read`` policy covers only orders that a stored difference points to; order lines,
    tickets and every other order stay invisible to staff, and no order is writable by them.
    """

    dependencies = [
        ("orders", "0003_ticket_secret"),
        ("ledger", "0004_reconciliation_rls"),
        ("accounts", "0001_initial"),
    ]

    operations = [rls.staff_read("orders_order", only=RECONCILED)]
