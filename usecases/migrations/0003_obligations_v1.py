"""Load the obligations catalogue, version 1. Existing use cases keep their answers and frozen
revisions: their new answers stay empty and the next revision asks for them."""

from django.db import migrations

from usecases.obligations import load, read


def load_v1(apps, schema_editor):
    load(
        apps.get_model("usecases", "ObligationCatalogue"),
        apps.get_model("usecases", "Obligation"),
        read("obligations_v1.json"),
    )


class Migration(migrations.Migration):
    dependencies = [("usecases", "0002_classification_answers")]

    operations = [migrations.RunPython(load_v1, migrations.RunPython.noop)]
