"""Load the versioned review data (policies, checklist templates) from reviews/data/*.json.

Used by data migrations (with historical models), by `manage.py load_review_data` and by the
tests' reload. A version already loaded is left as it is: data changes come as a new version.
The header of each checklist file says what its fields mean.
"""

import json
from pathlib import Path

from common.data_files import versioned_files

DATA_DIR = Path(__file__).resolve().parent / "data"

BASES = {"obligation", "good_practice"}
TIERS = {"minimal", "limited", "high"}


def read(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def checklist_files() -> list[str]:
    """The checklist templates in reviews/data, oldest version first."""
    return versioned_files(DATA_DIR, "checklist")


def load_policies(ReviewPolicy, document: dict) -> int:
    created = 0
    for policy in document["policies"]:
        if ReviewPolicy.objects.filter(tier=policy["tier"], version=document["version"]).exists():
            continue
        ReviewPolicy.objects.filter(tier=policy["tier"], active=True).update(active=False)
        ReviewPolicy.objects.create(version=document["version"], active=True, **policy)
        created += 1
    return created


def check_checklist(document: dict) -> None:
    """Refuse a template whose references a reader could not trust (ValueError naming the item).

    Version 1 stored references as {framework: ref}; from version 2 each row names a framework
    the file's header lists, and says its basis and the tier it binds.
    """
    frameworks = document.get("frameworks")
    for item in document["items"]:
        references = item.get("references", [])
        if frameworks is None and isinstance(references, dict):
            continue  # the version 1 shape
        for row in references:
            problem = _reference_problem(row, frameworks or {})
            if problem:
                raise ValueError(f"{item['code']}: a reference {problem}: {row}")


def _reference_problem(row: dict, frameworks: dict) -> str:
    if row.get("framework") not in frameworks:
        return "names a framework the header does not list"
    if not row.get("ref"):
        return "has no ref"
    if row.get("basis") not in BASES:
        return f"has the basis {row.get('basis')!r}, not one of {sorted(BASES)}"
    if row.get("binds") not in TIERS:
        return f"binds {row.get('binds')!r}, not one of {sorted(TIERS)}"
    return ""


def load_checklist(ChecklistTemplate, ChecklistItem, document: dict) -> bool:
    check_checklist(document)
    if ChecklistTemplate.objects.filter(version=document["version"]).exists():
        return False
    ChecklistTemplate.objects.filter(active=True).update(active=False)
    # Version 1 has no header naming its frameworks (and is loaded by a migration that
    # predates the field).
    named = {"frameworks": document["frameworks"]} if "frameworks" in document else {}
    template = ChecklistTemplate.objects.create(
        name=document["name"], version=document["version"], active=True, **named
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(template=template, position=position, **item)
        for position, item in enumerate(document["items"], start=1)
    )
    return True
