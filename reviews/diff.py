"""What changed between two revisions of a use case: a pure function over frozen answers.

`UseCaseRevision.answers` holds plain data (lists of enumeration words, booleans, text, and ids
for `team` and `business_owner`). The page shows the changes in words, so the caller passes the
names of the ids it knows about; nothing here touches the database.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from usecases.choices import LIST_FIELDS, SINGLE_CHOICE_FIELDS
from usecases.forms import QUESTIONS
from usecases.services import ANSWER_FIELDS

EMPTY = "Not answered"
ID_FIELDS = ("team", "business_owner")


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: str
    after: str


def answers_diff(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    names: Mapping[str, Mapping[Any, str]] | None = None,
) -> list[Change]:
    """Each answer that differs, in form order, with the question and both values in words.

    `names` maps an id field to {id: name}, e.g. {"team": {3: "Marketing"}}. Lists compare as
    sets: ticking the same boxes in another order is not a change.
    """
    names = names or {}
    fields = [f for f in ANSWER_FIELDS if f in before or f in after]
    fields += sorted((set(before) | set(after)) - set(ANSWER_FIELDS))
    changes = []
    for field in fields:
        old, new = before.get(field), after.get(field)
        if _same(old, new):
            continue
        changes.append(
            Change(
                field=field,
                label=str(QUESTIONS.get(field, (field.replace("_", " ").capitalize(),))[0]),
                before=in_words(field, old, names.get(field, {})),
                after=in_words(field, new, names.get(field, {})),
            )
        )
    return changes


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, list | tuple) or isinstance(new, list | tuple):
        return set(old or ()) == set(new or ())
    # An empty text and a missing answer read the same on the page.
    return (old if old not in ("", None) else None) == (new if new not in ("", None) else None)


def in_words(field: str, value: Any, known_names: Mapping[Any, str] | None = None) -> str:
    """One answer as the page shows it."""
    if value in (None, "", [], ()):
        return EMPTY
    if field in LIST_FIELDS:
        labels = dict(LIST_FIELDS[field].choices)
        order = list(labels)
        chosen = sorted(value, key=lambda v: order.index(v) if v in order else len(order))
        return ", ".join(str(labels.get(v, v)) for v in chosen)
    if field in SINGLE_CHOICE_FIELDS:
        return str(dict(SINGLE_CHOICE_FIELDS[field].choices).get(value, value))
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if field in ID_FIELDS:
        return (known_names or {}).get(value, f"#{value}")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)
