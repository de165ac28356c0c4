"""Issue 'done when': on the demo data, a use case goes from submission to decision through the
pages alone (no service called by the test, only form posts a person would make)."""

import pytest
from django.core.management import call_command

from reviews.models import Review
from reviews.selectors import applicable_items
from usecases.models import UseCase

from .factories import login_request

PASSWORD = "walkthrough"


@pytest.fixture
def demo(db):
    call_command("seed_demo", password=PASSWORD, stdout=open("/dev/null", "w"))  # noqa: SIM115


def _as(client, username):
    client.logout()
    assert client.login(request=login_request(), username=username, password=PASSWORD)
    return client


def test_a_demo_draft_goes_from_submission_to_decision_through_the_pages(client, demo):
    draft = UseCase.objects.get(title="Generated campaign copy")
    submitter = draft.created_by.username

    response = _as(client, submitter).post(f"/use-cases/{draft.pk}/submit/", follow=True)
    assert response.status_code == 200
    review = Review.objects.get(use_case=draft, state="open")
    assert client.get(f"/reviews/{review.pk}/").status_code == 200

    items = applicable_items(review)
    for item in items:
        response = client.post(
            f"/reviews/{review.pk}/checklist/{item.pk}/answer/",
            {
                f"answer-{item.code}-answer": "yes",
                f"answer-{item.code}-evidence": "Brand review log, March",
                f"answer-{item.code}-version": 0,  # no answer yet when the page was read
            },
        )
        assert response.status_code == 302, item.code

    seats = {a.role: a for a in review.assignments.filter(recused=False)}
    reviewers = {role: a.reviewer.username for role, a in seats.items() if a.voting}
    assert set(reviewers) == set(review.required_roles)
    # Roles whose items apply without a vote verify through a verifier.
    assert {item.role for item in items} <= set(seats)
    for item in items:
        _as(client, seats[item.role].reviewer.username)
        response = client.post(
            f"/reviews/{review.pk}/checklist/{item.pk}/verify/",
            {f"verify-{item.code}-verdict": "verified", f"verify-{item.code}-comment": ""},
        )
        assert response.status_code == 302, item.code

    for role, username in reviewers.items():
        _as(client, username)
        assert draft.reference in client.get("/reviews/").content.decode(), role
        response = client.post(
            f"/reviews/{review.pk}/vote/", {"vote-choice": "approve", "vote-reasons": ""}
        )
        assert response.status_code == 302, role

    review.refresh_from_db()
    draft.refresh_from_db()
    assert (review.state, review.outcome, draft.state) == ("decided", "approved", "approved")
    page = _as(client, submitter).get(f"/use-cases/{draft.pk}/").content.decode()
    assert "Approved" in page
