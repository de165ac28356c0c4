"""Pure rules of council review (SPEC section 5): plain data in, plain data out."""

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

FUNCTION_LEAD = "function_lead"  # placeholder in a policy's roles, expanded per use case

# Which council role leads for each business function of a use case.
FUNCTION_LEADS = {
    "marketing": "marketing",
    "sales": "marketing",
    "contact_centre": "customer_experience",
    "customer_experience": "customer_experience",
}
ROLE_ORDER = (
    "marketing", "customer_experience", "privacy", "legal", "data_science", "security", "ethics", "chair",
)  # fmt: skip

APPROVING = {"approve", "approve_with_conditions"}


def function_leads(functions: Iterable[str]) -> list[str]:
    """The lead roles for the functions; a use case spanning marketing and contact centre needs both.

    A use case of other functions only has no function lead: the chair leads it.
    """
    leads = {FUNCTION_LEADS[f] for f in functions if f in FUNCTION_LEADS}
    return sorted(leads or {"chair"}, key=ROLE_ORDER.index)


def required_roles(*, policy_roles: Iterable[str], functions: Iterable[str]) -> list[str]:
    """The policy's roles with the function lead placeholder expanded, in a stable order."""
    roles: set[str] = set()
    for role in policy_roles:
        roles.update(function_leads(functions) if role == FUNCTION_LEAD else {role})
    return sorted(roles, key=ROLE_ORDER.index)


# What `decide` answers when a reject waits for the chair: not an outcome, the review stays open.
REJECTION_PROPOSED = "rejection_proposed"


def decide(
    *,
    required: Iterable[str],
    votes: Mapping[str, str],
    checklist_complete: bool,
    has_conditions: bool,
) -> str | None:
    """What the votes make of the review (SPEC section 5), in the spec's order.

    `votes` maps each required role to the current choice of its reviewer on the judged
    revision (roles without a vote are absent). Nothing is decided while a required role has not
    voted: every role is heard. Then a reject proposes a rejection (REJECTION_PROPOSED: the chair
    confirms or overturns it); else a request for changes decides `changes_requested`; else,
    when every required role approves and every applicable required item is verified, the review
    is `approved`, or `approved_with_conditions` when a vote set conditions. An abstention is no
    approval: that review, like one whose checklist is unfinished, stays open (None) and the chair
    may decide it.
    """
    required = list(required)
    if not all_required_voted(required=required, votes=votes):
        return None
    choices = [votes[role] for role in required]
    if "reject" in choices:
        return REJECTION_PROPOSED
    if "request_changes" in choices:
        return "changes_requested"
    if all(choice in APPROVING for choice in choices) and checklist_complete:
        with_conditions = has_conditions or "approve_with_conditions" in choices
        return "approved_with_conditions" if with_conditions else "approved"
    return None


def all_required_voted(*, required: Iterable[str], votes: Mapping[str, str]) -> bool:
    """The chair may record a decision only once every required role has voted."""
    return all(role in votes for role in required)


# ---- checklist items ---------------------------------------------------------------------


def rule_matches(rule: Mapping[str, Iterable[Any]], answers: Mapping[str, Any]) -> bool:
    """Every key of the rule must match; a key matches when the answer holds any listed value.

    An answer missing from the answers (e.g. a question added after the revision was frozen) is
    unanswered: it matches nothing.
    """
    for name, wanted in rule.items():
        given = answers.get(name)
        given = set(given) if isinstance(given, list | tuple | set) else {given}
        if not given & set(wanted):
            return False
    return True


def item_applies(
    *,
    applies_when: Mapping[str, Iterable[Any]],
    applies_when_any: Iterable[Mapping[str, Iterable[Any]]],
    answers: Mapping[str, Any],
) -> bool:
    """`applies_when` must match and, when `applies_when_any` lists rules, one of them too."""
    alternatives = list(applies_when_any or [])
    return rule_matches(applies_when or {}, answers) and (
        not alternatives or any(rule_matches(rule, answers) for rule in alternatives)
    )


# Internal review tiers in rising order: a reference that binds at a tier binds above it too.
TIERS = ("minimal", "limited", "high")
# A checklist item's stored references: version 1 {framework: "ref; ref"}, version 2 rows.
References = Mapping[str, str] | Iterable[Mapping[str, str]] | None


def reference_rows(
    references: References, *, frameworks: Mapping[str, str] | None = None
) -> list[dict[str, str]]:
    """A checklist item's references as rows {framework, label, ref, basis, binds, party, note},
    whichever shape its template version stored: version 1 {framework: "ref; ref"} (no basis,
    tier, party or note: empty strings say so), version 2 a list of rows. `frameworks` names the
    framework keys (the template's header); a key it lacks is shown as it is."""
    rows: list[Mapping[str, str]]
    if isinstance(references, Mapping):
        rows = [{"framework": key, "ref": ref} for key, ref in references.items() if ref]
    else:
        rows = list(references or [])
    labels = frameworks or {}
    return [
        {
            "framework": row["framework"],
            "label": labels.get(row["framework"], row["framework"]),
            "ref": row["ref"],
            "basis": row.get("basis", ""),
            "binds": row.get("binds", ""),
            "party": row.get("party", ""),
            "note": row.get("note", ""),
        }
        for row in rows
    ]


def item_required(*, required: bool, references: References, tier: str) -> bool:
    """Mandatory on a review of `tier`: always when the item is `required`, otherwise from the
    lowest tier one of its references binds (an optional item the council expects of high-tier
    use cases, say). Version 1 references bind no tier."""
    if required:
        return True
    rank = TIERS.index(tier) if tier in TIERS else len(TIERS)
    return any(
        row["binds"] in TIERS and TIERS.index(row["binds"]) <= rank
        for row in reference_rows(references)
    )


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days (Monday to Friday) after `start`."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days (Monday to Friday) after `start` up to and including `end`: the count
    `add_working_days` would need to reach `end` from `start`."""
    if end <= start:
        return 0
    weeks, rest = divmod((end - start).days, 7)
    tail = start + timedelta(days=weeks * 7)
    return weeks * 5 + sum((tail + timedelta(days=n)).weekday() < 5 for n in range(1, rest + 1))


# A vote is "due soon" this many working days before the review's due date (pages, reminders).
DUE_SOON_WORKING_DAYS = 2


def deadline(due_date: date, today: date) -> str:
    """'overdue', 'due_soon' (within DUE_SOON_WORKING_DAYS) or '' for an open review's due date."""
    if due_date < today:
        return "overdue"
    if due_date <= add_working_days(today, DUE_SOON_WORKING_DAYS):
        return "due_soon"
    return ""
