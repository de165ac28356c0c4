"""The intake form names the inventory's model versions a use case means to use, saved with the
draft in one transaction; a use case naming one of the same models shows in the duplicate check
(issue 13, points 1 and 6)."""

import re

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

import workflows
from audit.models import AuditEvent
from inventory.models import AiModel, ModelVersion
from usecases import services
from usecases.models import UseCase
from usecases.selectors import SAME_MODEL, similar_use_cases

from .factories import complete_answers
from .inventory_support import nova_version_1
from .test_usecase_pages import form_post

# Answers that match nothing else by tool, vendor or title.
UNRELATED = {"title": "Loyalty rewards", "vendor": "Other Vendor", "tool_name": "Other Tool"}


@pytest.fixture
def nova(alice):
    return nova_version_1(alice)


@pytest.fixture
def nova_2(nova, council):
    return ModelVersion.objects.create(
        model=nova.model, version="2", recorded_by=council["privacy"]
    )


@pytest.fixture
def in_house(council):
    model = AiModel.objects.create(name="Churn GBM", model_type="ml", recorded_by=council["chair"])
    return ModelVersion.objects.create(model=model, version="2025.11", recorded_by=council["chair"])


@pytest.fixture
def bobs_proposal(nova, bob):
    """A version of Nova proposed by bob, of alice's team: the council has not confirmed it."""
    return ModelVersion.objects.create(
        model=nova.model, version="3-beta", recorded_by=bob, proposed=True
    )


@pytest.fixture
def charlies_proposal(charlie):
    """A model and version proposed by the contact centre."""
    model = AiModel.objects.create(
        name="Whisper bot", model_type="llm", recorded_by=charlie, proposed=True
    )
    return ModelVersion.objects.create(
        model=model, version="0.1", recorded_by=charlie, proposed=True
    )


def html(response) -> str:
    return response.content.decode()


def named(use_case) -> list[str]:
    return sorted(
        str(version) for version in UseCase.objects.get(pk=use_case.pk).model_versions.all()
    )


def new_draft(**answers):
    return form_post(**{**complete_answers(**UNRELATED), **answers})


@pytest.fixture
def submitted_on(make_use_case, alice):
    """submitted_on(*versions) -> alice's "Campaign copy", naming them, then submitted."""

    def make(*versions):
        draft = make_use_case(title="Campaign copy", vendor="Acme", tool_name="Writer")
        services.usecase_models_set(actor=alice, use_case=draft, versions=versions)
        return workflows.usecase_submit(actor=alice, use_case=draft)

    return make


# --- What the form offers ------------------------------------------------------------------------


def test_the_ai_step_offers_the_versions_grouped_by_model_with_the_teams_own_proposals_marked(
    login, alice, marketing, nova, nova_2, in_house, bobs_proposal, charlies_proposal
):
    page = html(login(alice).get("/use-cases/new/"))
    ai_step = page[page.index('id="ai"') : page.index('id="data"')]

    assert "Which models from the inventory does it use?" in ai_step
    for label in (
        "Acme AI · Nova · 1",
        "Acme AI · Nova · 2",
        "Acme AI · Nova · 3-beta (proposed)",
        "In-house · Churn GBM · 2025.11",
    ):
        assert escape(label) in ai_step, label
    # Grouped by model: each model's name heads its versions, in-house ones last.
    assert ai_step.index(escape("Acme AI · Nova")) < ai_step.index(escape("In-house · Churn GBM"))
    assert "Whisper bot" not in page  # another team's proposal is theirs until confirmed
    assert 'href="/models/new/"' in ai_step and "Model not listed? Propose it" in ai_step


def test_the_edit_form_ticks_the_versions_the_use_case_names(login, make_use_case, alice, nova):
    draft = make_use_case(**UNRELATED)
    services.usecase_models_set(actor=alice, use_case=draft, versions=[nova])

    page = html(login(alice).get(f"/use-cases/{draft.pk}/edit/"))

    ticked = re.findall(r'<input type="checkbox" name="model_versions"[^>]*checked[^>]*>', page)
    assert len(ticked) == 1 and f'value="{nova.pk}"' in ticked[0]


# --- Saving ------------------------------------------------------------------------------------


def test_a_new_draft_is_saved_with_the_versions_ticked_and_it_is_audited(
    login, alice, marketing, owner, nova, in_house
):
    client = login(alice)
    data = new_draft(team=marketing, business_owner=owner, model_versions=[nova.pk, in_house.pk])

    response = client.post("/use-cases/new/", data)

    assert response.status_code == 302
    use_case = UseCase.objects.get(title="Loyalty rewards")
    assert named(use_case) == ["Churn GBM 2025.11", "Nova 1"]
    event = AuditEvent.objects.get(action="models_linked", object_id=str(use_case.pk))
    assert event.changes == {"model_versions": [[], ["Churn GBM 2025.11", "Nova 1"]]}


def test_two_versions_of_one_model_save_nothing_and_say_why_next_to_the_field(
    login, alice, marketing, nova, nova_2
):
    client = login(alice)

    response = client.post(
        "/use-cases/new/", new_draft(team=marketing, model_versions=[nova.pk, nova_2.pk])
    )

    assert response.status_code == 400
    page = html(response)
    field = page[page.index('id="field-model_versions"') :]
    assert "Choose one version of each model" in field[: field.index("</fieldset>")]
    assert 'href="#id_model_versions_0_0"' in page  # the summary links to the first tick
    assert not UseCase.objects.filter(title="Loyalty rewards").exists()  # not even the answers


def test_an_edit_with_two_versions_of_one_model_keeps_the_answers_saved_before(
    login, make_use_case, alice, nova, nova_2
):
    draft = make_use_case(**UNRELATED)
    data = new_draft(team=draft.team, title="Renamed", model_versions=[nova.pk, nova_2.pk])
    data["version"] = draft.version

    response = login(alice).post(f"/use-cases/{draft.pk}/edit/", data)

    assert response.status_code == 400
    assert UseCase.objects.get(pk=draft.pk).title == "Loyalty rewards"
    assert named(draft) == []


def test_unticking_every_version_clears_them(login, make_use_case, alice, nova):
    draft = make_use_case(**UNRELATED)
    services.usecase_models_set(actor=alice, use_case=draft, versions=[nova])
    data = new_draft(team=draft.team)
    data["version"] = draft.version

    response = login(alice).post(f"/use-cases/{draft.pk}/edit/", data)

    assert response.status_code == 302
    assert named(draft) == []


def test_another_teams_proposal_is_not_a_valid_choice(login, alice, marketing, charlies_proposal):
    response = login(alice).post(
        "/use-cases/new/", new_draft(team=marketing, model_versions=[charlies_proposal.pk])
    )

    assert response.status_code == 400
    assert "Select a valid choice" in html(response)
    assert not UseCase.objects.filter(title="Loyalty rewards").exists()


def test_garbage_ids_are_a_form_error_not_a_crash(login, alice, marketing):
    for garbage in ("x", "99999999999999999999999", "-1"):
        response = login(alice).post(
            "/use-cases/new/", new_draft(team=marketing, model_versions=[garbage])
        )
        assert response.status_code == 400, garbage


def test_submitting_from_the_form_saves_the_versions_too(login, alice, marketing, owner, nova):
    data = new_draft(team=marketing, business_owner=owner, model_versions=[nova.pk])
    data["action"] = "submit"

    response = login(alice).post("/use-cases/new/", data)

    assert response.status_code == 302
    use_case = UseCase.objects.get(title="Loyalty rewards")
    assert use_case.state != "draft" and named(use_case) == ["Nova 1"]


def test_the_models_section_of_the_use_case_page_still_saves_them(
    login, make_use_case, alice, nova, bobs_proposal, charlies_proposal
):
    draft = make_use_case(**UNRELATED)
    client = login(alice)
    page = html(client.get(f"/use-cases/{draft.pk}/"))
    section = page[page.index('id="models"') :]
    assert escape("Acme AI · Nova · 3-beta (proposed)") in section
    assert "Whisper bot" not in section

    response = client.post(f"/use-cases/{draft.pk}/models/", {"model_versions": [bobs_proposal.pk]})

    assert response.status_code == 302
    assert named(draft) == ["Nova 3-beta"]


# --- The duplicate check: same model -----------------------------------------------------------


def test_a_use_case_on_another_version_of_the_same_model_is_a_match(
    submitted_on, make_use_case, alice, bob, nova, nova_2, in_house
):
    existing = submitted_on(nova)
    draft = make_use_case(actor=bob, **UNRELATED)
    assert not similar_use_cases(draft, user=bob)  # nothing in common yet

    services.usecase_models_set(actor=bob, use_case=draft, versions=[nova_2, in_house])

    found = similar_use_cases(draft, user=bob)
    assert [(match.use_case, match.reasons) for match in found.shown] == [(existing, (SAME_MODEL,))]


def test_a_use_case_on_another_model_is_no_match(
    submitted_on, make_use_case, alice, bob, nova, in_house
):
    submitted_on(in_house)
    draft = make_use_case(actor=bob, **UNRELATED)
    services.usecase_models_set(actor=bob, use_case=draft, versions=[nova])

    assert not similar_use_cases(draft, user=bob)


def test_the_notice_on_the_draft_says_same_model(
    login, submitted_on, make_use_case, alice, bob, nova, nova_2
):
    existing = submitted_on(nova)
    draft = make_use_case(actor=bob, **UNRELATED)
    services.usecase_models_set(actor=bob, use_case=draft, versions=[nova_2])
    client = login(bob)

    for url in (f"/use-cases/{draft.pk}/", f"/use-cases/{draft.pk}/edit/"):
        page = html(client.get(url))
        notice = page[page.index('id="duplicate-check"') :]
        assert existing.reference in notice and "Same model" in notice, url


def test_another_teams_confidential_use_case_on_the_model_is_never_hinted(
    make_use_case, charlie, contact_centre, owner, bob, nova
):
    data = complete_answers(
        team=contact_centre, business_owner=owner, confidential=True, **UNRELATED
    )
    secret = services.usecase_create(actor=charlie, data={**data, "title": "Secret launch"})
    services.usecase_models_set(actor=charlie, use_case=secret, versions=[nova])
    workflows.usecase_submit(actor=charlie, use_case=secret)
    draft = make_use_case(actor=bob, title="Quiz", vendor="V", tool_name="T")
    services.usecase_models_set(actor=bob, use_case=draft, versions=[nova])

    assert not similar_use_cases(draft, user=bob)


def test_another_teams_use_case_on_the_model_is_named_only_by_its_team(
    make_use_case, charlie, contact_centre, owner, bob, nova
):
    data = complete_answers(team=contact_centre, business_owner=owner, **UNRELATED)
    theirs = services.usecase_create(actor=charlie, data={**data, "title": "Chatbot"})
    services.usecase_models_set(actor=charlie, use_case=theirs, versions=[nova])
    workflows.usecase_submit(actor=charlie, use_case=theirs)
    draft = make_use_case(actor=bob, title="Quiz", vendor="V", tool_name="T")
    services.usecase_models_set(actor=bob, use_case=draft, versions=[nova])

    found = similar_use_cases(draft, user=bob)

    assert found.shown == () and found.teams_elsewhere == ("Contact Centre",)


def test_the_api_names_the_reason(api, submitted_on, make_use_case, alice, bob, nova):
    existing = submitted_on(nova)
    draft = make_use_case(actor=bob, **UNRELATED)
    services.usecase_models_set(actor=bob, use_case=draft, versions=[nova])

    body = api(bob).get(f"/api/v1/use-cases/{draft.pk}/similar/").json()

    assert [(match["reference"], match["reasons"]) for match in body["matches"]] == [
        (existing.reference, [SAME_MODEL])
    ]


def test_the_check_runs_the_same_queries_for_2_and_8_use_cases_on_the_model(
    login, submitted_on, make_use_case, alice, bob, nova
):
    draft = make_use_case(actor=bob, **UNRELATED)
    services.usecase_models_set(actor=bob, use_case=draft, versions=[nova])
    client = login(bob)

    def queries_for(count):
        while len(similar_use_cases(draft, user=bob).pks) < count:
            submitted_on(nova)
        reset_queries()
        with CaptureQueriesContext(connection) as selector:
            assert len(similar_use_cases(draft, user=bob).pks) == count
        client.get(f"/use-cases/{draft.pk}/")  # warm caches that live for the process
        reset_queries()
        with CaptureQueriesContext(connection) as page:
            assert client.get(f"/use-cases/{draft.pk}/").status_code == 200
        return len(selector.captured_queries), len(page.captured_queries)

    assert queries_for(2) == queries_for(8)
