"""One-time tokens on the page forms that create things: sending the same form twice (a double
click, the browser sending it again) records once and shows what the first one recorded."""

import re

import pytest
from django.urls import reverse

from registry.models import Deployment, Incident
from reviews.models import Comment, Vote
from usecases.models import Attachment, UseCase

from .reviews_support import answer_and_verify_checklist, reviewer_for
from .test_registry_pages_edit import _form as entry_form
from .test_review_pages import vote_data
from .test_usecase_pages import form_post, pdf_upload

ALREADY_SENT = "This form had already been sent: it was recorded once."


def token_of(page) -> str:
    """The one-time token of the form a page offers (the first, when it offers several)."""
    return re.search(r'name="once_token" value="([^"]+)"', page.content.decode()).group(1)


def tokens_of(page) -> list[str]:
    return re.findall(r'name="once_token" value="([^"]+)"', page.content.decode())


def twice(client, url, data_for):
    """POST the same form twice; `data_for()` builds it afresh each time (files are read once)."""
    first = client.post(url, data_for())
    again = client.post(url, data_for(), follow=True)
    return first, again


def test_a_new_use_case_sent_twice_is_created_once(login, alice, marketing):
    client = login(alice)
    token = token_of(client.get(reverse("usecases:new")))
    data = form_post(team=marketing, title="Churn alerts", action="save", once_token=token)
    first, again = twice(client, reverse("usecases:new"), lambda: data)
    use_case = UseCase.objects.get()
    assert first.status_code == 302
    assert again.redirect_chain == [(first["Location"], 302)]
    assert ALREADY_SENT in again.content.decode()
    assert use_case.title == "Churn alerts"


def test_a_form_shown_again_with_errors_keeps_its_token_usable(login, alice, marketing):
    client = login(alice)
    token = token_of(client.get(reverse("usecases:new")))
    refused = client.post(
        reverse("usecases:new"),
        form_post(team=marketing, title="x" * 1000, action="save", once_token=token),
    )
    assert refused.status_code == 400
    fixed = client.post(
        reverse("usecases:new"),
        form_post(team=marketing, title="Churn alerts", action="save", once_token=token),
    )
    assert fixed.status_code == 302
    assert UseCase.objects.filter(title="Churn alerts").count() == 1


def test_each_page_offers_a_fresh_token(login, alice):
    client = login(alice)
    assert token_of(client.get(reverse("usecases:new"))) != token_of(
        client.get(reverse("usecases:new"))
    )


def test_an_upload_sent_twice_is_attached_once(login, make_use_case, alice, tmp_path):
    use_case = make_use_case()
    client = login(alice)
    token = token_of(client.get(reverse("usecases:detail", args=[use_case.pk])))
    twice(
        client,
        reverse("usecases:attachment_upload", args=[use_case.pk]),
        lambda: {"file": pdf_upload(), "kind": "other", "once_token": token},
    )
    assert Attachment.objects.filter(use_case=use_case).count() == 1
    assert len([p for p in (tmp_path / "media").rglob("*") if p.is_file()]) == 1


@pytest.fixture
def open_review(review, alice):
    answer_and_verify_checklist(review, alice)
    return review


def test_a_vote_sent_twice_is_recorded_once(login, open_review):
    privacy = reviewer_for(open_review, "privacy")
    client = login(privacy)
    page = client.get(reverse("reviews:detail", args=[open_review.pk]))
    vote_token, _comment_token = tokens_of(page)
    first, again = twice(
        client,
        reverse("reviews:vote", args=[open_review.pk]),
        lambda: {**vote_data("approve"), "once_token": vote_token},
    )
    assert first.status_code == 302
    assert ALREADY_SENT in again.content.decode()
    assert Vote.objects.filter(review=open_review, reviewer=privacy).count() == 1


def test_a_comment_sent_twice_is_posted_once(login, review, alice):
    client = login(alice)
    token = token_of(client.get(reverse("reviews:detail", args=[review.pk])))
    twice(
        client,
        reverse("reviews:comment", args=[review.pk]),
        lambda: {"comment-body": "When is the DPIA due?", "once_token": token},
    )
    assert Comment.objects.filter(review=review).count() == 1


def test_a_registry_entry_sent_twice_is_recorded_once(login, approved, alice, owner):
    client = login(alice)
    url = f"{reverse('registry:new')}?use_case={approved.pk}"
    token = token_of(client.get(url))
    first, again = twice(client, url, lambda: {**entry_form(owner, alice), "once_token": token})
    assert first.status_code == 302
    assert again.redirect_chain[-1][0] == first["Location"]
    assert Deployment.objects.filter(use_case=approved).count() == 1


def test_an_incident_sent_twice_is_reported_once(login, entry, alice):
    client = login(alice)
    token = token_of(client.get(reverse("registry:detail", args=[entry.pk])))
    data = {"kind": "other", "severity": "low", "description": "Wrong offer", "once_token": token}
    twice(client, reverse("registry:incident_report", args=[entry.pk]), lambda: data)
    assert Incident.objects.filter(deployment=entry).count() == 1


def test_without_a_token_a_form_is_done_each_time(login, review, alice):
    """Clients that send no token (older pages, scripts) keep working as before."""
    client = login(alice)
    for _ in range(2):
        client.post(reverse("reviews:comment", args=[review.pk]), {"comment-body": "Hello"})
    assert Comment.objects.filter(review=review).count() == 2
