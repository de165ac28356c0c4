"""Seed the review policies of SPEC section 5 and the default checklist, version 1."""

from django.db import migrations

from reviews.data_loading import load_checklist, load_policies, read


def load(apps, schema_editor):
    load_policies(apps.get_model("reviews", "ReviewPolicy"), read("policies_v1.json"))
    load_checklist(
        apps.get_model("reviews", "ChecklistTemplate"),
        apps.get_model("reviews", "ChecklistItem"),
        read("checklist_v1.json"),
    )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
