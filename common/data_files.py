"""Versioned data files (`<stem>_v<N>.json`: checklists, policies, obligations): a change is a new
version, loaded after the ones before it."""

import re
from pathlib import Path


def versioned_files(folder: Path, stem: str) -> list[str]:
    """The names of the `<stem>_v<N>.json` files in `folder`, oldest version first."""
    names = (path.name for path in folder.glob(f"{stem}_v*.json"))
    return sorted(names, key=lambda name: int(re.findall(r"\d+", name)[0]))
