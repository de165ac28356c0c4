"""A new version of a model recorded once reaches every registry entry that runs the model,
whichever team owns it (SPEC section 11): each entry's version is replaced and a change review of
its use case opens, all in one transaction, audited as one event with its children."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

import workflows
from audit.models import AuditEvent
from common.errors import ActionForbidden, TransitionNotAllowed
from inventory.models import ModelVersion, Vendor
from registry.models import Deployment
from reviews.models import Review
from tests.factories import complete_answers
from usecases import services as usecase_services

from .inventory_support import nova_version_1
from .registry_support import entry_data, entry_events
from .reviews_support import approve_review


@pytest.fixture
def nova(alice):
    return nova_version_1(alice)


@pytest.fixture
def entries(make_entry, nova, charlie, contact_centre, owner, council):
    """Marketing's copy generator and the contact centre's chatbot, both on Nova 1, and an entry
    of marketing on no inventory model."""
    marketing_entry = make_entry(name="Copy generator", model_versions=[nova])
    use_case = usecase_services.usecase_create(
        actor=charlie, data=complete_answers(team=contact_centre, business_owner=owner)
    )
    use_case = workflows.usecase_submit(actor=charlie, use_case=use_case)
    use_case = approve_review(use_case.reviews.get(), charlie)
    chatbot = workflows.deployment_create(
        actor=charlie,
        use_case=use_case,
        data=entry_data(owner, charlie, name="Chatbot", model_versions=[nova]),
    )
    other = make_entry(name="Not on Nova")
    return marketing_entry, chatbot, other


def open_review(entry) -> Review | None:
    return Review.objects.filter(use_case=entry.use_case_id, state="open").first()


def record_v2(actor, nova, roll_out=True):
    return workflows.model_version_record(
        actor=actor, model=nova.model, data={"version": "2"}, roll_out=roll_out
    )


class TestRollOut:
    def test_one_version_recorded_opens_a_change_review_for_each_team(self, entries, nova, council):
        copy, chatbot, other = entries

        fan_out = record_v2(council["privacy"], nova)

        assert [row.deployment.reference for row in fan_out.rows] == [
            copy.reference,
            chatbot.reference,
        ]
        for entry in (copy, chatbot):
            fresh = Deployment.objects.get(pk=entry.pk)
            assert [str(v) for v in fresh.model_versions.all()] == ["Nova 2"]
            assert fresh.model_version == "2" and fresh.stage == "pilot"  # still running
            review = open_review(entry)
            assert review.kind == "change" and review.reason == "New version of Nova: 1 → 2"
            changed = entry_events(entry, "changed").latest("seq").changes
            assert changed["model_versions"] == [["Nova 1"], ["Nova 2"]]
        assert open_review(other) is None
        (parent,) = AuditEvent.objects.filter(action="rolled_out")
        assert parent.changes["entries"][1] == [
            {"entry": copy.reference, "team": "Marketing", "review": open_review(copy).pk},
            {
                "entry": chatbot.reference,
                "team": "Contact Centre",
                "review": open_review(chatbot).pk,
            },
        ]

    def test_a_review_under_way_judges_the_new_version_too(self, entries, nova, alice, council):
        copy, _, _ = entries
        workflows.deployment_update(actor=alice, deployment=copy, data={"markets": ["GB", "FR"]})
        under_way = open_review(copy)

        fan_out = record_v2(council["privacy"], nova)

        assert fan_out.rows[0].review == under_way
        assert Review.objects.filter(use_case=copy.use_case_id, state="open").count() == 1

    def test_a_retired_entry_is_left_alone(self, entries, nova, alice, council):
        copy, chatbot, _ = entries
        workflows.deployment_change_stage(actor=alice, deployment=copy, stage="retired")

        fan_out = record_v2(council["privacy"], nova)

        assert [row.deployment.pk for row in fan_out.rows] == [chatbot.pk]

    def test_teams_auditors_and_proposed_versions_do_not_roll_out(
        self, entries, nova, alice, auditor, council
    ):
        proposed = workflows.model_version_record(
            actor=alice, model=nova.model, data={"version": "2"}
        ).version
        assert proposed.proposed
        for user in (alice, auditor):
            with pytest.raises(ActionForbidden):
                workflows.model_version_roll_out(actor=user, version=proposed)
        with pytest.raises(TransitionNotAllowed, match="once the council has confirmed it"):
            workflows.model_version_roll_out(actor=council["privacy"], version=proposed)
        assert not Review.objects.filter(state="open", kind="change").exists()
        assert not AuditEvent.objects.filter(action="rolled_out").exists()


class TestLinking:
    def test_two_versions_of_one_model_are_refused(self, make_entry, nova, alice):
        v2 = ModelVersion.objects.create(model=nova.model, version="2", recorded_by=alice)
        with pytest.raises(ValidationError, match="one version of each model"):
            make_entry(model_versions=[nova, v2])

    def test_linking_another_version_is_a_material_change(self, make_entry, nova, alice):
        entry = make_entry()
        workflows.deployment_update(actor=alice, deployment=entry, data={"model_versions": [nova]})
        assert "model_versions" in open_review(entry).reason


class TestApiAndPages:
    def test_the_api_records_and_rolls_out_in_one_call(self, api, entries, nova, council):
        response = api(council["privacy"]).post(
            f"/api/v1/models/{nova.model_id}/versions/",
            {"version": "2", "roll_out": True},
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert [(d["name"], d["team"]) for d in response.json()["deployments"]] == [
            ("Copy generator", "Marketing"),
            ("Chatbot", "Contact Centre"),
        ]
        assert all(d["review"] for d in response.json()["deployments"])

    def test_the_fan_out_page_shows_each_entry_team_and_review(
        self, client, entries, nova, council, alice
    ):
        v2 = ModelVersion.objects.create(model=nova.model, version="2", recorded_by=alice)
        url = f"/models/{nova.model_id}/versions/{v2.pk}/fan-out/"
        client.force_login(council["privacy"])
        page = client.get(url).content.decode()
        assert "Copy generator" in page and "Chatbot" in page and "Contact Centre" in page
        assert "Roll out and open the change reviews" in page

        response = client.post(f"/models/{nova.model_id}/versions/{v2.pk}/roll-out/", follow=True)

        page = response.content.decode()
        assert response.redirect_chain[-1][0] == url
        assert "rolled out to 2 registry entries of 2 teams" in page
        assert page.count("Change review open") == 2

    def test_a_team_member_sees_the_fan_out_but_cannot_roll_out(self, client, entries, nova, alice):
        v2 = ModelVersion.objects.create(model=nova.model, version="2", recorded_by=alice)
        client.force_login(alice)
        page = client.get(f"/models/{nova.model_id}/versions/{v2.pk}/fan-out/").content.decode()
        assert "Copy generator" in page and "Roll out" not in page
        response = client.post(f"/models/{nova.model_id}/versions/{v2.pk}/roll-out/")
        assert response.status_code == 403
        assert not AuditEvent.objects.filter(action="rolled_out").exists()


class TestVendorAssessment:
    def test_a_lapsed_assessment_shows_on_every_entry_of_the_vendor(
        self, client, entries, nova, alice, charlie
    ):
        copy, chatbot, other = entries
        for user, entry in ((alice, copy), (charlie, chatbot)):
            client.force_login(user)
            assert (
                "Vendor assessment lapsed: Acme AI"
                in client.get(f"/registry/{entry.pk}/").content.decode()
            )
        client.force_login(alice)
        assert (
            "Vendor assessment lapsed" not in client.get(f"/registry/{other.pk}/").content.decode()
        )
        today = timezone.localdate()
        Vendor.objects.update(assessed_on=today, next_assessment_due=today + timedelta(days=90))
        page = client.get(f"/registry/{copy.pk}/").content.decode()
        assert "Vendor assessment lapsed" not in page and "Nova 1" in page


def test_nothing_is_offered_to_roll_out_when_every_entry_runs_the_version(
    client, entries, nova, council
):
    client.force_login(council["privacy"])
    page = client.get(f"/models/{nova.model_id}/versions/{nova.pk}/fan-out/").content.decode()
    assert "there is nothing to roll out" in page
    assert "Roll out and open the change reviews" not in page


class TestUseCasesNameTheirModels:
    def test_the_team_names_the_versions_of_its_draft_and_it_is_audited(
        self, make_use_case, nova, alice
    ):
        draft = make_use_case()
        usecase_services.usecase_models_set(actor=alice, use_case=draft, versions=[nova])
        assert [str(v) for v in draft.model_versions.all()] == ["Nova 1"]
        event = AuditEvent.objects.get(action="models_linked", object_id=str(draft.pk))
        assert event.changes == {"model_versions": [[], ["Nova 1"]]}
        v2 = ModelVersion.objects.create(model=nova.model, version="2", recorded_by=alice)
        with pytest.raises(ValidationError, match="one version of each model"):
            usecase_services.usecase_models_set(actor=alice, use_case=draft, versions=[nova, v2])

    def test_others_and_a_submitted_use_case_are_refused(
        self, make_use_case, nova, charlie, council, alice
    ):
        draft = make_use_case()
        for user in (charlie, council["privacy"]):
            with pytest.raises(ActionForbidden):
                usecase_services.usecase_models_set(actor=user, use_case=draft, versions=[nova])
        submitted = make_use_case("submitted")
        with pytest.raises((ActionForbidden, TransitionNotAllowed)):
            usecase_services.usecase_models_set(actor=alice, use_case=submitted, versions=[nova])
        assert not nova.use_cases.exists()

    def test_the_page_saves_them_and_the_fan_out_lists_the_use_case(
        self, client, make_use_case, nova, alice, council
    ):
        draft = make_use_case(title="Campaign copy")
        client.force_login(alice)
        response = client.post(f"/use-cases/{draft.pk}/models/", {"model_versions": [nova.pk]})
        assert response.status_code == 302 and response.url.endswith("#models")
        assert "Nova 1" in client.get(f"/use-cases/{draft.pk}/").content.decode()
        bad = client.post(f"/use-cases/{draft.pk}/models/", {"model_versions": ["x"]})
        assert bad.status_code == 400
        page = client.get(f"/models/{nova.model_id}/versions/{nova.pk}/fan-out/").content.decode()
        assert "Campaign copy" in page
        client.force_login(council["privacy"])  # a draft is its team's alone
        page = client.get(f"/models/{nova.model_id}/versions/{nova.pk}/fan-out/").content.decode()
        assert "Campaign copy" not in page


# ---- a vendor change reaches every entry on the vendor's models -----------------------------------


def acme(nova) -> Vendor:
    return Vendor.objects.get(pk=nova.model.vendor_id)


def lapse(vendor: Vendor, days_ago: int = 1) -> None:
    today = timezone.localdate()
    Vendor.objects.filter(pk=vendor.pk).update(
        assessed_on=today - timedelta(days=400),
        next_assessment_due=today - timedelta(days=days_ago),
    )


class TestVendorChange:
    def test_a_new_sub_processor_opens_a_change_review_for_each_team(
        self, entries, nova, council, api
    ):
        copy, chatbot, other = entries

        answer = api(council["privacy"]).patch(
            f"/api/v1/vendors/{acme(nova).pk}/",
            {"sub_processors": ["Cloud Hosting Ltd", "Voice Labs"]},
            format="json",
        )

        assert answer.status_code == 200, answer.content
        for entry in (copy, chatbot):
            review = open_review(entry)
            assert review.kind == "change"
            assert review.reason == "New sub-processor of Acme AI: Cloud Hosting Ltd, Voice Labs"
        assert open_review(other) is None
        (parent,) = AuditEvent.objects.filter(action="vendor_change_fanned_out")
        assert parent.object_ref == "Acme AI"
        assert parent.changes["entries"][1] == [
            {"entry": copy.reference, "team": "Marketing", "review": open_review(copy).pk},
            {
                "entry": chatbot.reference,
                "team": "Contact Centre",
                "review": open_review(chatbot).pk,
            },
        ]

    def test_other_changes_of_the_vendor_open_no_review(self, entries, nova, council):
        vendor = acme(nova)
        Vendor.objects.filter(pk=vendor.pk).update(sub_processors=["Cloud Hosting Ltd"])

        workflows.vendor_update(
            actor=council["privacy"],
            vendor=vendor,
            data={"website": "https://acme.example.com", "sub_processors": []},
        )

        assert not Review.objects.filter(kind="change").exists()
        assert not AuditEvent.objects.filter(action="vendor_change_fanned_out").exists()

    def test_a_team_member_cannot_add_a_sub_processor(self, entries, nova, alice):
        with pytest.raises(ActionForbidden):
            workflows.vendor_update(
                actor=alice, vendor=acme(nova), data={"sub_processors": ["Voice Labs"]}
            )
        assert acme(nova).sub_processors == []
        assert not Review.objects.filter(kind="change").exists()

    def test_a_lapsed_assessment_opens_change_reviews_once_and_again_after_a_renewal(
        self, entries, nova, council
    ):
        copy, chatbot, other = entries
        vendor = acme(nova)
        lapse(vendor)

        assert workflows.vendor_lapse_sweep() == 1
        due = timezone.localdate() - timedelta(days=1)
        for entry in (copy, chatbot):
            assert (
                open_review(entry).reason == f"The assessment of Acme AI lapsed on {due:%d %b %Y}"
            )
        assert open_review(other) is None
        assert workflows.vendor_lapse_sweep() == 0  # one lapse, one fan-out
        assert AuditEvent.objects.filter(action="vendor_change_fanned_out").count() == 1

        today = timezone.localdate()
        workflows.vendor_update(
            actor=council["privacy"],
            vendor=acme(nova),
            data={"assessed_on": today, "next_assessment_due": today + timedelta(days=365)},
        )
        assert not acme(nova).lapse_reviews_opened
        lapse(vendor, days_ago=2)
        assert workflows.vendor_lapse_sweep() == 1
        assert AuditEvent.objects.filter(action="vendor_change_fanned_out").count() == 2

    def test_a_vendor_never_assessed_is_shown_as_lapsed_but_opens_no_review(self, entries, nova):
        assert acme(nova).assessed_on is None
        assert workflows.vendor_lapse_sweep() == 0
        assert not Review.objects.filter(kind="change").exists()
