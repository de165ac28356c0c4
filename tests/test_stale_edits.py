"""Two people edit the same record: the second save, based on what the first one changed, is
refused with who changed what and when, the input kept; nothing is lost silently. Pages carry
the version in the form; the API takes it as If-Match (the ETag of a GET) or as `version`."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

import workflows
from audit.models import AuditEvent
from common.errors import StaleEdit
from registry.models import Deployment
from reviews import services as review_services
from reviews.models import ChecklistAnswer
from usecases import services
from usecases.models import UseCase

from .concurrency_support import results_at_once
from .factories import complete_answers
from .registry_support import PILOT_RESULTS, entry_events
from .reviews_support import item_of, reviewer_for
from .shared_world import entry_world, review_world
from .test_usecase_pages import form_post

# The registry's tests start from one entry in pilot, built once (tests/shared_world.py).
pytestmark = pytest.mark.shared_world(build=entry_world, for_tests_using="entry")


def _named(user, first, last):
    user.first_name, user.last_name = first, last
    user.save()
    return user


def _tab(user) -> Client:
    """A browser tab of its own, logged in."""
    client = Client()
    client.force_login(user)
    return client


def _version_on(page) -> int:
    """The version a form page carries in its hidden field."""
    return int(re.search(r'name="version" value="(\d+)"', page.content.decode()).group(1))


def _use_case_events(use_case, action):
    return AuditEvent.objects.filter(
        object_type="usecases.usecase", object_id=str(use_case.pk), action=action
    )


# --- A draft, on its edit page ------------------------------------------------------------------


class TestDraftInTwoTabs:
    @pytest.fixture
    def two_tabs(self, make_use_case, alice, bob, marketing, owner):
        """Alice and Bob open the edit page of one draft; Alice saves a new summary first."""
        _named(alice, "Alice", "Martin")
        use_case = make_use_case()
        url = reverse("usecases:edit", args=[use_case.pk])
        alice_tab, bob_tab = _tab(alice), _tab(bob)
        alice_version, bob_version = _version_on(alice_tab.get(url)), _version_on(bob_tab.get(url))
        answers = complete_answers(team=marketing, business_owner=owner)
        saved = alice_tab.post(
            url,
            form_post(
                **{**answers, "summary": "Alice's summary"}, action="save", version=alice_version
            ),
        )
        assert saved.status_code == 302
        bob_input = form_post(
            **{**answers, "title": "Bob's title"}, action="save", version=bob_version
        )
        return use_case, url, bob_tab, bob_input

    def test_the_second_save_is_refused_with_who_changed_what_and_the_input_kept(self, two_tabs):
        use_case, url, bob_tab, bob_input = two_tabs
        response = bob_tab.post(url, bob_input)
        assert response.status_code == 409
        page = response.content.decode()
        assert "This use case was changed by Alice Martin at " in page
        assert "(What does it do?) after you opened it, so your changes were not saved" in page
        assert 'value="Bob&#x27;s title"' in page  # what Bob typed is in the form again
        assert "Changed by Alice Martin after you opened the page." in page  # next to the summary
        use_case = UseCase.objects.get(pk=use_case.pk)
        assert (use_case.summary, use_case.title) == ("Alice's summary", "Next-best-offer e-mails")
        assert _use_case_events(use_case, "changed").count() == 1

    def test_saving_again_from_the_refused_form_keeps_the_second_persons_input(self, two_tabs):
        use_case, url, bob_tab, bob_input = two_tabs
        refused = bob_tab.post(url, bob_input)
        again = bob_tab.post(url, {**bob_input, "version": _version_on(refused)})
        assert again.status_code == 302
        use_case = UseCase.objects.get(pk=use_case.pk)
        assert use_case.title == "Bob's title"
        assert _use_case_events(use_case, "changed").count() == 2

    def test_a_form_without_its_version_is_shown_again_and_nothing_is_saved(
        self, make_use_case, alice, marketing, owner
    ):
        use_case = make_use_case()
        answers = complete_answers(team=marketing, business_owner=owner, title="Untracked")
        response = _tab(alice).post(
            reverse("usecases:edit", args=[use_case.pk]), form_post(**answers, action="save")
        )
        assert response.status_code == 400
        assert "This page is older than the form it sends" in response.content.decode()
        assert _version_on(response) == use_case.version  # saving again is possible
        assert UseCase.objects.get(pk=use_case.pk).title == "Next-best-offer e-mails"

    def test_a_failed_submit_after_saving_carries_the_version_it_saved(
        self, make_use_case, alice, marketing
    ):
        use_case = make_use_case()
        url = reverse("usecases:edit", args=[use_case.pk])
        tab = _tab(alice)
        data = form_post(team=marketing, title="Half done", action="submit")
        response = tab.post(url, {**data, "version": _version_on(tab.get(url))})
        assert response.status_code == 400  # saved as a draft, refused as a submission
        assert _version_on(response) == UseCase.objects.get(pk=use_case.pk).version
        assert tab.post(url, {**data, "action": "save", "version": _version_on(response)})[
            "Location"
        ] == reverse("usecases:edit", args=[use_case.pk])

    def test_someone_who_may_not_edit_is_refused_as_before_whatever_the_version(
        self, make_use_case, alice, charlie, council_member
    ):
        use_case = make_use_case()
        services.usecase_update(actor=alice, use_case=use_case, data={"title": "New"})
        url = reverse("usecases:edit", args=[use_case.pk])
        assert _tab(charlie).post(url, {"title": "X", "version": 1}).status_code == 404
        submitted = workflows.usecase_submit(actor=alice, use_case=use_case)
        refused = _tab(council_member).post(
            reverse("usecases:edit", args=[submitted.pk]), {"title": "X", "version": 1}
        )
        assert refused.status_code == 403


# --- A draft, through the API -------------------------------------------------------------------

API = "/api/v1/use-cases/"


class TestDraftThroughTheApi:
    def test_a_get_answers_the_version_as_etag_and_a_stale_if_match_is_412(
        self, api, make_use_case, alice, bob
    ):
        _named(bob, "Bob", "Stone")
        use_case = make_use_case()
        read = api(alice).get(f"{API}{use_case.pk}/")
        assert read["ETag"] == '"1"' and read.json()["version"] == 1
        saved = api(bob).patch(
            f"{API}{use_case.pk}/", {"kpis": "Retention"}, format="json", HTTP_IF_MATCH='"1"'
        )
        assert saved.status_code == 200 and saved["ETag"] == '"2"'

        stale = api(alice).patch(
            f"{API}{use_case.pk}/", {"summary": "Mine"}, format="json", HTTP_IF_MATCH=read["ETag"]
        )
        assert stale.status_code == 412
        body = stale.json()
        assert body["changed_by"] == "Bob Stone" and body["changed_fields"] == ["kpis"]
        assert body["version"] == 2 and stale["ETag"] == '"2"' and body["changed_at"]
        assert "changed by Bob Stone" in body["detail"]
        use_case = UseCase.objects.get(pk=use_case.pk)
        assert (use_case.kpis, use_case.version) == ("Retention", 2)
        assert use_case.summary != "Mine"

    def test_a_stale_version_in_the_body_is_409_and_the_current_one_saves(
        self, api, make_use_case, alice, bob
    ):
        use_case = make_use_case()
        api(bob).patch(f"{API}{use_case.pk}/", {"kpis": "Retention", "version": 1}, format="json")
        stale = api(alice).patch(
            f"{API}{use_case.pk}/", {"kpis": "Churn", "version": 1}, format="json"
        )
        assert stale.status_code == 409 and stale.json()["changed_fields"] == ["kpis"]
        fresh = api(alice).patch(
            f"{API}{use_case.pk}/", {"kpis": "Churn", "version": 2}, format="json"
        )
        assert fresh.status_code == 200 and fresh.json()["version"] == 3

    def test_without_a_version_a_change_is_saved_as_before(self, api, make_use_case, alice):
        use_case = make_use_case()
        services.usecase_update(actor=alice, use_case=use_case, data={"kpis": "Retention"})
        response = api(alice).patch(f"{API}{use_case.pk}/", {"kpis": "Churn"}, format="json")
        assert response.status_code == 200 and response.json()["kpis"] == "Churn"

    @pytest.mark.parametrize("header", ["3", '"0"', '"1", "2"', '"x"'])
    def test_an_if_match_that_names_no_version_is_400(self, api, make_use_case, alice, header):
        use_case = make_use_case()
        response = api(alice).patch(
            f"{API}{use_case.pk}/", {"kpis": "Churn"}, format="json", HTTP_IF_MATCH=header
        )
        assert response.status_code == 400 and "If-Match" in response.json()

    def test_an_auditor_is_refused_before_learning_who_changed_it(
        self, api, make_use_case, alice, auditor, charlie
    ):
        use_case = make_use_case()
        services.usecase_update(actor=alice, use_case=use_case, data={"kpis": "Retention"})
        for user in (auditor, charlie):
            response = api(user).patch(
                f"{API}{use_case.pk}/", {"kpis": "X"}, format="json", HTTP_IF_MATCH='"1"'
            )
            assert response.status_code in {403, 404}
            assert "changed_by" not in response.json()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="threads cannot share SQLite's in-memory test database; CI runs this on PostgreSQL",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_saves_of_one_version_at_once_one_is_refused(alice, bob, marketing, owner):
    """The version is compared under the row's lock: two saves of version 1 never both pass."""
    use_case = services.usecase_create(
        actor=alice, data=complete_answers(team=marketing, business_owner=owner)
    )

    def save(user, kpis):
        return lambda: services.usecase_update(
            actor=user, use_case=use_case, data={"kpis": kpis}, version=1
        )

    outcomes = results_at_once([save(alice, "Retention"), save(bob, "Churn")])
    refused = [outcome for outcome in outcomes if isinstance(outcome, StaleEdit)]
    assert len(refused) == 1, outcomes
    use_case = UseCase.objects.get(pk=use_case.pk)
    assert use_case.version == 2 and use_case.kpis in {"Retention", "Churn"}
    assert _use_case_events(use_case, "changed").count() == 1


# --- A registry entry ---------------------------------------------------------------------------


def _entry_form(entry, **overrides):
    """The edit form as the page sends it, from the entry as it stands."""
    data = {
        "name": entry.name,
        "vendor": entry.vendor,
        "model_version": entry.model_version,
        "channels": entry.channels,
        "markets": ", ".join(entry.markets),
        "business_owner": entry.business_owner_id,
        "technical_owner": entry.technical_owner_id,
        "human_oversight": entry.human_oversight,
        "customer_disclosure": entry.customer_disclosure,
        "data_categories": entry.data_categories,
        "monitoring_kpis": entry.monitoring_kpis,
    }
    return {**data, **overrides}


class TestEntryInTwoTabs:
    def test_the_second_save_is_refused_with_who_changed_what_and_the_input_kept(
        self, entry, alice, owner
    ):
        _named(owner, "Olivia", "Owner")
        url = f"/registry/{entry.pk}/edit/"
        alice_tab, owner_tab = _tab(alice), _tab(owner)
        alice_version, owner_version = (
            _version_on(alice_tab.get(url)),
            _version_on(owner_tab.get(url)),
        )
        saved = owner_tab.post(
            url, _entry_form(entry, model_version="nbo-2026.4", version=owner_version)
        )
        assert saved.status_code == 302

        response = alice_tab.post(
            url, _entry_form(entry, monitoring_kpis="Complaints only", version=alice_version)
        )
        assert response.status_code == 409
        page = response.content.decode()
        assert "This registry entry was changed by Olivia Owner at " in page
        assert "(Model version) after you opened it" in page
        assert "Complaints only" in page  # what Alice typed
        entry = Deployment.objects.get(pk=entry.pk)
        assert (entry.model_version, entry.monitoring_kpis) == (
            "nbo-2026.4",
            "Unsubscribe rate, complaints.",
        )
        assert entry_events(entry, "changed").count() == 1

    def test_a_stage_move_meanwhile_makes_an_open_edit_stale(self, entry, alice):
        """Moving to production sets the go-live date: the edit form, read before, would empty it."""
        url = f"/registry/{entry.pk}/edit/"
        tab = _tab(alice)
        version = _version_on(tab.get(url))
        workflows.deployment_change_stage(
            actor=alice, deployment=entry, stage="production", **PILOT_RESULTS
        )
        response = tab.post(url, _entry_form(entry, name="Renamed", version=version))
        assert response.status_code == 409
        assert "(Go-live date) after you opened it" in response.content.decode()
        entry = Deployment.objects.get(pk=entry.pk)
        assert entry.go_live_date is not None and entry.name == "Acme NBO"

    def test_the_api_answers_an_etag_and_refuses_a_stale_if_match_or_version(
        self, api, entry, alice, owner
    ):
        url = f"/api/v1/registry/{entry.pk}/"
        read = api(alice).get(url)
        assert read["ETag"] == '"1"'
        saved = api(owner).patch(url, {"name": "Acme NBO 2"}, format="json", HTTP_IF_MATCH='"1"')
        assert saved.status_code == 200 and saved["ETag"] == '"2"'
        stale = api(alice).patch(url, {"vendor": "Other"}, format="json", HTTP_IF_MATCH='"1"')
        assert stale.status_code == 412
        assert stale.json()["changed_fields"] == ["name"] and stale.json()["version"] == 2
        in_body = api(alice).patch(url, {"vendor": "Other", "version": 1}, format="json")
        assert in_body.status_code == 409 and in_body.json()["changed_by"] == "olivia.owner"
        assert Deployment.objects.get(pk=entry.pk).vendor == "Acme"
        fresh = api(alice).patch(url, {"vendor": "Other", "version": 2}, format="json")
        assert fresh.status_code == 200 and fresh["ETag"] == '"3"'

    def test_an_auditor_and_a_council_member_are_refused_as_before(
        self, api, entry, auditor, council
    ):
        for user in (auditor, council["privacy"]):
            response = api(user).patch(
                f"/api/v1/registry/{entry.pk}/", {"name": "X", "version": 1}, format="json"
            )
            assert response.status_code in {403, 404}
            assert "changed_by" not in response.json()
        assert Deployment.objects.get(pk=entry.pk).name == "Acme NBO"


# --- A checklist answer, on the review page and through the API --------------------------------


def _answer_form(item, answer, evidence, version):
    """The item's answer form as the review page sends it."""
    prefix = f"answer-{item.code}-"
    return {f"{prefix}answer": answer, f"{prefix}evidence": evidence, f"{prefix}version": version}


def _answer_version_on(page, item) -> int:
    found = re.search(rf'name="answer-{item.code}-version" value="(\d+)"', page.content.decode())
    return int(found.group(1))


def _answer_events(review):
    return AuditEvent.objects.filter(
        object_type="reviews.review", object_id=str(review.pk), action="checklist_answered"
    )


@pytest.mark.shared_world(build=review_world)
class TestChecklistAnswerInTwoTabs:
    @pytest.fixture
    def two_tabs(self, review, alice, bob):
        """Alice and Bob open the review page at the same answer; Alice saves hers first."""
        _named(alice, "Alice", "Martin")
        item = item_of(review, "privacy")
        review_services.checklist_answer(
            actor=bob, review=review, item_id=item.pk, answer="partial", evidence="Draft DPA"
        )
        page, url = f"/reviews/{review.pk}/", reverse("reviews:answer", args=[review.pk, item.pk])
        alice_tab, bob_tab = _tab(alice), _tab(bob)
        alice_version = _answer_version_on(alice_tab.get(page), item)
        bob_version = _answer_version_on(bob_tab.get(page), item)
        saved = alice_tab.post(url, _answer_form(item, "yes", "DPA signed", alice_version))
        assert saved.status_code == 302
        return item, url, bob_tab, _answer_form(item, "no", "Bob's evidence", bob_version)

    def test_the_second_save_is_refused_with_who_and_when_and_the_text_kept(self, review, two_tabs):
        item, url, bob_tab, bob_input = two_tabs
        events = _answer_events(review).count()

        response = bob_tab.post(url, bob_input)

        assert response.status_code == 409
        page = response.content.decode()
        assert "This answer was changed by Alice Martin at " in page
        assert "after you opened it, so your changes were not saved" in page
        assert "Bob&#x27;s evidence" in page  # what Bob typed is in the form again
        row = ChecklistAnswer.objects.get(review=review, item=item)
        assert (row.answer, row.evidence, row.version) == ("yes", "DPA signed", 2)
        assert _answer_events(review).count() == events

    def test_saving_again_from_the_refused_form_keeps_the_second_persons_answer(
        self, review, two_tabs, bob
    ):
        item, url, bob_tab, bob_input = two_tabs
        refused = bob_tab.post(url, bob_input)
        again = bob_tab.post(url, {**bob_input, f"answer-{item.code}-version": 2})
        assert _answer_version_on(refused, item) == 2
        assert again.status_code == 302
        row = ChecklistAnswer.objects.get(review=review, item=item)
        assert (row.answer, row.evidence, row.answered_by, row.version) == (
            "no",
            "Bob's evidence",
            bob,
            3,
        )

    def test_a_first_answer_saved_meanwhile_is_not_overwritten(self, review, alice, bob):
        item = item_of(review, "privacy")
        tab = _tab(bob)
        version = _answer_version_on(tab.get(f"/reviews/{review.pk}/"), item)
        review_services.checklist_answer(
            actor=alice, review=review, item_id=item.pk, answer="yes", evidence="DPA signed"
        )

        response = tab.post(
            reverse("reviews:answer", args=[review.pk, item.pk]),
            _answer_form(item, "no", "Bob's evidence", version),
        )

        assert version == 0 and response.status_code == 409
        assert "This answer was changed by alice at " in response.content.decode()
        assert ChecklistAnswer.objects.get(review=review, item=item).answer == "yes"


@pytest.mark.shared_world(build=review_world)
class TestChecklistAnswerThroughTheApi:
    def url(self, review, item):
        return f"/api/v1/reviews/{review.pk}/checklist/{item.pk}/"

    def test_a_stale_version_is_409_with_who_and_when_and_the_current_one_saves(
        self, api, review, alice, bob
    ):
        _named(alice, "Alice", "Martin")
        item = item_of(review, "privacy")
        url = self.url(review, item)
        first = api(alice).patch(url, {"answer": "yes", "version": 0}, format="json")
        assert first.status_code == 200 and first.json()["version"] == 1

        stale = api(bob).patch(
            url, {"answer": "no", "evidence": "Mine", "version": 0}, format="json"
        )

        assert stale.status_code == 409
        body = stale.json()
        assert body["changed_by"] == "Alice Martin" and body["changed_at"]
        assert body["version"] == 1 and "changed by Alice Martin" in body["detail"]
        assert ChecklistAnswer.objects.get(review=review, item=item).answer == "yes"
        fresh = api(bob).patch(
            url, {"answer": "no", "evidence": "Mine", "version": 1}, format="json"
        )
        assert fresh.status_code == 200 and fresh.json()["version"] == 2

    def test_without_a_version_an_answer_is_saved_as_before(self, api, review, alice, bob):
        item = item_of(review, "privacy")
        url = self.url(review, item)
        api(alice).patch(url, {"answer": "yes"}, format="json")
        response = api(bob).patch(url, {"answer": "partial"}, format="json")
        assert response.status_code == 200 and response.json()["answer"] == "partial"

    def test_a_reviewer_is_refused_before_learning_who_answered(self, api, review, alice):
        item = item_of(review, "privacy")
        api(alice).patch(self.url(review, item), {"answer": "yes"}, format="json")
        response = api(reviewer_for(review, "privacy")).patch(
            self.url(review, item), {"answer": "no", "version": 0}, format="json"
        )
        assert response.status_code == 403 and "changed_by" not in response.json()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="threads cannot share SQLite's in-memory test database; CI runs this on PostgreSQL",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_answers_read_at_one_version_at_once_one_is_refused(make_use_case, alice, bob):
    """The version is compared under the review's lock: two first answers never both pass."""
    review = make_use_case("submitted").reviews.get()
    item = item_of(review, "privacy")

    def answer(user, text):
        return lambda: review_services.checklist_answer(
            actor=user, review=review, item_id=item.pk, answer="yes", evidence=text, version=0
        )

    outcomes = results_at_once([answer(alice, "Alice's"), answer(bob, "Bob's")])
    refused = [outcome for outcome in outcomes if isinstance(outcome, StaleEdit)]
    assert len(refused) == 1, outcomes
    row = ChecklistAnswer.objects.get(review=review, item=item)
    assert row.version == 1 and row.evidence in {"Alice's", "Bob's"}
    assert _answer_events(review).count() == 1
