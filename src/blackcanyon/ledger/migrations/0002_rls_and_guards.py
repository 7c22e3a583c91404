from typing import Any

from django.db import migrations

from blackcanyon.core import rls

# PostgreSQL: every entry's postings sum to zero per currency, checked at COMMIT (a deferred
# constraint trigger, so an entry's postings may be inserted one by one). The function runs as
# its owner in the system context, so it sees every posting of the entry whatever the caller's
# tenant context; it also checks that a posting belongs to its entry's organizer and that the
# account has the posting's currency and (if any) the same organizer.
PG_FORWARD = [
    """
    CREATE FUNCTION ledger_check_posting() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public SET app.system = 'on' AS $$
    DECLARE
      off record;
    BEGIN
      SELECT p.currency, SUM(p.amount) AS total INTO off
        FROM ledger_posting p WHERE p.entry_id = NEW.entry_id
        GROUP BY p.currency HAVING SUM(p.amount) <> 0 LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'ledger entry % does not balance: % off by %',
          NEW.entry_id, off.currency, off.total USING ERRCODE = '23514';
      END IF;
      IF EXISTS (SELECT 1 FROM ledger_journalentry e WHERE e.id = NEW.entry_id
                 AND e.organizer_id IS DISTINCT FROM NEW.organizer_id) THEN
        RAISE EXCEPTION 'ledger posting % is not in its entry''s organizer', NEW.id
          USING ERRCODE = '23514';
      END IF;
      IF EXISTS (SELECT 1 FROM ledger_account a WHERE a.id = NEW.account_id
                 AND (a.currency <> NEW.currency OR (a.organizer_id IS NOT NULL
                      AND a.organizer_id IS DISTINCT FROM NEW.organizer_id))) THEN
        RAISE EXCEPTION 'ledger posting % does not match its account', NEW.id
          USING ERRCODE = '23514';
      END IF;
      RETURN NULL;
    END
    $$
    """,
    "CREATE CONSTRAINT TRIGGER ledger_posting_balanced AFTER INSERT OR UPDATE ON ledger_posting "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_posting()",
    """
    CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'ledger rows are append-only: record a correcting entry'
        USING ERRCODE = '23514';
    END
    $$
    """,
    "CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_journalentry "
    "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()",
    "CREATE TRIGGER ledger_posting_append_only BEFORE UPDATE OR DELETE ON ledger_posting "
    "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()",
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS ledger_posting_append_only ON ledger_posting",
    "DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_journalentry",
    "DROP FUNCTION IF EXISTS ledger_refuse_change()",
    "DROP TRIGGER IF EXISTS ledger_posting_balanced ON ledger_posting",
    "DROP FUNCTION IF EXISTS ledger_check_posting()",
]
# SQLite has no deferred triggers: the balance is checked by the service (ledger.journal). Rows
# are still append-only. DELETE stays possible there: the test suite flushes with DELETE.
SQLITE_FORWARD = [
    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
    "BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END"
    for table in ("ledger_journalentry", "ledger_posting")
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {table}_append_only" for table in ("ledger_journalentry", "ledger_posting")
]


def _run(postgresql: list[str], sqlite: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        for statement in postgresql if vendor == "postgresql" else sqlite if vendor == "sqlite" else []:
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    """Row-level security on the ledger tables and the database's own guards.

    Platform accounts (no organizer) are names only: every tenant may read them and create one
    for a new currency. Platform-only entries and their postings are visible only in the system
    context; an organizer's entries (including their postings to platform accounts) only to it.
    """

    dependencies = [("ledger", "0001_initial"), ("core", "0002_roles_and_audit_rls")]

    operations = [
        rls.tenant_table(
            "ledger_account",
            extra_select=["organizer_id IS NULL"],
            insert_check="organizer_id IS NULL",
        ),
        rls.tenant_table("ledger_journalentry"),
        rls.tenant_table("ledger_posting"),
        migrations.RunPython(
            _run(PG_FORWARD, SQLITE_FORWARD), _run(PG_BACKWARD, SQLITE_BACKWARD)
        ),
    ]
