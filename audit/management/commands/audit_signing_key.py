from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit import signing


class Command(BaseCommand):
    help = (
        "Show the audit signing key's id and public key (AUDIT_SIGNING_KEY); with --create,"
        " create the key file first if it does not exist (never replaces one)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--create", action="store_true", help="create the key if missing")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(settings.AUDIT_SIGNING_KEY)
        if options["create"] and not path.exists():
            signing.generate(path)
            self.stdout.write(f"Created {path} (mode 600): back it up apart from the database.")
        if not path.exists():
            raise CommandError(f"No signing key at {path}: run with --create.")
        self.stdout.write(f"Key id: {signing.key_id()}\n{signing.public_key_pem().decode()}")
