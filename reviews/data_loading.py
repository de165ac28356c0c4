"""Load the versioned review data (policies, checklist templates) from reviews/data/*.json.

Used by a data migration (with historical models) and by `manage.py load_review_data`.
A version already loaded is left as it is: data changes come as a new version.
"""

import json
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def read(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def load_policies(ReviewPolicy, document: dict) -> int:
    created = 0
    for policy in document["policies"]:
        if ReviewPolicy.objects.filter(tier=policy["tier"], version=document["version"]).exists():
            continue
        ReviewPolicy.objects.filter(tier=policy["tier"], active=True).update(active=False)
        ReviewPolicy.objects.create(version=document["version"], active=True, **policy)
        created += 1
    return created


def load_checklist(ChecklistTemplate, ChecklistItem, document: dict) -> bool:
    if ChecklistTemplate.objects.filter(version=document["version"]).exists():
        return False
    ChecklistTemplate.objects.filter(active=True).update(active=False)
    template = ChecklistTemplate.objects.create(
        name=document["name"], version=document["version"], active=True
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(template=template, position=position, **item)
        for position, item in enumerate(document["items"], start=1)
    )
    return True
