"""The default checklist, version 2 (reviews/data/checklist_v2.json): its data, its applicability
rules, its references in both template shapes, and how it is loaded next to version 1."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from council.models import CouncilRole
from reviews import rules
from reviews.data_loading import check_checklist, checklist_files, read
from reviews.models import ChecklistItem, ChecklistSection, ChecklistTemplate
from reviews.selectors import applicable_items
from usecases import choices
from usecases.services import ANSWER_FIELDS

from .factories import complete_answers
from .reviews_support import reload_default_review_data

V2 = read("checklist_v2.json")
ITEMS = {item["code"]: item for item in V2["items"]}
# The values each rule may name, per answer holding a choice.
VALUES = {
    "functions": choices.Function.values,
    "capabilities": choices.Capability.values,
    "data_categories": choices.DataCategory.values,
    "affected_people": choices.AffectedPeople.values,
    "sensitive_purposes": choices.SensitivePurpose.values,
    "model_provenance": choices.ModelProvenance.values,
    "automation_level": choices.AutomationLevel.values,
}


def refs(code, framework=None):
    """(framework, ref) of an item's references, or only the refs of one framework."""
    rows = ITEMS[code]["references"]
    if framework:
        return [row["ref"] for row in rows if row["framework"] == framework]
    return [(row["framework"], row["ref"]) for row in rows]


def laws(code):
    return {
        (r["framework"], r["ref"]) for r in ITEMS[code]["references"] if r["basis"] == "obligation"
    }


def applies(code, **answers):
    item = ITEMS[code]
    return rules.item_applies(
        applies_when=item["applies_when"],
        applies_when_any=item["applies_when_any"],
        answers=complete_answers(**answers),
    )


# ---- the data ---------------------------------------------------------------------------------


class TestTheDataFile:
    def test_it_is_version_2_with_at_least_30_items_and_unique_codes(self):
        assert V2["version"] == 2
        assert len(V2["items"]) >= 30
        assert len(ITEMS) == len(V2["items"])
        check_checklist(V2)  # what the loader checks too

    def test_every_item_names_a_section_a_role_and_rules_on_real_answers(self):
        for code, item in ITEMS.items():
            assert item["section"] in ChecklistSection.values, code
            assert item["role"] in CouncilRole.values, code
            for rule in [item["applies_when"], *item["applies_when_any"]]:
                for name, wanted in rule.items():
                    assert name in ANSWER_FIELDS, (code, name)
                    if name in VALUES:
                        assert set(wanted) <= set(VALUES[name]), (code, name, wanted)

    def test_every_reference_says_its_basis_and_the_tier_it_binds(self):
        for code, item in ITEMS.items():
            assert item["references"], code
            for row in item["references"]:
                assert row["framework"] in V2["frameworks"], (code, row)
                assert row["basis"] in {"obligation", "good_practice"}, (code, row)
                assert row["binds"] in rules.TIERS, (code, row)

    def test_an_item_is_required_exactly_when_a_reference_binds_it_at_every_tier(self):
        for code, item in ITEMS.items():
            binds_minimal = any(row["binds"] == "minimal" for row in item["references"])
            assert item["required"] == binds_minimal, code

    def test_frameworks_that_are_not_law_are_never_cited_as_obligations(self):
        for code, item in ITEMS.items():
            for row in item["references"]:
                if row["framework"] in {"nist_ai_rmf", "iso_42001", "owasp_llm"}:
                    assert row["basis"] == "good_practice", (code, row)

    def test_the_header_says_what_basis_and_binds_mean(self):
        description = " ".join(V2["description"])
        assert "basis: 'obligation'" in description
        assert "binds: the lowest internal review tier" in description


class TestCorrectedReferences:
    def test_eth_10_cites_the_european_accessibility_act_not_the_ai_act(self):
        assert refs("ETH-10", "eaa") == ["Art. 4(3)", "Annex I"]
        assert refs("ETH-10", "eu_ai_act") == []
        assert "Directive (EU) 2019/882" in V2["frameworks"]["eaa"]

    def test_trn_07_cites_the_consumer_rights_directive_for_personalised_prices(self):
        (row,) = [r for r in ITEMS["TRN-07"]["references"] if r["framework"] == "crd"]
        assert (row["ref"], row["basis"]) == ("Art. 6(1)(ea)", "obligation")
        assert "2019/2161" in row["note"]
        assert V2["frameworks"]["crd"] == "Consumer Rights Directive 2011/83/EU"
        assert applies("TRN-07", capabilities=["dynamic_pricing"])

    def test_prv_12_rests_on_explicit_consent_not_the_ban_on_biometric_categorisation(self):
        assert ("gdpr", "Art. 9(2)(a)") in laws("PRV-12")
        assert refs("PRV-12", "eu_ai_act") == []

    def test_emotion_recognition_and_text_sentiment_are_two_items_with_their_own_law(self):
        assert laws("TRN-04") == {("eu_ai_act", "Art. 50(3)"), ("eu_ai_act", "Annex III 1(c)")}
        assert applies("TRN-04", capabilities=["emotion_recognition"])
        assert not applies("TRN-04", capabilities=["sentiment_analysis"])
        assert laws("TRN-13") == {("gdpr", "Art. 13")}
        assert applies("TRN-13", capabilities=["sentiment_analysis"])
        assert not applies("TRN-13", capabilities=["emotion_recognition"])

    def test_prv_01_explains_the_soft_opt_in(self):
        item = ITEMS["PRV-01"]
        assert "soft opt-in" in item["text"]
        assert "in every message" in item["guidance"]
        (row,) = [r for r in item["references"] if r["ref"] == "Art. 13(2)"]
        assert row["framework"] == "eprivacy" and "opt-out" in row["note"]


class TestNewItems:
    @pytest.mark.parametrize(
        ("code", "law", "answers", "not_when"),
        [
            (
                "PRV-16",
                ("eprivacy", "Art. 5(3)"),
                {"data_categories": ["behavioural"]},
                {"data_categories": ["contact_details"]},
            ),
            (
                "PRV-17",
                ("eprivacy", "Art. 13(1)"),
                {"outbound_contact": True},
                {"outbound_contact": False},
            ),
            (
                "ETH-13",
                ("ucpd", "Annex I"),
                {"customer_facing": True},
                {"customer_facing": False, "capabilities": ["segmentation"]},
            ),
            (
                "ETH-06",
                ("ucpd", "Art. 6(1)"),
                {"capabilities": ["generative_content"]},
                {"capabilities": ["segmentation"]},
            ),
            (
                "TRN-12",
                ("eu_ai_act", "Art. 50(4)"),
                {"capabilities": ["synthetic_media"]},
                {"capabilities": ["generative_content"]},
            ),
            (
                "SEC-10",
                ("eu_ai_act", "Art. 15(4)"),
                {"capabilities": ["agentic"]},
                {"capabilities": ["chatbot"], "human_escalation": "Ask for an agent"},
            ),
            (
                "HUM-17",
                ("eu_ai_act", "Art. 14(4)(e)"),
                {"capabilities": ["agentic"]},
                {"capabilities": ["chatbot"], "human_escalation": "Ask for an agent"},
            ),
            (
                "BIA-09",
                ("eu_ai_act", "Art. 15(1)"),
                {"capabilities": ["emotion_recognition"]},
                {"capabilities": ["sentiment_analysis"]},
            ),
        ],
    )
    def test_each_applies_to_the_answers_its_law_is_about(self, code, law, answers, not_when):
        assert law in laws(code)
        assert ITEMS[code]["required"]
        assert applies(code, **answers)
        assert not applies(code, **not_when)

    def test_the_ucpd_dark_pattern_item_cites_articles_5_to_9(self):
        assert {"Art. 5(2)", "Art. 6(1)", "Art. 7(1)", "Art. 8", "Art. 9"} <= set(
            refs("ETH-13", "ucpd")
        )

    def test_a_deep_fake_disclosure_binds_from_the_limited_tier(self):
        (row,) = [r for r in ITEMS["TRN-12"]["references"] if r["ref"] == "Art. 50(4)"]
        assert (row["basis"], row["binds"]) == ("obligation", "limited")

    @pytest.mark.parametrize("customer_facing", [True, False])
    @pytest.mark.parametrize("capability", ["chatbot", "voice_agent"])
    def test_every_chatbot_is_checked_for_injection_leakage_red_teaming_and_manipulation(
        self, capability, customer_facing
    ):
        answers = {"capabilities": [capability], "customer_facing": customer_facing}
        for code in ("SEC-01", "SEC-02", "SEC-04", "ETH-01"):
            assert applies(code, **answers), code


# ---- the rules, as tables -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("applies_when", "applies_when_any", "answers", "expected"),
    [
        ({}, [], {}, True),
        ({"capabilities": ["chatbot"]}, [], {"capabilities": ["chatbot", "agentic"]}, True),
        ({"capabilities": ["chatbot"]}, [], {"capabilities": ["segmentation"]}, False),
        ({"customer_facing": [True]}, [], {"customer_facing": True}, True),
        ({"customer_facing": [True]}, [], {"customer_facing": False}, False),
        # Every key must match.
        (
            {"automation_level": ["fully_automated"], "customer_facing": [True]},
            [],
            {"automation_level": "fully_automated", "customer_facing": False},
            False,
        ),
        # An answer a revision frozen earlier lacks is unanswered: it matches nothing.
        ({"outbound_contact": [True]}, [], {"capabilities": ["chatbot"]}, False),
        ({"outbound_contact": [False]}, [], {}, False),
        # applies_when_any: one of the rules must match as well.
        ({}, [{"customer_facing": [True]}, {"capabilities": ["chatbot"]}], {}, False),
        (
            {},
            [{"customer_facing": [True]}, {"capabilities": ["chatbot"]}],
            {"customer_facing": False, "capabilities": ["chatbot"]},
            True,
        ),
        (
            {},
            [{"customer_facing": [True]}, {"capabilities": ["chatbot"]}],
            {"customer_facing": True, "capabilities": []},
            True,
        ),
        (
            {"functions": ["marketing"]},
            [{"customer_facing": [True]}, {"capabilities": ["chatbot"]}],
            {"functions": ["sales"], "customer_facing": True},
            False,
        ),
    ],
)
def test_applicability_rules(applies_when, applies_when_any, answers, expected):
    assert (
        rules.item_applies(
            applies_when=applies_when, applies_when_any=applies_when_any, answers=answers
        )
        is expected
    )


@pytest.mark.parametrize(
    ("required", "binds", "tier", "expected"),
    [
        (True, [], "minimal", True),
        (False, [], "high", False),
        (False, ["high"], "limited", False),
        (False, ["high"], "high", True),
        (False, ["limited", "high"], "limited", True),
        (False, ["limited"], "minimal", False),
        (False, [""], "high", False),  # a version 1 reference binds no tier
    ],
)
def test_an_item_is_required_from_the_lowest_tier_a_reference_binds(
    required, binds, tier, expected
):
    references = [
        {"framework": "nist_ai_rmf", "ref": "MAP 5.1", "basis": "good_practice", "binds": b}
        for b in binds
    ]
    assert rules.item_required(required=required, references=references, tier=tier) is expected


def test_references_read_the_same_from_both_template_shapes():
    frameworks = {"gdpr": "GDPR", "eu_ai_act": "EU AI Act"}
    v1 = {"eu_ai_act": "Art. 50(1)", "nist_ai_rmf": "", "gdpr": "Art. 13"}
    assert rules.reference_rows(v1, frameworks=frameworks) == [
        {"framework": "eu_ai_act", "label": "EU AI Act", "ref": "Art. 50(1)", "basis": "",
         "binds": "", "party": "", "note": ""},
        {"framework": "gdpr", "label": "GDPR", "ref": "Art. 13", "basis": "", "binds": "",
         "party": "", "note": ""},
    ]  # fmt: skip
    v2 = [
        {"framework": "eu_ai_act", "ref": "Art. 50(1)", "basis": "obligation", "binds": "limited",
         "party": "provider"},
        {"framework": "owasp_llm", "ref": "LLM01:2025", "basis": "good_practice",
         "binds": "minimal", "note": "prompt injection"},
    ]  # fmt: skip
    assert rules.reference_rows(v2, frameworks=frameworks) == [
        {"framework": "eu_ai_act", "label": "EU AI Act", "ref": "Art. 50(1)",
         "basis": "obligation", "binds": "limited", "party": "provider", "note": ""},
        {"framework": "owasp_llm", "label": "owasp_llm", "ref": "LLM01:2025",
         "basis": "good_practice", "binds": "minimal", "party": "", "note": "prompt injection"},
    ]  # fmt: skip


# ---- loading, and the version a review keeps ----------------------------------------------------


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"framework": "gdpr", "ref": "Art. 6", "basis": "law", "binds": "minimal"}, "basis"),
        ({"framework": "gdpr", "ref": "Art. 6", "basis": "obligation", "binds": "all"}, "binds"),
        ({"framework": "cnil", "ref": "x", "basis": "obligation", "binds": "high"}, "framework"),
    ],
)
def test_the_loader_refuses_a_reference_without_a_clear_basis_or_tier(row, message):
    document = {**V2, "items": [{**V2["items"][0], "references": [row]}]}
    with pytest.raises(ValueError, match=message):
        check_checklist(document)


def _back_to_version_1():
    """The database as it stood before version 2 was loaded."""
    ChecklistTemplate.objects.filter(version__gte=2).delete()
    ChecklistTemplate.objects.filter(version=1).update(active=True)


def test_the_migrations_made_the_latest_version_the_active_template(db):
    latest = read(checklist_files()[-1])
    active = ChecklistTemplate.objects.get(active=True)
    assert active.version == latest["version"] == 3
    assert active.items.count() == len(latest["items"])
    assert active.frameworks == latest["frameworks"]
    # Version 2 keeps its items.
    assert ChecklistTemplate.objects.get(version=2).items.count() == len(V2["items"])
    # Version 1 keeps its items, and got names for the frameworks it cites.
    v1 = ChecklistTemplate.objects.get(version=1)
    assert v1.items.count() == len(read("checklist_v1.json")["items"])
    assert v1.frameworks["gdpr"] == V2["frameworks"]["gdpr"]


def test_the_command_loads_version_2_once_and_refuses_an_unknown_file(db, capsys):
    _back_to_version_1()
    call_command("load_review_data", "checklist_v2.json")
    call_command("load_review_data", "checklist_v2.json")
    assert "checklist_v2.json: loaded." in capsys.readouterr().out.splitlines()[0]
    assert ChecklistTemplate.objects.get(active=True).version == 2
    assert ChecklistTemplate.objects.filter(version=2).count() == 1
    with pytest.raises(CommandError, match="No file"):
        call_command("load_review_data", "checklist_v9.json")


def test_the_tests_reload_leaves_the_latest_version_active(db):
    _back_to_version_1()
    reload_default_review_data()
    reload_default_review_data()
    assert ChecklistTemplate.objects.get(active=True).version == 3


def test_an_open_review_keeps_the_version_1_items_after_version_2_loads(
    make_use_case, council, login
):
    _back_to_version_1()
    review = make_use_case("submitted").reviews.get()
    assert review.checklist_template.version == 1
    call_command("load_review_data", "checklist_v2.json")

    review.refresh_from_db()
    kept = applicable_items(review)
    assert {item.template.version for item in kept} == {1}
    assert "PRV-16" not in {item.code for item in kept}  # a version 2 item
    later = make_use_case("submitted").reviews.get()
    assert later.checklist_template.version == 2
    assert "PRV-16" in {item.code for item in applicable_items(later)}

    # Version 1 references ({framework: ref}) still read on the page and in the API.
    item = ChecklistItem.objects.get(template__version=1, code="TRN-03")
    assert isinstance(item.references, dict)
    page = login(council["privacy"]).get(reverse("reviews:detail", args=[review.pk]))
    assert "<dt>GDPR, Regulation (EU) 2016/679</dt><dd>Art. 12; Art. 13; Art. 14</dd>" in (
        page.content.decode()
    )

    client = APIClient()
    client.force_authenticate(council["privacy"])
    rows = {r["id"]: r for r in client.get(f"/api/v1/reviews/{review.pk}/checklist/").json()}
    assert {"framework": "gdpr", "label": "GDPR, Regulation (EU) 2016/679",
            "ref": "Art. 12; Art. 13; Art. 14", "basis": "", "binds": "", "party": "",
            "note": ""} in rows[item.pk]["references"]  # fmt: skip


def test_version_2_references_show_their_basis_and_tier_on_the_page_and_in_the_api(
    review, council, login, api
):
    page = login(council["privacy"]).get(reverse("reviews:detail", args=[review.pk]))
    assert (
        '<dt>ePrivacy Directive 2002/58/EC</dt><dd>Art. 5(3) <span class="tag">Law, from minimal tier</span>'
        in (page.content.decode())
    )
    rows = {r["code"]: r for r in api(council["privacy"]).get(
        f"/api/v1/reviews/{review.pk}/checklist/"
    ).json()}  # fmt: skip
    assert {"framework": "eprivacy", "label": "ePrivacy Directive 2002/58/EC", "ref": "Art. 5(3)",
            "basis": "obligation", "binds": "minimal", "party": "", "note": ""} in (
        rows["PRV-16"]["references"]
    )  # fmt: skip
    # Optional items the council expects from high-tier use cases are optional here.
    assert rows["ETH-05"]["required"] is False


def test_a_high_tier_review_requires_the_optional_items_its_references_bind_at_high(
    make_use_case, council, api
):
    review = make_use_case("submitted", vulnerable_groups=True).reviews.get()
    assert review.policy.tier == "high"
    rows = {r["code"]: r for r in api(council["chair"]).get(
        f"/api/v1/reviews/{review.pk}/checklist/"
    ).json()}  # fmt: skip
    assert rows["ETH-05"]["required"] is True


def test_version_3_adds_the_legal_review_of_an_art_6_3_conclusion():
    v3 = read("checklist_v3.json")
    check_checklist(v3)
    added = [item for item in v3["items"] if item["code"] not in ITEMS]
    assert [item["code"] for item in added] == ["TRN-14"]
    assert [item for item in v3["items"] if item["code"] in ITEMS] == V2["items"]
    [trn_14] = added
    assert trn_14["role"] == "legal"
    assert set(trn_14["applies_when"]["art_6_3_conditions"]) == set(choices.Art63Condition.values)
    assert [row["ref"] for row in trn_14["references"]] == ["Art. 6(3)", "Art. 6(4)", "Art. 49(2)"]


def test_legal_checks_an_art_6_3_conclusion_and_nothing_else_gets_the_item(make_use_case, council):
    claimed = make_use_case(
        "submitted",
        operator_role="provider",
        sensitive_purposes=["recruitment"],
        capabilities=["generative_content"],
        significant_decisions=False,
        art_6_3_conditions=["preparatory_task"],
        art_6_3_grounds="It drafts adverts; recruiters write and publish them.",
    ).reviews.get()
    assert "TRN-14" in {item.code for item in applicable_items(claimed)}
    assert "legal" in claimed.required_roles
    plain = make_use_case("submitted").reviews.get()
    assert "TRN-14" not in {item.code for item in applicable_items(plain)}
