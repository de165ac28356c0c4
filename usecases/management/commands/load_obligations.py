from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from usecases import obligations
from usecases.models import Obligation, ObligationCatalogue


class Command(BaseCommand):
    help = "Load a new version of the obligations catalogue from usecases/data/."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a JSON file in usecases/data, e.g. obligations_v2.json")

    def handle(self, *args, file, **options):
        if not (obligations.DATA_DIR / file).exists():
            raise CommandError(f"No file {file} in {obligations.DATA_DIR}.")
        try:
            with transaction.atomic():
                loaded = obligations.load(ObligationCatalogue, Obligation, obligations.read(file))
        except ValueError as error:
            raise CommandError(f"{file}: {error}") from None
        self.stdout.write(f"{file}: {'loaded' if loaded else 'already loaded'}.")
