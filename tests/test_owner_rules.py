"""Who may be named business owner, and what naming them does to the council's review.

- The owner pickers offer only people who can be accountable for a use case: active accounts,
  never an administrator account, never an auditor (council.selectors.business_owner_candidates);
  the services refuse anyone else, so the API answers 400 next to the field, in the rule's words.
- Four eyes keeps the business owner off their own use case's review: naming the only privacy
  member leaves the privacy seat empty. Submitting is not refused, but the use case page, its
  form and the API (`submit-check/`, then `warnings` in the submit response) say so, and what to
  do (workflows.usecase_submit_check).
- An auditor named business owner changes nothing (tests/test_refusals.py has each write);
  here the issue's walk, counted.

Personas as everywhere (tests/conftest.py): alice submits for Marketing, olivia is the business
owner, the council has one member per role (pia is the only privacy member).
"""

import re
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import workflows
from audit.models import AuditEvent
from council import selectors as council_selectors
from council.selectors import AUDITORS_READ_ONLY, business_owner_ineligibility
from registry import forms as registry_forms
from registry.models import Deployment
from reviews.selectors import eligible_reviewers
from usecases import services
from usecases.forms import OWNER_NOT_ON_OFFER
from usecases.models import UseCase

from .factories import RoleFactory, UserFactory, complete_answers
from .registry_support import entry_data, entry_events
from .reviews_support import item_of
from .shared_world import approved_world, entry_world
from .test_registry_pages_edit import _form as entry_form
from .test_usecase_pages import form_post

API = "/api/v1"


@pytest.fixture
def not_owners(auditor):
    """People who must never be named business owner, each with why."""
    admin = UserFactory(username="ada.admin", is_staff=True, is_superuser=True)
    staff = UserFactory(username="stu.staff", is_staff=True)
    gone = UserFactory(username="gil.gone", is_active=False)
    return {"auditor": auditor, "admin": admin, "staff": staff, "inactive": gone}


def _draft(alice, marketing, owner):
    return services.usecase_create(
        actor=alice, data=complete_answers(team=marketing, business_owner=owner)
    )


def _becomes_auditor(user):
    """Named business owner first, an auditor since (naming an auditor is refused)."""
    RoleFactory(user=user, role="auditor")
    council_selectors.forget_cached_access(user)
    return user


def _text(response) -> str:
    return unescape(response.content.decode())


def _owner_options(page: str, field: str = "business_owner") -> set[str]:
    """The usernames an owner picker offers."""
    select = re.search(rf'<select name="{field}".*?</select>', page, re.S).group(0)
    return {
        re.sub(r" — .*", "", label)
        for label in re.findall(r'<option value="\d+"[^>]*>([^<]*)<', select)
    }


def _hidden_fields(page: str) -> dict[str, str]:
    """What the browser sends back unseen with the form (the token, the version read)."""
    inputs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    return {name: value for name, value in inputs if name != "csrfmiddlewaretoken"}


# ---- the owner pickers ---------------------------------------------------------------------------


class TestWhoCanBeNamed:
    def test_the_picker_offers_people_never_admins_auditors_or_former_staff(
        self, login, alice, bob, owner, council_member, not_owners
    ):
        offered = _owner_options(_text(login(alice).get(reverse("usecases:new"))))

        assert {"alice", "bob", "olivia.owner", "eli.ethics"} <= offered
        assert not offered & {user.username for user in not_owners.values()}

    def test_the_picker_and_the_services_apply_one_rule(self, alice, owner, not_owners):
        candidates = set(council_selectors.business_owner_candidates())
        for user in [alice, owner, *not_owners.values()]:
            assert (user in candidates) == (business_owner_ineligibility(user) is None), user

    def test_the_page_refuses_someone_not_on_offer_and_keeps_what_was_typed(
        self, login, alice, marketing, not_owners
    ):
        data = form_post(team=marketing, title="Churn alerts", action="save")
        client = login(alice)
        data.update(_hidden_fields(_text(client.get(reverse("usecases:new")))))

        response = client.post(
            reverse("usecases:new"), {**data, "business_owner": not_owners["admin"].pk}
        )

        assert response.status_code == 400
        page = _text(response)
        assert str(OWNER_NOT_ON_OFFER) in page and 'value="Churn alerts"' in page
        assert not UseCase.objects.exists()

    @pytest.mark.parametrize("who", ["auditor", "admin", "staff", "inactive"])
    def test_the_api_refuses_them_next_to_the_field(
        self, who, api, alice, marketing, owner, not_owners
    ):
        user = not_owners[who]
        draft = _draft(alice, marketing, owner)
        events = AuditEvent.objects.count()

        created = api(alice).post(
            f"{API}/use-cases/",
            {"team": marketing.pk, "title": "Mine", "business_owner": user.pk},
            format="json",
        )
        changed = api(alice).patch(
            f"{API}/use-cases/{draft.pk}/", {"business_owner": user.pk}, format="json"
        )

        words = business_owner_ineligibility(user)
        for response in (created, changed):
            assert response.status_code == 400, response.content[:300]
            assert response.json() == {"business_owner": [words]}
        assert AuditEvent.objects.count() == events and UseCase.objects.count() == 1
        assert UseCase.objects.get().business_owner == owner

    def test_an_owner_who_became_an_auditor_stays_named_but_the_draft_cannot_be_submitted(
        self, login, api, alice, marketing, owner
    ):
        draft = _draft(alice, marketing, owner)
        _becomes_auditor(owner)
        client = login(alice)
        form = _text(client.get(reverse("usecases:edit", args=[draft.pk])))
        assert re.search(rf'<option value="{owner.pk}" selected>olivia.owner', form)

        answers = form_post(**complete_answers(team=marketing, business_owner=owner, title="New"))
        saved = client.post(
            reverse("usecases:edit", args=[draft.pk]),
            {**answers, **_hidden_fields(form), "action": "save"},
        )
        submitted = api(alice).post(f"{API}/use-cases/{draft.pk}/submit/")

        assert saved.status_code == 302
        assert submitted.status_code == 400
        assert submitted.json() == {"business_owner": [business_owner_ineligibility(owner)]}
        draft.refresh_from_db()
        assert (draft.title, draft.business_owner, draft.state) == ("New", owner, "draft")


# ---- the registry's owners ---------------------------------------------------------------------

OWNERS = ("business_owner", "technical_owner")
NOT_OWNER_CASES = [(who, field) for who in ("auditor", "admin", "inactive") for field in OWNERS]


def _refused_next_to_the_field(response, field, user):
    assert response.status_code == 400, response.content[:300]
    assert response.json() == {field: [business_owner_ineligibility(user)]}


def _refused_on_the_page(response):
    assert response.status_code == 400
    page = _text(response)
    assert str(registry_forms.OWNER_NOT_ON_OFFER) in page and 'value="Typed name"' in page


def _offers_people_only(page, not_owners):
    for field in OWNERS:
        offered = _owner_options(page, field)
        assert {"alice", "olivia.owner"} <= offered, field
        assert not offered & {user.username for user in not_owners.values()}, field


@pytest.mark.shared_world(build=approved_world)
class TestRecordingAnEntryNamesEligibleOwners:
    """An entry's business and technical owners follow the business owner's rule (SPEC section 6
    names no other): the pickers offer who can be named, the services refuse anyone else."""

    def new_url(self, use_case):
        return f"/registry/new/?use_case={use_case.pk}"

    def test_the_pickers_offer_people_never_admins_auditors_or_former_staff(
        self, login, alice, owner, approved, not_owners
    ):
        _offers_people_only(_text(login(alice).get(self.new_url(approved))), not_owners)

    @pytest.mark.parametrize("field", OWNERS)
    def test_the_page_refuses_someone_not_on_offer_and_keeps_what_was_typed(
        self, field, login, alice, owner, approved, not_owners
    ):
        typed = {field: not_owners["admin"].pk, "name": "Typed name"}
        response = login(alice).post(self.new_url(approved), entry_form(owner, alice, **typed))

        _refused_on_the_page(response)
        assert not Deployment.objects.exists()

    @pytest.mark.parametrize(("who", "field"), NOT_OWNER_CASES)
    def test_the_api_refuses_them_next_to_the_field(
        self, who, field, api, alice, owner, approved, not_owners
    ):
        user = not_owners[who]
        events = AuditEvent.objects.count()

        response = api(alice).post(
            "/api/v1/registry/",
            {"use_case": approved.pk, **entry_data(owner.pk, alice.pk), field: user.pk},
            format="json",
        )

        _refused_next_to_the_field(response, field, user)
        assert AuditEvent.objects.count() == events and not Deployment.objects.exists()


@pytest.mark.shared_world(build=entry_world)
class TestEditingAnEntryNamesEligibleOwners:
    def test_the_pickers_offer_people_never_admins_auditors_or_former_staff(
        self, login, alice, owner, entry, not_owners
    ):
        _offers_people_only(_text(login(alice).get(f"/registry/{entry.pk}/edit/")), not_owners)

    @pytest.mark.parametrize("field", OWNERS)
    def test_the_page_refuses_someone_not_on_offer_and_keeps_what_was_typed(
        self, field, login, alice, owner, entry, not_owners
    ):
        typed = {field: not_owners["admin"].pk, "name": "Typed name"}
        response = login(alice).post(
            f"/registry/{entry.pk}/edit/", entry_form(owner, alice, **typed, version=entry.version)
        )

        _refused_on_the_page(response)
        assert not entry_events(entry, "changed").exists()

    @pytest.mark.parametrize(("who", "field"), NOT_OWNER_CASES)
    def test_the_api_refuses_them_next_to_the_field(
        self, who, field, api, alice, owner, entry, not_owners
    ):
        user = not_owners[who]

        response = api(alice).patch(
            f"/api/v1/registry/{entry.pk}/", {field: user.pk}, format="json"
        )

        _refused_next_to_the_field(response, field, user)
        assert not entry_events(entry, "changed").exists()
        entry.refresh_from_db()
        assert (entry.business_owner, entry.technical_owner) == (owner, alice)

    def test_owners_who_became_auditors_stay_named_when_other_facts_are_saved(
        self, login, alice, bob, owner, entry
    ):
        workflows.deployment_update(actor=alice, deployment=entry, data={"technical_owner": bob})
        entry.refresh_from_db()
        _becomes_auditor(owner)
        _becomes_auditor(bob)
        client = login(alice)
        form = _text(client.get(f"/registry/{entry.pk}/edit/"))
        for field, user in zip(OWNERS, (owner, bob), strict=True):
            select = re.search(rf'<select name="{field}".*?</select>', form, re.S).group(0)
            assert re.search(rf'<option value="{user.pk}" selected>{user.username}', select)

        saved = client.post(
            f"/registry/{entry.pk}/edit/",
            entry_form(owner, bob, monitoring_kpis="Complaints only", version=entry.version),
        )

        assert saved.status_code == 302
        entry.refresh_from_db()
        assert entry.monitoring_kpis == "Complaints only"
        assert (entry.business_owner, entry.technical_owner) == (owner, bob)


# ---- four eyes: the seat the business owner empties ----------------------------------------------


class TestSubmittingWarnsOfAnEmptySeat:
    @pytest.fixture
    def privacy_owned(self, alice, marketing, council):
        """A draft whose business owner is pia, the council's only privacy member."""
        return _draft(alice, marketing, council["privacy"])

    def test_the_check_names_the_seat_and_the_owner(self, privacy_owned, council):
        (gap,) = workflows.usecase_submit_check(privacy_owned)

        assert (gap.role, gap.owner) == ("privacy", council["privacy"])
        assert "Name another business owner before you submit" in gap.before_submitting

    def test_the_use_case_page_and_its_form_warn_before_submitting(self, login, privacy_owned):
        (gap,) = workflows.usecase_submit_check(privacy_owned)
        client = login(privacy_owned.created_by)
        for name in ("usecases:detail", "usecases:edit"):
            page = _text(client.get(reverse(name, args=[privacy_owned.pk])))
            assert 'id="submit-warnings"' in page and gap.before_submitting in page, name

    def test_the_api_warns_before_and_after_and_the_review_waits_for_the_chair(
        self, api, alice, privacy_owned
    ):
        (gap,) = workflows.usecase_submit_check(privacy_owned)
        url = f"{API}/use-cases/{privacy_owned.pk}/"

        before = api(alice).get(f"{url}submit-check/")
        submitted = api(alice).post(f"{url}submit/")

        assert before.json() == {"warnings": [gap.before_submitting]}
        assert submitted.status_code == 200
        assert submitted.json()["warnings"] == [gap.once_submitted]
        review = privacy_owned.reviews.get()
        assert "privacy" in review.required_roles
        assert not review.assignments.filter(role="privacy").exists()

    def test_submitting_on_the_page_says_the_review_waits(self, login, alice, privacy_owned):
        (gap,) = workflows.usecase_submit_check(privacy_owned)

        response = login(alice).post(reverse("usecases:submit", args=[privacy_owned.pk]))

        assert response.status_code == 302
        said = [str(message) for message in get_messages(response.wsgi_request)]
        assert gap.once_submitted in said

    def test_no_warning_when_another_privacy_member_is_free(self, login, api, alice, privacy_owned):
        RoleFactory(user=UserFactory(username="pat.privacy"), role="privacy")

        page = _text(login(alice).get(reverse("usecases:detail", args=[privacy_owned.pk])))
        check = api(alice).get(f"{API}/use-cases/{privacy_owned.pk}/submit-check/")

        assert "submit-warnings" not in page
        assert check.json() == {"warnings": []}

    def test_an_auditor_holding_the_role_does_not_fill_the_seat(
        self, api, alice, privacy_owned, auditor
    ):
        """Auditors change nothing, so they are never seated, even holding a council role."""
        RoleFactory(user=auditor, role="privacy")

        assert not eligible_reviewers(role="privacy", use_case=privacy_owned).exists()
        assert [gap.role for gap in workflows.usecase_submit_check(privacy_owned)] == ["privacy"]

    def test_only_who_may_submit_asks(self, api, privacy_owned, council, council_member):
        url = f"{API}/use-cases/{privacy_owned.pk}/submit-check/"
        # A draft is invisible to the council: 404, as any forbidden object.
        assert api(council_member).get(url).status_code == 404
        # Its business owner sees it, but as an auditor now submits nothing.
        answer = api(_becomes_auditor(council["privacy"])).get(url)
        assert (answer.status_code, answer.json()) == (403, {"detail": AUDITORS_READ_ONLY})


# ---- the walk, counted --------------------------------------------------------------------


def test_an_auditor_named_business_owner_changes_nothing_through_the_pages(
    login, alice, marketing, owner, council, figure
):
    """The issue's walk: olivia, named business owner of a draft and of a use case in review,
    becomes an auditor; through the pages she tries to edit the draft, add a file to it and
    submit it, then to answer the review's checklist, comment on it and withdraw the use case.
    (Before: 6 of 6 accepted, while the API refused all.)"""
    draft = _draft(alice, marketing, owner)
    in_review = workflows.usecase_submit(actor=alice, use_case=_draft(alice, marketing, owner))
    review = in_review.reviews.get()
    item = item_of(review, "privacy")
    client = login(_becomes_auditor(owner))
    tries = {
        "edit": lambda: client.post(
            reverse("usecases:edit", args=[draft.pk]), form_post(title="Auditor's title")
        ),
        "upload": lambda: client.post(
            reverse("usecases:attachment_upload", args=[draft.pk]),
            {"file": SimpleUploadedFile("a.txt", b"hi"), "kind": "dpia"},
        ),
        "submit": lambda: client.post(reverse("usecases:submit", args=[draft.pk])),
        "answer": lambda: client.post(
            reverse("reviews:answer", args=[review.pk, item.pk]),
            {f"answer-{item.code}-answer": "yes"},
        ),
        "comment": lambda: client.post(
            reverse("reviews:comment", args=[review.pk]), {"comment-body": "Hello"}
        ),
        "withdraw": lambda: client.post(
            reverse("usecases:withdraw", args=[in_review.pk]), {"reason": "Mine"}
        ),
    }

    accepted = []
    for name, call in tries.items():
        events = AuditEvent.objects.count()  # every write is recorded
        if call().status_code != 403 or AuditEvent.objects.count() != events:
            accepted.append(name)

    figure("rules", f"auditor as business owner, page writes accepted: {len(accepted)} of 6")
    assert accepted == []
    draft.refresh_from_db()
    in_review.refresh_from_db()
    assert (draft.state, draft.title, draft.attachments.count()) == (
        "draft",
        "Next-best-offer e-mails",
        0,
    )
    assert in_review.state == "in_review"
