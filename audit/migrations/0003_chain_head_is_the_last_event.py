"""The chain head is the last event (no row to reset), and the database refuses more.

- The head row goes: appends lock the chain instead (audit.services._lock_chain) and read the
  last event, so there is no separate head an insider could move back.
- PostgreSQL: TRUNCATE is refused too (a statement trigger; the row trigger cannot see it).
- SQLite: DELETE is refused too. `manage.py flush` (which Django's test runner uses between
  transactional tests) lifts the guard on test databases only (audit/management/commands/flush.py).
"""

from django.db import migrations

POSTGRES_UP = """
CREATE TRIGGER audit_event_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
"""
POSTGRES_DOWN = "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;"
SQLITE_UP = (
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only (DELETE refused)'); END;"
)
SQLITE_DOWN = "DROP TRIGGER IF EXISTS audit_event_no_delete;"


def install(apps, schema_editor):
    _run(schema_editor, POSTGRES_UP, SQLITE_UP)


def remove(apps, schema_editor):
    _run(schema_editor, POSTGRES_DOWN, SQLITE_DOWN)


def _run(schema_editor, postgres_sql, sqlite_sql):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(postgres_sql, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(sqlite_sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [
        migrations.DeleteModel(name="AuditChainHead"),
        migrations.RunPython(install, remove),
    ]
