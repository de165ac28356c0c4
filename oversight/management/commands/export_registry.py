"""`python manage.py export_registry --format csv --output FILE`: the auditors' export offline.

Beside FILE it writes FILE.manifest.json, `{"manifest": {...}, "signature": "..."}`: a CSV
carries no manifest of its own, and the signature lets anyone holding the installation's public
key check the manifest without the app.
"""

import json
import shutil
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from oversight.exports import INTEROP_FORMATS, REGISTRY_FORMATS, RegistryFilters, registry_export
from registry.models import Stage
from usecases.choices import RiskTier


def manifest_path(output: Path) -> Path:
    """FILE.manifest.json, beside FILE."""
    return output.with_name(output.name + ".manifest.json")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of must be YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Export the registry (every entry) to a file, write its signed manifest beside it"
        " (FILE.manifest.json: the manifest and its Ed25519 signature) and print the manifest;"
        " audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=REGISTRY_FORMATS, default="csv")
        parser.add_argument(
            "--output", required=True, help="File to write; FILE.manifest.json goes beside it."
        )
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD")
        parser.add_argument("--team", type=int)
        parser.add_argument("--risk-tier", dest="risk_tier", choices=RiskTier.values)
        parser.add_argument("--stage", choices=Stage.values)

    def handle(self, *args, **options):
        if options["as_of"] and options["format"] in INTEROP_FORMATS:
            raise CommandError(
                f"--format {options['format']} holds today's entries only: no --as-of."
            )
        filters = RegistryFilters(
            team=options["team"],
            risk_tier=options["risk_tier"],
            stage=options["stage"],
            as_of=_day(options["as_of"]) if options["as_of"] else None,
        )
        # No user: the command runs with the server's authority, recorded with actor None.
        export = registry_export(user=None, fmt=options["format"], filters=filters)
        output = Path(options["output"])
        with output.open("wb") as out:
            if export.file is not None:
                with export.file:
                    shutil.copyfileobj(export.file, out)
            else:
                for chunk in export.chunks:
                    out.write(chunk)
        signed = {"manifest": export.manifest, "signature": export.signature}
        manifest_path(output).write_text(
            json.dumps(signed, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        self.stdout.write(json.dumps(export.manifest, indent=2))
