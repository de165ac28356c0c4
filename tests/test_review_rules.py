from datetime import date

import pytest

from reviews.rules import (
    REJECTION_PROPOSED,
    add_working_days,
    all_required_voted,
    decide,
    function_leads,
    required_roles,
)

LIMITED = ["function_lead", "privacy", "legal", "data_science"]
REQ = ["marketing", "privacy"]


@pytest.mark.parametrize(
    ("functions", "leads"),
    [
        (["marketing"], ["marketing"]),
        (["sales"], ["marketing"]),
        (["contact_centre"], ["customer_experience"]),
        (["customer_experience", "contact_centre"], ["customer_experience"]),
        (["marketing", "contact_centre"], ["marketing", "customer_experience"]),
        (["other"], ["chair"]),
        ([], ["chair"]),
    ],
)
def test_function_leads(functions, leads):
    assert function_leads(functions) == leads


def test_required_roles_expand_the_function_lead_in_a_stable_order():
    assert required_roles(policy_roles=LIMITED, functions=["contact_centre", "marketing"]) == [
        "marketing",
        "customer_experience",
        "privacy",
        "legal",
        "data_science",
    ]


PROPOSED = REJECTION_PROPOSED


@pytest.mark.parametrize(
    ("votes", "checklist", "conditions", "outcome"),
    [
        ({}, True, False, None),
        ({"marketing": "approve"}, True, False, None),
        ({"marketing": "approve", "privacy": "approve"}, True, False, "approved"),
        ({"marketing": "approve", "privacy": "approve"}, False, False, None),
        (
            {"marketing": "approve", "privacy": "approve_with_conditions"},
            True,
            True,
            "approved_with_conditions",
        ),
        ({"marketing": "approve", "privacy": "approve"}, True, True, "approved_with_conditions"),
        # Every required role is heard: a reject or a request for changes does not end it early.
        ({"marketing": "reject"}, False, False, None),
        ({"marketing": "reject"}, True, False, None),
        ({"privacy": "request_changes"}, True, False, None),
        # Once all voted, a reject proposes a rejection (the chair decides), before anything else.
        ({"marketing": "reject", "privacy": "approve"}, True, False, PROPOSED),
        ({"marketing": "reject", "privacy": "request_changes"}, True, False, PROPOSED),
        ({"marketing": "reject", "privacy": "abstain"}, False, False, PROPOSED),
        ({"marketing": "approve", "privacy": "request_changes"}, True, False, "changes_requested"),
        ({"marketing": "approve", "privacy": "request_changes"}, False, True, "changes_requested"),
        # An abstention is no approval: the chair settles it.
        ({"marketing": "abstain", "privacy": "approve"}, True, False, None),
        ({"marketing": "abstain", "privacy": "abstain"}, True, False, None),
        (
            {"marketing": "approve", "privacy": "approve", "legal": "reject"},
            True,
            False,
            "approved",
        ),
        ({"marketing": "approve", "legal": "reject"}, True, False, None),
    ],
)
def test_decide_follows_the_spec_order_of_rules(votes, checklist, conditions, outcome):
    # The last two cases: a vote for a role that is not required neither counts nor stands in
    # for a required role that has not voted.
    assert (
        decide(required=REQ, votes=votes, checklist_complete=checklist, has_conditions=conditions)
        == outcome
    )


def test_the_chair_may_decide_only_when_every_required_role_voted():
    assert not all_required_voted(required=REQ, votes={"marketing": "abstain"})
    assert all_required_voted(required=REQ, votes={"marketing": "abstain", "privacy": "reject"})


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (date(2026, 11, 23), 5, date(2026, 11, 30)),  # Monday + 5 working days = next Monday
        (date(2026, 11, 27), 1, date(2026, 11, 30)),  # Friday + 1 = Monday
        (date(2026, 11, 28), 1, date(2026, 11, 30)),  # Saturday + 1 = Monday
        (date(2026, 11, 23), 0, date(2026, 11, 23)),
    ],
)
def test_working_days_skip_weekends(start, days, due):
    assert add_working_days(start, days) == due
