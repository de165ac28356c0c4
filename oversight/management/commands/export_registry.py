"""`python manage.py export_registry --format csv --output FILE`: the auditors' export offline."""

import json
import shutil
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from oversight.exports import FORMATS, RegistryFilters, registry_export
from registry.models import Stage
from usecases.choices import RiskTier


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of must be YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = "Export the registry (every entry) to a file and print its manifest; audited."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--output", required=True, help="File to write.")
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD")
        parser.add_argument("--team", type=int)
        parser.add_argument("--risk-tier", dest="risk_tier", choices=RiskTier.values)
        parser.add_argument("--stage", choices=Stage.values)

    def handle(self, *args, **options):
        filters = RegistryFilters(
            team=options["team"],
            risk_tier=options["risk_tier"],
            stage=options["stage"],
            as_of=_day(options["as_of"]) if options["as_of"] else None,
        )
        # No user: the command runs with the server's authority, recorded with actor None.
        export = registry_export(user=None, fmt=options["format"], filters=filters)
        with open(options["output"], "wb") as out:
            if export.file is not None:
                with export.file:
                    shutil.copyfileobj(export.file, out)
            else:
                for chunk in export.chunks:
                    out.write(chunk)
        self.stdout.write(json.dumps(export.manifest, indent=2))
