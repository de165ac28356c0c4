"""The application's PostgreSQL role: what it may do, granted after every `migrate` (SPEC 7).

The tables belong to the owner role that runs the migrations (and owns the append-only
triggers). The application role, `DATABASE_APP_ROLE`, gets SELECT, INSERT, UPDATE and DELETE on
every table and the use of every sequence, except on the audit trail, where it may only INSERT
and SELECT: not UPDATE, DELETE or TRUNCATE, and, owning nothing, it cannot disable or drop a
trigger either. Grants are made again after each `migrate`, so new tables are covered.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from .models import AuditEvent

APPEND_ONLY_TABLES = (AuditEvent._meta.db_table,)


def grant_statements(role: str, quote: Any) -> list[str]:
    app, tables = quote(role), ", ".join(quote(table) for table in APPEND_ONLY_TABLES)
    return [
        f"GRANT USAGE ON SCHEMA public TO {app}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {tables} FROM {app}",
    ]


def grant_app_role(using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver: PostgreSQL only, and only when an application role is named."""
    connection = connections[using]
    role = settings.DATABASE_APP_ROLE
    if connection.vendor != "postgresql" or not role:
        return
    with connection.cursor() as cursor:
        for statement in grant_statements(role, connection.ops.quote_name):
            cursor.execute(statement)


@contextmanager
def append_only_guard_lifted(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """The append-only triggers off, then back: for the test runner's flush, and for tests
    that tamper with the trail as a database superuser would. Needs the owner role."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            marks = ", ".join("%s" for _ in APPEND_ONLY_TABLES)
            cursor.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                f" AND tbl_name IN ({marks})",
                list(APPEND_ONLY_TABLES),
            )
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
            try:
                yield
            finally:
                for _, sql in triggers:
                    cursor.execute(sql)
        elif connection.vendor == "postgresql":
            tables = [connection.ops.quote_name(table) for table in APPEND_ONLY_TABLES]
            # ALTER TABLE refuses while this transaction's deferred key checks are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            try:
                yield
            finally:
                for table in tables:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        else:
            yield
