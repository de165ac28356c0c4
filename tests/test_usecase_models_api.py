"""The API reads and writes the inventory's model versions a use case names (`model_versions`:
ids, SPEC section 11), through the same service and refusals as the page (issue 13, point 1)."""

import pytest

from audit.models import AuditEvent
from inventory.models import AiModel, ModelVersion
from usecases import services
from usecases.models import UseCase

from .factories import complete_answers
from .inventory_support import nova_version_1

URL = "/api/v1/use-cases/"


@pytest.fixture
def nova(council):
    return nova_version_1(council["chair"])


@pytest.fixture
def nova_2(nova, council):
    return ModelVersion.objects.create(model=nova.model, version="2", recorded_by=council["chair"])


@pytest.fixture
def atlas(council):
    model = AiModel.objects.create(name="Atlas", model_type="llm", recorded_by=council["chair"])
    return ModelVersion.objects.create(model=model, version="2026-03", recorded_by=council["chair"])


def payload(team, **overrides):
    return {**complete_answers(**overrides), "team": team.pk}


def named(use_case) -> list[int]:
    return sorted(UseCase.objects.get(pk=use_case.pk).model_versions.values_list("pk", flat=True))


# --- Reading and writing ------------------------------------------------------------------------


def test_a_new_use_case_names_its_versions_and_every_read_shows_their_ids(
    api, alice, marketing, nova, atlas
):
    client = api(alice)

    response = client.post(
        URL, payload(marketing, model_versions=[nova.pk, atlas.pk]), format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert sorted(body["model_versions"]) == sorted([nova.pk, atlas.pk])
    assert sorted(client.get(f"{URL}{body['id']}/").json()["model_versions"]) == sorted(
        [nova.pk, atlas.pk]
    )
    listed = client.get(URL).json()["results"]
    assert [sorted(row["model_versions"]) for row in listed] == [sorted([nova.pk, atlas.pk])]
    event = AuditEvent.objects.get(action="models_linked", object_id=str(body["id"]))
    assert event.actor == alice
    assert event.changes == {"model_versions": [[], ["Atlas 2026-03", "Nova 1"]]}


def test_a_use_case_naming_none_reads_an_empty_list(api, make_use_case, alice):
    draft = make_use_case()

    assert api(alice).get(f"{URL}{draft.pk}/").json()["model_versions"] == []


def test_a_patch_replaces_the_versions_and_one_without_them_keeps_them(
    api, make_use_case, alice, nova, nova_2, atlas
):
    draft = make_use_case()
    client = api(alice)

    response = client.patch(f"{URL}{draft.pk}/", {"model_versions": [nova.pk]}, format="json")
    assert response.status_code == 200 and response.json()["model_versions"] == [nova.pk]

    response = client.patch(f"{URL}{draft.pk}/", {"title": "Renamed"}, format="json")
    assert response.status_code == 200 and response.json()["model_versions"] == [nova.pk]

    response = client.patch(
        f"{URL}{draft.pk}/", {"model_versions": [nova_2.pk, atlas.pk]}, format="json"
    )
    assert response.status_code == 200
    assert named(draft) == sorted([nova_2.pk, atlas.pk])

    response = client.patch(f"{URL}{draft.pk}/", {"model_versions": []}, format="json")
    assert response.status_code == 200 and named(draft) == []


# --- What is refused ----------------------------------------------------------------------------


def test_two_versions_of_one_model_are_a_400_and_nothing_is_saved(
    api, make_use_case, alice, marketing, nova, nova_2
):
    draft = make_use_case()
    client = api(alice)

    response = client.patch(
        f"{URL}{draft.pk}/",
        {"title": "Renamed", "model_versions": [nova.pk, nova_2.pk]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["model_versions"] == [
        "Choose one version of each model: the one the tool runs."
    ]
    assert UseCase.objects.get(pk=draft.pk).title == draft.title  # the answers neither
    assert named(draft) == []

    created = client.post(
        URL, payload(marketing, title="Twice", model_versions=[nova.pk, nova_2.pk]), format="json"
    )
    assert created.status_code == 400 and "model_versions" in created.json()
    assert not UseCase.objects.filter(title="Twice").exists()


@pytest.mark.parametrize(
    "ids", [[999_999], ["x"], [None], [True], [-1], [2**70], ["9" * 30], "1", [[1]]]
)
def test_unknown_or_malformed_ids_are_a_400_under_model_versions(
    api, make_use_case, alice, nova, ids
):
    draft = make_use_case()

    response = api(alice).patch(f"{URL}{draft.pk}/", {"model_versions": ids}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["model_versions"]
    assert named(draft) == []


def test_the_same_refusal_as_editing_for_whoever_may_not_edit(
    api, make_use_case, alice, charlie, council_member, auditor, nova
):
    draft = make_use_case()
    submitted = make_use_case("submitted")
    naming = {"model_versions": [nova.pk]}
    cases = [
        (charlie, draft),  # another team: the draft is not even visible
        (council_member, submitted),  # sees it, may not edit it
        (auditor, submitted),  # auditors change nothing
        (alice, submitted),  # its team, once the council judges it
    ]
    for user, use_case in cases:
        client = api(user)
        editing = client.patch(f"{URL}{use_case.pk}/", {"title": "Renamed"}, format="json")
        linking = client.patch(f"{URL}{use_case.pk}/", naming, format="json")
        assert editing.status_code in (403, 404), user
        assert (linking.status_code, linking.json()) == (editing.status_code, editing.json()), user
        assert named(use_case) == [], user


def test_someone_in_no_team_cannot_create_a_use_case_naming_versions(
    api, outsider, marketing, nova
):
    response = api(outsider).post(URL, payload(marketing, model_versions=[nova.pk]), format="json")

    assert response.status_code == 403
    assert not nova.use_cases.exists()


def test_the_business_owner_names_versions_like_the_team(api, make_use_case, owner, nova):
    draft = make_use_case()

    response = api(owner).patch(f"{URL}{draft.pk}/", {"model_versions": [nova.pk]}, format="json")

    assert response.status_code == 200 and named(draft) == [nova.pk]


def test_linking_the_same_versions_again_records_nothing_more(api, make_use_case, alice, nova):
    draft = make_use_case()
    services.usecase_models_set(actor=alice, use_case=draft, versions=[nova])

    api(alice).patch(f"{URL}{draft.pk}/", {"model_versions": [nova.pk]}, format="json")

    assert AuditEvent.objects.filter(action="models_linked", object_id=str(draft.pk)).count() == 1
