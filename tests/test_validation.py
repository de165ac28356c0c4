"""What a submission must answer (SPEC section 3): tables of `submission_errors` cases.

Each case starts from complete answers that pass (a limited-tier personalisation tool) and
changes only what the case is about, so the errors it expects are exactly the ones listed.
"""

import pytest

from usecases.choices import PROHIBITED_PRACTICE_FIELDS
from usecases.validation import submission_errors

from .factories import complete_answers


def answers(**overrides) -> dict:
    # Relations are ids in the answers the rules read (usecases.services.answers_of).
    return complete_answers(**{"team": 1, "business_owner": 2, **overrides})


def test_complete_answers_have_no_errors():
    assert submission_errors(answers()) == {}


# Every answer SPEC section 3 requires of any submission, with the blank values that miss it.
REQUIRED = {
    "title": ["", "   ", None],
    "summary": ["", "\n\t"],
    "business_problem": [""],
    "team": [None],
    "business_owner": [None],
    "functions": [[], None],
    "journey_stages": [[]],
    "channels": [[]],
    "capabilities": [[]],
    "tool_name": [""],
    "model_provenance": ["", None],
    "automation_level": [""],
    "data_categories": [[]],
    "affected_people": [[]],
    "customer_facing": [None],
    "significant_decisions": [None],
    "vulnerable_groups": [None],
    "markets": [[], None],
    "operator_role": ["", None],
    "outbound_contact": [None],
    "people_affected": [""],
    "expected_benefits": [""],
    "kpis": [""],
    "pilot_plan": ["  "],
}


@pytest.mark.parametrize(
    ("field", "blank"),
    [pytest.param(field, blank, id=f"{field}={blank!r}") for field, blanks in REQUIRED.items() for blank in blanks],
)  # fmt: skip
def test_a_missing_required_answer_is_an_error_on_that_field_only(field, blank):
    errors = submission_errors(answers(**{field: blank}))
    assert list(errors) == [field]
    [message] = errors[field]
    assert message.endswith((".", "?"))


@pytest.mark.parametrize("field", list(REQUIRED))
def test_a_required_answer_left_out_entirely_is_an_error_too(field):
    incomplete = answers()
    del incomplete[field]
    assert list(submission_errors(incomplete)) == [field]


@pytest.mark.parametrize("field", ["customer_facing", "significant_decisions", "vulnerable_groups"])
def test_no_is_an_answer_to_a_yes_no_question(field):
    assert field not in submission_errors(answers(**{field: False}))


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"vendor": "", "model_provenance": "in_house"}, id="no vendor for an in-house model"),
        pytest.param({"confidential": True}, id="confidential"),
        pytest.param({"customer_facing": False, "customer_disclosure": ""}, id="no disclosure when not customer-facing"),
        pytest.param({"human_escalation": ""}, id="no escalation without a chatbot or voice agent"),
    ],
)  # fmt: skip
def test_optional_answers_may_stay_blank(overrides):
    assert submission_errors(answers(**overrides)) == {}


# The consistency rules: each fires on the field to correct, and its near miss passes.
CHATBOT = {"capabilities": ["chatbot"], "human_escalation": "Say 'agent' to reach a person."}

# A provider's conclusion under EU AI Act Art. 6(3) that its recruitment tool is not high-risk.
NOT_HIGH_RISK = {"sensitive_purposes": ["recruitment"], "capabilities": ["generative_content"],
                 "art_6_3_conditions": ["narrow_procedural_task"], "art_6_3_grounds": "It only drafts job adverts a recruiter edits."}  # fmt: skip

CONSISTENCY_CASES = [
    pytest.param({"data_categories": ["none", "behavioural"]}, "data_categories", id="'no personal data' with personal data"),
    pytest.param({"data_categories": ["none"]}, None, id="near miss: 'no personal data' alone"),
    pytest.param({"data_categories": ["children"], "vulnerable_groups": False}, "vulnerable_groups", id="children's data but no vulnerable groups"),
    pytest.param({"data_categories": ["children"], "vulnerable_groups": True}, None, id="near miss: children's data and vulnerable groups"),
    pytest.param({"customer_facing": True, "customer_disclosure": ""}, "customer_disclosure", id="customer-facing without disclosure"),
    pytest.param({"customer_facing": True, "customer_disclosure": "  "}, "customer_disclosure", id="customer-facing with a blank disclosure"),
    pytest.param({"customer_facing": False, "customer_disclosure": ""}, None, id="near miss: internal without disclosure"),
    pytest.param({**CHATBOT, "human_escalation": ""}, "human_escalation", id="chatbot without escalation"),
    pytest.param({**CHATBOT, "capabilities": ["voice_agent"], "human_escalation": ""}, "human_escalation", id="voice agent without escalation"),
    pytest.param(CHATBOT, None, id="near miss: chatbot with escalation"),
    pytest.param({"markets": ["IE", "XX"]}, "markets", id="a market that is no country code"),
    pytest.param({"markets": ["EU", "GB", "US"]}, None, id="near miss: EU shorthand and country codes"),
    pytest.param({"data_categories": ["biometric"], "biometric_use": []}, "biometric_use", id="biometric data without saying how"),
    pytest.param({"data_categories": ["biometric"], "biometric_use": ["verification"]}, None, id="near miss: biometric verification"),
    pytest.param({"data_categories": ["contact_details"], "biometric_use": ["verification"]}, "biometric_use", id="biometric use without biometric data"),
    pytest.param({"model_provenance": "vendor_hosted", "vendor": ""}, "vendor", id="vendor-hosted without vendor"),
    pytest.param({"model_provenance": "foundation_model_api", "vendor": " "}, "vendor", id="foundation model API without provider"),
    pytest.param({"model_provenance": "in_house", "vendor": ""}, None, id="near miss: in-house without vendor"),
    pytest.param({**CHATBOT, "customer_facing": False}, "customer_facing", id="chatbot that is not customer-facing"),
    pytest.param({"capabilities": ["agent_assist"], "customer_facing": False}, None, id="near miss: internal agent assist"),
    *[pytest.param({box: True}, box, id=f"prohibited: {box}") for box in PROHIBITED_PRACTICE_FIELDS],
    pytest.param(NOT_HIGH_RISK, None, id="near miss: an Art. 6(3) conclusion with its grounds"),
    pytest.param({**NOT_HIGH_RISK, "art_6_3_grounds": " "}, "art_6_3_grounds", id="Art. 6(3) conclusion without grounds"),
    pytest.param({"art_6_3_grounds": "Narrow task."}, "art_6_3_grounds", id="grounds without an Art. 6(3) condition"),
    pytest.param({**NOT_HIGH_RISK, "sensitive_purposes": []}, "art_6_3_conditions", id="Art. 6(3) without an Annex III purpose"),
    pytest.param({**NOT_HIGH_RISK, "significant_decisions": True}, "art_6_3_conditions", id="Art. 6(3) for a system that decides"),
    pytest.param({**NOT_HIGH_RISK, "capabilities": ["personalisation"]}, "art_6_3_conditions", id="Art. 6(3) for a system that profiles"),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "field"), CONSISTENCY_CASES)
def test_each_consistency_rule_fires_on_its_field_and_not_on_a_near_miss(overrides, field):
    errors = submission_errors(answers(**overrides))
    if field is None:
        assert errors == {}
    else:
        assert list(errors) == [field]
        assert len(errors[field]) == 1


def test_an_art_6_3_conclusion_the_act_excludes_says_which_rule_and_what_to_change():
    [message] = submission_errors(
        answers(**{**NOT_HIGH_RISK, "capabilities": ["personalisation"]})
    )["art_6_3_conditions"]
    assert message.startswith("It profiles people")
    assert "(EU AI Act Art. 6(3), third subparagraph)." in message
    assert message.endswith("Untick the conditions, or change the answer that stands against them.")


def test_a_prohibited_practice_says_why_next_to_its_box():
    errors = submission_errors(answers(social_scoring=True))
    assert errors["social_scoring"] == [
        "This practice is prohibited: it scores people on their social behaviour or personality and "
        "treats them worse in unrelated contexts or out of proportion (EU AI Act Art. 5(1)(c)); the "
        "council allows it in no market. Such a use case cannot be submitted."
    ]


def test_every_missing_answer_is_reported_at_once():
    errors = submission_errors({})
    assert set(errors) == set(REQUIRED)


def test_missing_inconsistent_and_prohibited_answers_are_reported_together():
    errors = submission_errors(
        answers(
            title="",
            kpis="",
            data_categories=["none", "behavioural"],
            capabilities=["chatbot"],
            human_escalation="",
            customer_disclosure="",
            workplace_emotion_recognition=True,
        )
    )
    assert set(errors) == {
        "title",
        "kpis",
        "data_categories",
        "human_escalation",
        "customer_disclosure",
        "workplace_emotion_recognition",
    }
    assert all(len(messages) == 1 and messages[0] for messages in errors.values())
