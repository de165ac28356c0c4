"""Load the default checklist, version 2 (reviews/data/checklist_v2.json).

Reviews opened before keep version 1 (Review.checklist_template); new reviews use version 2.
Version 1 named its four frameworks in code: it gets the same names as data.
"""

from django.db import migrations

from reviews.data_loading import load_checklist, read


def load(apps, schema_editor):
    ChecklistTemplate = apps.get_model("reviews", "ChecklistTemplate")
    document = read("checklist_v2.json")
    load_checklist(ChecklistTemplate, apps.get_model("reviews", "ChecklistItem"), document)
    used_by_v1 = {key for item in read("checklist_v1.json")["items"] for key in item["references"]}
    ChecklistTemplate.objects.filter(version=1, frameworks={}).update(
        frameworks={key: document["frameworks"][key] for key in sorted(used_by_v1)}
    )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0004_verifiers_waivers_proposed_outcome")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
