# Ticket secrets: added empty, filled one per existing ticket, then made unique per event.

import base64
import secrets

from django.db import migrations, models

import blackcanyon.orders.models


def fill_secrets(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Row-level security is FORCEd: the migration owner acts in the system context.
            cursor.execute("SELECT set_config('app.system', 'on', true)")
        cursor.execute("SELECT id FROM orders_ticket WHERE secret = ''")
        ids = [row[0] for row in cursor.fetchall()]
        for ticket_id in ids:
            secret = base64.b32encode(secrets.token_bytes(8)).decode("ascii").rstrip("=")
            cursor.execute("UPDATE orders_ticket SET secret = %s WHERE id = %s", [secret, ticket_id])


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0003_event_taken"),
        ("orders", "0002_rls"),
        ("organizers", "0002_rls"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="secret",
            field=models.CharField(default="", max_length=16),
            preserve_default=False,
        ),
        migrations.RunPython(fill_secrets, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="ticket",
            name="secret",
            field=models.CharField(
                default=blackcanyon.orders.models.new_ticket_secret, max_length=16
            ),
        ),
        migrations.AddConstraint(
            model_name="ticket",
            constraint=models.UniqueConstraint(
                fields=("event", "secret"), name="ticket_unique_secret"
            ),
        ),
    ]
