from django.core.management.base import BaseCommand, CommandError

from reviews.data_loading import DATA_DIR, load_checklist, load_policies, read
from reviews.models import ChecklistItem, ChecklistTemplate, ReviewPolicy


class Command(BaseCommand):
    help = "Load new versions of review policies and checklist templates from reviews/data/."

    def add_arguments(self, parser):
        parser.add_argument(
            "files", nargs="+", help="JSON files in reviews/data, e.g. checklist_v2.json"
        )

    def handle(self, *args, files, **options):
        for name in files:
            if not (DATA_DIR / name).exists():
                raise CommandError(f"No file {name} in {DATA_DIR}.")
            document = read(name)
            if "policies" in document:
                count = load_policies(ReviewPolicy, document)
                self.stdout.write(f"{name}: {count} policies loaded.")
            else:
                try:
                    loaded = load_checklist(ChecklistTemplate, ChecklistItem, document)
                except ValueError as error:
                    raise CommandError(f"{name}: {error}") from error
                self.stdout.write(f"{name}: {'loaded' if loaded else 'already loaded'}.")
