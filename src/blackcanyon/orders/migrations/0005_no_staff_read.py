from django.db import migrations

from blackcanyon.core import rls

# As 0004 created it.
RECONCILED = (
    "id IN (SELECT d.order_id FROM ledger_reconciliationdifference d "
    "WHERE d.order_id IS NOT NULL)"
)


class Migration(migrations.Migration):
    """Platform staff no longer read orders at all (PostgreSQL).

    ``staff_read`` of 0004 let staff's context read the whole row of every order a reconciliation
    difference names — the buyer's name and email included, and so in the Django admin too. The
    staff difference page now shows the order's summary copied onto the difference by the worker
    when it stores the run (``ledger/0007``), so orders are again readable in their organizer's
    context (and the system context) only.
    """

    dependencies = [
        ("orders", "0004_staff_read_reconciled"),
        ("ledger", "0007_reconciled_order_summary"),
    ]

    operations = [rls.staff_read_removed("orders_order", only=RECONCILED)]
