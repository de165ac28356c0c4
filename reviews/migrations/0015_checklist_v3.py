"""Load the default checklist, version 3 (reviews/data/checklist_v3.json): version 2 and TRN-14,
the legal review of a conclusion under EU AI Act Art. 6(3). Open reviews keep their version."""

from django.db import migrations

from reviews.data_loading import load_checklist, read


def load(apps, schema_editor):
    load_checklist(
        apps.get_model("reviews", "ChecklistTemplate"),
        apps.get_model("reviews", "ChecklistItem"),
        read("checklist_v3.json"),
    )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0014_seat_load"), ("usecases", "0009_art_6_3_conclusion")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
