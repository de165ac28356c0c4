"""Idempotency-Key on the API's POST endpoints: the same request again is answered, not done
again; the key reused for another request is refused; a refusal does not use the key up."""

from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from common.api import IdempotentPostMixin
from common.models import IdempotencyKey
from council import tokens
from reviews.models import Comment
from usecases.models import UseCase

from .factories import complete_answers

CREATE = "use-case-list"


def _draft(team, owner, **overrides):
    return {**complete_answers(**overrides), "team": team.pk, "business_owner": owner.pk}


def _post(client, data, key, url=None):
    return client.post(url or reverse(CREATE), data, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_the_same_request_again_gets_the_first_answer_and_makes_nothing_more(
    api, alice, marketing, owner
):
    client = api(alice)
    first = _post(client, _draft(marketing, owner), "create-1")
    again = _post(client, _draft(marketing, owner), "create-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert UseCase.objects.filter(title=first.json()["title"]).count() == 1


def test_without_a_key_each_request_is_done(api, alice, marketing, owner):
    client = api(alice)
    client.post(reverse(CREATE), _draft(marketing, owner), format="json")
    client.post(reverse(CREATE), _draft(marketing, owner), format="json")
    assert UseCase.objects.count() == 2


def test_the_key_with_another_body_or_endpoint_is_refused_with_422(
    api, alice, marketing, owner, review
):
    client = api(alice)
    assert _post(client, _draft(marketing, owner), "k").status_code == 201
    other_body = _post(client, _draft(marketing, owner, title="Another tool"), "k")
    other_endpoint = _post(
        client, {"body": "A question"}, "k", reverse("review-comments", args=[review.pk])
    )
    for refused in (other_body, other_endpoint):
        assert refused.status_code == 422
        assert "already used for another request" in refused.json()["detail"]
    assert UseCase.objects.filter(title="Another tool").count() == 0
    assert not Comment.objects.filter(review=review, body="A question").exists()


def test_a_refused_request_does_not_use_the_key_up(api, alice, marketing, owner):
    client = api(alice)
    refused = _post(client, _draft(marketing, owner, title="x" * 1000), "retry-me")
    assert refused.status_code == 400
    assert "title" in refused.json()
    fixed = _post(client, _draft(marketing, owner), "retry-me")
    assert fixed.status_code == 201
    assert "Idempotent-Replayed" not in fixed


def test_keys_belong_to_their_user(api, alice, bob, marketing, owner):
    _post(api(alice), _draft(marketing, owner), "shared-key")
    bobs = _post(api(bob), _draft(marketing, owner), "shared-key")
    assert bobs.status_code == 201
    assert "Idempotent-Replayed" not in bobs
    assert UseCase.objects.count() == 2


def test_an_expired_key_is_forgotten(api, alice, marketing, owner):
    client = api(alice)
    _post(client, _draft(marketing, owner), "old")
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    later = _post(client, _draft(marketing, owner), "old")
    assert later.status_code == 201
    assert "Idempotent-Replayed" not in later
    assert UseCase.objects.count() == 2
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there"])
def test_a_malformed_key_is_a_400_naming_the_header(api, alice, marketing, owner, key):
    response = _post(api(alice), _draft(marketing, owner), key)
    assert response.status_code == 400
    assert response.json() == {"Idempotency-Key": ["Give 1 to 255 printable characters."]}
    assert UseCase.objects.count() == 0


# Views that take a POST without the mixin, and why.
NOT_IDEMPOTENT_BY_KEY = {
    # Signing in: no user yet to keep a key for; each call issues a new token by design.
    tokens.ObtainToken,
    # Signing out revokes what it revokes: sending it twice changes nothing more.
    tokens.Logout,
}


def _api_views(resolver=None):
    for pattern in (resolver or get_resolver("config.api_urls")).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern)
        elif isinstance(pattern, URLPattern):
            view = pattern.callback
            cls = getattr(view, "cls", None)
            actions = getattr(view, "actions", None) or {}
            if cls is not None and ("post" in actions or (not actions and hasattr(cls, "post"))):
                yield pattern.pattern, cls


def test_every_post_endpoint_of_the_api_takes_an_idempotency_key():
    views = list(_api_views())
    assert len(views) >= 10  # the routes were found
    missing = [
        f"{route} ({cls.__name__})"
        for route, cls in views
        if not issubclass(cls, IdempotentPostMixin) and cls not in NOT_IDEMPOTENT_BY_KEY
    ]
    assert missing == []
