"""Load the obligations catalogue, version 2: the duties of a conclusion under EU AI Act
Art. 6(3) (Art. 6(4) documentation, Art. 49(2) registration, and what a deployer keeps)."""

from django.db import migrations

from usecases.obligations import load, read


def load_v2(apps, schema_editor):
    load(
        apps.get_model("usecases", "ObligationCatalogue"),
        apps.get_model("usecases", "Obligation"),
        read("obligations_v2.json"),
    )


class Migration(migrations.Migration):
    dependencies = [("usecases", "0009_art_6_3_conclusion")]

    operations = [migrations.RunPython(load_v2, migrations.RunPython.noop)]
