"""The obligations catalogue: a versioned data file (usecases/data/obligations_v*.json) loaded
into the database by a data migration or `manage.py load_obligations`, read by the services.

A version already loaded is left as it is: a changed date or a new rule comes as a new version.
"""

import json
from datetime import date
from pathlib import Path

from common.data_files import versioned_files

from . import risk
from .models import Obligation

DATA_DIR = Path(__file__).resolve().parent / "data"
BASES = {"law", "good_practice"}
KEYS = {"code", "source", "text", "party", "applies_from", "basis", "when"}


def read(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def catalogue_files() -> list[str]:
    """The catalogue versions in usecases/data, oldest first (the last one loaded is active)."""
    return versioned_files(DATA_DIR, "obligations")


def document_errors(document: dict) -> list[str]:
    """What is wrong with a catalogue file, in words (empty when it can be loaded)."""
    errors = [
        f"missing '{key}'" for key in ("name", "version", "obligations") if key not in document
    ]
    seen: set[str] = set()
    for position, entry in enumerate(document.get("obligations") or (), start=1):
        where = f"obligation {position} ({entry.get('code', '?')})"
        missing = KEYS - set(entry)
        if missing:
            errors.append(f"{where}: missing {', '.join(sorted(missing))}")
            continue
        if entry["code"] in seen:
            errors.append(f"{where}: code used twice")
        seen.add(entry["code"])
        if entry["basis"] not in BASES:
            errors.append(f"{where}: basis must be one of {', '.join(sorted(BASES))}")
        try:
            date.fromisoformat(entry["applies_from"])
        except (TypeError, ValueError):
            errors.append(f"{where}: applies_from must be a date YYYY-MM-DD")
        unknown = risk.unknown_facts(entry["when"])
        if unknown:
            errors.append(f"{where}: unknown facts {', '.join(unknown)}")
    return errors


def load(catalogue_model, obligation_model, document: dict) -> bool:
    """Load a catalogue version and make it the active one; False when it was loaded before.

    The models are passed in: a data migration passes its historical ones."""
    errors = document_errors(document)
    if errors:
        raise ValueError("; ".join(errors))
    if catalogue_model.objects.filter(version=document["version"]).exists():
        return False
    catalogue_model.objects.filter(active=True).update(active=False)
    catalogue = catalogue_model.objects.create(
        name=document["name"], version=document["version"], active=True
    )
    obligation_model.objects.bulk_create(
        obligation_model(catalogue=catalogue, position=position, **entry)
        for position, entry in enumerate(document["obligations"], start=1)
    )
    return True


def active_catalogue() -> list[risk.Obligation]:
    """The obligations of the active catalogue, as plain data for usecases.risk (one query)."""
    rows = Obligation.objects.filter(catalogue__active=True).order_by("position")
    return [
        risk.Obligation(
            code=row.code,
            source=row.source,
            text=row.text,
            party=row.party,
            applies_from=row.applies_from.isoformat(),
            basis=row.basis,
            when=tuple(row.when),
        )
        for row in rows
    ]
