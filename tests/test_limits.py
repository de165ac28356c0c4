"""The limits on what the API and the pages accept (common/limits.py): past each one, a 400 that
names the field (the API) or the form again with the message and the text typed (the pages); at
each one, the pages that show the input stay fast.

Personas as in conftest: alice submits for Marketing, the council reviews, audrey audits.
"""

import pytest
from django.urls import reverse

from common.limits import (
    CONDITIONS_MAX,
    JSON_DEPTH_MAX,
    LIST_MAX,
    MARKETS_MAX,
    NOTE_MAX,
    TEXT_MAX,
)
from reviews.models import Condition
from usecases.markets import ISO_3166_ALPHA2

from .factories import complete_answers
from .reviews_support import reviewer_for
from .test_usecase_pages import form_post

TOO_BIG_ID = 2**64


def conditions(count: int, text: str = "Monitor complaints weekly") -> list[dict]:
    return [{"text": f"{text} ({n})", "blocking": False} for n in range(count)]


def words(length: int) -> str:
    """Text of `length` characters, in words."""
    return ("Monitor the complaints about the offers every week. " * length)[:length]


def votes_url(review) -> str:
    return f"/api/v1/reviews/{review.pk}/votes/"


# --- lists ------------------------------------------------------------------------------------------


def test_a_vote_with_more_conditions_than_allowed_is_refused_at_conditions(api, review, council):
    privacy = api(reviewer_for(review, "privacy"))
    body = {"choice": "approve_with_conditions", "conditions": conditions(CONDITIONS_MAX + 1)}
    response = privacy.post(votes_url(review), body, format="json")
    assert response.status_code == 400
    assert "no more than 20" in response.json()["conditions"]["non_field_errors"][0]
    assert not Condition.objects.exists()


def test_a_vote_with_the_most_conditions_allowed_is_recorded(api, review, council):
    privacy = api(reviewer_for(review, "privacy"))
    body = {"choice": "approve_with_conditions", "conditions": conditions(CONDITIONS_MAX)}
    response = privacy.post(votes_url(review), body, format="json")
    assert response.status_code == 201
    assert Condition.objects.count() == CONDITIONS_MAX


def test_a_use_case_listing_more_markets_than_allowed_is_refused(api, alice, marketing):
    codes = sorted(ISO_3166_ALPHA2)[: MARKETS_MAX + 1]
    body = {"title": "Offers", "team": marketing.pk, "markets": codes}
    response = api(alice).post("/api/v1/use-cases/", body, format="json")
    assert response.status_code == 400
    assert "no more than 100" in response.json()["markets"][0]


def test_a_registry_entry_listing_more_channels_than_allowed_is_refused(api, alice, entry):
    body = {"channels": ["email"] * (LIST_MAX + 1)}
    response = api(alice).patch(f"/api/v1/registry/{entry.pk}/", body, format="json")
    assert response.status_code == 400
    assert "no more than 50" in response.json()["channels"][0]


# --- text -------------------------------------------------------------------------------------------


def test_a_free_text_answer_longer_than_allowed_is_refused_by_the_api(api, alice, marketing):
    body = {"title": "Offers", "team": marketing.pk, "summary": "x" * (TEXT_MAX + 1)}
    response = api(alice).post("/api/v1/use-cases/", body, format="json")
    assert response.status_code == 400
    assert "no more than 10000 characters" in response.json()["summary"][0]


def test_an_incident_description_longer_than_allowed_is_refused(api, alice, entry):
    body = {"kind": "other", "severity": "low", "description": "x" * (TEXT_MAX + 1)}
    response = api(alice).post(f"/api/v1/registry/{entry.pk}/incidents/", body, format="json")
    assert response.status_code == 400
    assert "description" in response.json()


def test_the_use_case_form_keeps_a_too_long_answer_and_says_why(
    login, make_use_case, alice, marketing, owner
):
    use_case = make_use_case()
    typed = "Customers receive offers that do not fit. " * 250  # > TEXT_MAX characters
    data = form_post(
        **complete_answers(team=marketing, business_owner=owner, business_problem=typed),
        action="save",
        version=use_case.version,
    )
    response = login(alice).post(reverse("usecases:edit", args=[use_case.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ensure this value has at most 10000 characters" in page
    assert typed.strip() in page  # what alice typed comes back in the form
    use_case.refresh_from_db()
    assert use_case.business_problem != typed.strip()


def test_the_vote_form_keeps_a_too_long_condition_and_says_why(login, review, council):
    typed = "Sign the data processing agreement. " * 120  # > NOTE_MAX characters
    data = {
        "vote-choice": "approve_with_conditions",
        "vote-condition_1_text": typed,
        "vote-condition_1_blocking": "on",
    }
    response = login(council["legal"]).post(reverse("reviews:vote", args=[review.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert f"Ensure this value has at most {NOTE_MAX} characters" in page
    assert typed.strip() in page
    assert review.votes.count() == 0


# --- JSON depth -------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [JSON_DEPTH_MAX + 1, 5_000])
def test_deeply_nested_json_is_refused_with_a_400(api, alice, depth):
    body = "[" * depth + "]" * depth
    response = api(alice).post("/api/v1/use-cases/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper than 20 levels" in response.json()["detail"]


# --- dates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("as_of", ["9999-12-31", "1999-12-31"])
def test_an_export_as_of_a_date_out_of_range_is_refused_at_as_of(api, auditor, as_of):
    response = api(auditor).get(f"/api/v1/registry/export/?as_of={as_of}")
    assert response.status_code == 400
    assert response.json()["as_of"] == ["Enter a date between 2000-01-01 and 2100-12-31."]


def test_a_condition_due_in_the_year_9999_is_refused(api, review, council):
    privacy = api(reviewer_for(review, "privacy"))
    body = {
        "choice": "approve_with_conditions",
        "conditions": [{"text": "Sign the DPA", "due_date": "9999-12-31"}],
    }
    response = privacy.post(votes_url(review), body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "conditions": {"0": {"due_date": ["Enter a date between 2000-01-01 and 2100-12-31."]}}
    }


def test_the_audit_trail_page_refuses_a_date_out_of_range_next_to_the_field(login, auditor):
    response = login(auditor).get(reverse("audit:trail"), {"from": "0001-01-01"})
    assert response.status_code in {200, 400}
    assert "Enter a date between 2000-01-01 and 2100-12-31." in response.content.decode()


# --- ids --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/reviews/?use_case={TOO_BIG_ID}",
        f"/api/v1/conditions/?review={TOO_BIG_ID}",
        f"/api/v1/audit-events/?actor={TOO_BIG_ID}",
        f"/api/v1/registry/export/?team={TOO_BIG_ID}",
    ],
)
def test_an_id_filter_past_the_largest_key_is_a_400(api, auditor, url):
    response = api(auditor).get(url)
    assert response.status_code == 400
    field = url.split("?")[1].split("=")[0]
    assert field in response.json()


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/reviews/{TOO_BIG_ID}/",
        f"/api/v1/use-cases/{TOO_BIG_ID}/",
        f"/api/v1/registry/{TOO_BIG_ID}/",
        f"/reviews/{TOO_BIG_ID}/",
        f"/use-cases/{TOO_BIG_ID}/",
        f"/registry/{TOO_BIG_ID}/",
    ],
)
def test_an_id_in_the_path_past_the_largest_key_is_a_404(client, api, auditor, url):
    if url.startswith("/api/"):
        response = api(auditor).get(url)
    else:
        client.force_login(auditor)
        response = client.get(url)
    assert response.status_code == 404


def test_a_waiver_naming_an_item_past_the_largest_key_is_refused(api, review, council):
    chair = api(council["chair"])
    body = {
        "outcome": "approved",
        "rationale": "Approved",
        "waivers": [{"item": TOO_BIG_ID, "reason": "Covered elsewhere"}],
    }
    response = chair.post(f"/api/v1/reviews/{review.pk}/decision/", body, format="json")
    assert response.status_code == 400
    assert "less than or equal to" in response.json()["waivers"]["0"]["item"][0]
