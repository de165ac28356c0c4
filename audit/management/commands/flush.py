"""`flush`, which Django's test runner calls between transactional tests, on an append-only trail.

The database refuses to empty the audit trail (audit migrations 0002 and 0003). On a test
database this command lifts that guard for the flush and puts it back; on any other database it
refuses: the audit trail is never emptied in place (drop the database instead).
"""

from typing import Any

from django.core.management.base import CommandError
from django.core.management.commands import flush
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from audit.roles import append_only_guard_lifted


def _is_test_database(connection: BaseDatabaseWrapper) -> bool:
    name = connection.settings_dict["NAME"]
    return bool(name) and name == connection.creation._get_test_db_name()  # type: ignore[attr-defined]


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        if not _is_test_database(connection):
            raise CommandError(
                "flush refused: the audit trail is append-only and is never emptied in place."
                " To start again, drop the database and run migrate."
            )
        with append_only_guard_lifted(connection):
            super().handle(**options)
