"""Import an existing inventory from the command line, as the chair does at /registry/import/."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

import workflows
from common.errors import DomainError


class Command(BaseCommand):
    help = (
        "Check a CSV or XLSX inventory row by row (nothing is imported), or with --commit import "
        "it: each new row becomes a legacy use case and registry entry with its first review."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--as", dest="username", required=True, help="The chair importing.")
        parser.add_argument("--commit", action="store_true", help="Import, not only check.")

    def handle(self, *args, file: Path, username: str, commit: bool, **options):
        actor = get_user_model().objects.filter(username=username).first()
        if actor is None:
            raise CommandError(f"No user is called {username}.")
        if not file.is_file():
            raise CommandError(f"No file at {file}.")
        upload = SimpleUploadedFile(file.name, file.read_bytes())
        try:
            checked = workflows.registry_import_check(actor=actor, upload=upload)
            self._report(checked)
            if commit and not checked.rows_with_errors:
                done = workflows.registry_import_run(actor=actor, registry_import=checked)
                self._report(done)
        except (ValidationError, DomainError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        if checked.rows_with_errors:
            raise CommandError(f"{checked.rows_with_errors} rows have errors: nothing imported.")

    def _report(self, registry_import) -> None:
        for row in registry_import.report:
            problems = "; ".join(f"{c}: {' '.join(m)}" for c, m in row["errors"].items())
            detail = problems or row["reference"]
            self.stdout.write(f"row {row['row']:>5}  {row['status']:<9}  {row['name']}  {detail}")
        self.stdout.write(
            f"{registry_import.original_name}: {registry_import.rows} rows, "
            f"{registry_import.rows_with_errors} with errors, {registry_import.rows_new} new "
            f"({registry_import.get_status_display().lower()})."
        )
