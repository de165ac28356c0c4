"""Pure rules of council review (SPEC section 5): plain data in, plain data out."""

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

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
    roles = set()
    for role in policy_roles:
        roles.update(function_leads(functions) if role == FUNCTION_LEAD else {role})
    return sorted(roles, key=ROLE_ORDER.index)


def decide(
    *,
    required: Iterable[str],
    votes: Mapping[str, str],
    checklist_complete: bool,
    has_conditions: bool,
) -> str | None:
    """The outcome the votes make, or None while the review stays open.

    `votes` maps each required role to the current choice of its reviewer on the judged
    revision (roles without a vote are absent).
    """
    choices = [votes[role] for role in required if role in votes]
    if "reject" in choices:
        return "rejected"
    if "request_changes" in choices:
        return "changes_requested"
    if all(votes.get(role) in APPROVING for role in required) and checklist_complete:
        with_conditions = has_conditions or "approve_with_conditions" in choices
        return "approved_with_conditions" if with_conditions else "approved"
    return None


def all_required_voted(*, required: Iterable[str], votes: Mapping[str, str]) -> bool:
    """The chair may record a decision only once every required role has voted."""
    return all(role in votes for role in required)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days (Monday to Friday) after `start`."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


# A vote is "due soon" this many working days before the review's due date (pages, reminders).
DUE_SOON_WORKING_DAYS = 2


def deadline(due_date: date, today: date) -> str:
    """'overdue', 'due_soon' (within DUE_SOON_WORKING_DAYS) or '' for an open review's due date."""
    if due_date < today:
        return "overdue"
    if due_date <= add_working_days(today, DUE_SOON_WORKING_DAYS):
        return "due_soon"
    return ""
