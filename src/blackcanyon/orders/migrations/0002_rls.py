from django.db import migrations

from blackcanyon.core import rls

ORDER_TABLES = (
    "orders_discountcode",
    "orders_discountcodetickettype",
    "orders_order",
    "orders_orderline",
    "orders_ticket",
    "orders_paymentattempt",
)


class Migration(migrations.Migration):
    """Row-level security on every orders table (PostgreSQL).

    The shop writes these rows in the event's organizer context (``tenancy.scoped``), so no
    public policy is needed: buyers never read them outside that context.
    """

    dependencies = [("orders", "0001_initial"), ("core", "0002_roles_and_audit_rls")]

    operations = [rls.tenant_table(table) for table in ORDER_TABLES]
