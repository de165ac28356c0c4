"""Change control (SPEC section 6): every material fact of an entry, and any change of the EU AI
Act class or the internal tier, opens a change review of the use case; other edits open none."""

import pytest

import workflows
from audit.models import AuditEvent
from registry import rules
from registry.models import Deployment

from .factories import complete_answers
from .registry_support import entry_data
from .reviews_support import approve_review
from .shared_world import entry_world

# Every test starts from one approved use case and its entry, built once (tests/shared_world.py).
pytestmark = pytest.mark.shared_world(build=entry_world)

URL = "/api/v1/registry/"

MATERIAL_EDITS = {
    "model_version": "nbo-2026.4",
    "vendor": "Globex",
    "channels": ["email", "web"],
    "markets": ["GB", "IE"],
    "data_categories": ["contact_details"],
    "human_oversight": "None: offers go out without anyone looking.",
    "customer_disclosure": "Nothing is said.",
}
OTHER_EDITS = {
    "name": "Acme NBO 2",
    "monitoring_kpis": "Complaints only",
    "published": True,
    "go_live_date": "2026-12-01",
}


def _open_review(entry):
    return entry.use_case.reviews.filter(state="open").first()


@pytest.mark.parametrize(("field", "value"), MATERIAL_EDITS.items())
def test_a_material_change_opens_a_change_review_naming_the_field(api, entry, alice, field, value):
    response = api(alice).patch(f"{URL}{entry.pk}/", {field: value}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["stage"] == "pilot"  # it keeps running while the council decides
    review = _open_review(entry)
    assert review.kind == "change"
    assert review.reason.startswith(f"Changed: {field}")
    assert AuditEvent.objects.filter(
        action="review_requested", object_id=str(entry.pk), changes__review=[None, review.pk]
    ).exists()


@pytest.mark.parametrize(("field", "value"), OTHER_EDITS.items())
def test_other_edits_open_no_review(api, entry, alice, field, value):
    response = api(alice).patch(f"{URL}{entry.pk}/", {field: value}, format="json")

    assert response.status_code == 200, response.json()
    assert _open_review(entry) is None
    assert not AuditEvent.objects.filter(action="review_requested").exists()


def test_several_material_changes_are_named_in_one_review(entry, alice):
    workflows.deployment_update(
        actor=alice,
        deployment=entry,
        data={"vendor": "Globex", "markets": ["GB", "FR"], "name": "Globex NBO"},
    )

    assert _open_review(entry).reason == "Changed: vendor, markets"


def test_emptying_human_oversight_is_refused_by_field_and_opens_nothing(api, entry, alice):
    response = api(alice).patch(f"{URL}{entry.pk}/", {"human_oversight": ""}, format="json")

    assert response.status_code == 400
    assert "human_oversight" in response.json()
    assert Deployment.objects.get(pk=entry.pk).human_oversight == entry.human_oversight
    assert _open_review(entry) is None


def test_a_new_market_that_brings_the_eu_ai_act_in_is_named_in_the_reason(
    settings, make_use_case, council, alice, owner
):
    settings.ORGANISATION_COUNTRY = "GB"
    use_case = make_use_case(
        "submitted",
        markets=["GB"],
        capabilities=["chatbot"],
        human_escalation="Type 'agent' to reach a person.",
    )
    use_case = approve_review(use_case.reviews.get(), alice)
    entry = workflows.deployment_create(
        actor=alice, use_case=use_case, data=entry_data(owner, alice, markets=["GB"])
    )

    workflows.deployment_update(actor=alice, deployment=entry, data={"markets": ["GB", "DE"]})

    assert _open_review(entry).reason == (
        "Changed: markets; the EU AI Act class would change from out_of_scope to transparency"
    )


def test_new_data_that_raises_the_tier_is_named_in_the_reason(entry, alice):
    workflows.deployment_update(
        actor=alice, deployment=entry, data={"data_categories": ["contact_details", "children"]}
    )

    assert _open_review(entry).reason == (
        "Changed: data_categories; the internal tier would change from limited to high"
    )


def test_the_edit_form_names_every_material_fact(client, entry, alice):
    client.force_login(alice)

    page = client.get(f"/registry/{entry.pk}/edit/").content.decode()

    for label in ("vendor", "markets", "human oversight", "customer disclosure"):
        assert label in page.split("opens a change review")[0]


class TestChangeReviewReason:
    """The pure rule: plain answers and facts in, the review's reason (or None) out."""

    FACTS = {"channels": ["email"], "markets": ["IE", "GB"], "data_categories": ["behavioural"]}

    @pytest.mark.parametrize(
        ("changed", "facts", "reason"),
        [
            ((), {}, None),
            (("name", "monitoring_kpis", "published"), {}, None),
            (("human_oversight",), {}, "Changed: human_oversight"),
            # Named in the order of MATERIAL_FIELDS, whatever the order of the edit.
            (("markets", "name", "vendor"), {}, "Changed: vendor, markets"),
            (
                ("data_categories",),
                {"data_categories": ["behavioural", "special_category"]},
                "Changed: data_categories; the internal tier would change from limited to high",
            ),
            (
                ("markets",),
                {"markets": ["GB", "US"]},
                "Changed: markets; the EU AI Act class would change from minimal to out_of_scope",
            ),
        ],
    )
    def test_it_names_the_material_changes_and_any_shift_of_class_or_tier(
        self, settings, changed, facts, reason
    ):
        settings.ORGANISATION_COUNTRY = "GB"
        assert (
            rules.change_review_reason(
                changed=changed,
                judged_answers=complete_answers(),
                facts={**self.FACTS, **facts},
            )
            == reason
        )

    def test_facts_that_match_the_judged_answers_shift_nothing(self):
        answers = complete_answers()
        facts = {name: answers[name] for name in rules.CLASSIFYING_FIELDS}

        reason = rules.change_review_reason(
            changed=rules.MATERIAL_FIELDS, judged_answers=answers, facts=facts
        )

        assert reason == f"Changed: {', '.join(rules.MATERIAL_FIELDS)}"

    def test_every_classifying_fact_is_material(self):
        assert set(rules.CLASSIFYING_FIELDS) <= set(rules.MATERIAL_FIELDS)
