"""The risk tier and DPIA screening (SPEC section 3): tables of cases, one rule a row.

Each rule has a case where it fires and a near miss where it must not. Answers start empty (a
draft with nothing answered is minimal), so each case names only the answers that matter.
"""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from usecases import risk
from usecases.choices import (
    LIST_FIELDS,
    PROHIBITED_PRACTICE_FIELDS,
    AutomationLevel,
    ModelProvenance,
    RiskTier,
)


def _one(rules, key: str):
    """The single rule whose reason contains `key` (a citation or a phrase of it)."""
    found = [rule for rule in rules if key in rule.reason]
    assert len(found) == 1, f"{key!r} names {len(found)} rules"
    return found[0]


def fires(key, answers, why):
    return pytest.param(key, answers, True, id=f"{key} fires: {why}")


def misses(key, answers, why):
    return pytest.param(key, answers, False, id=f"{key} near miss: {why}")


PERSONAL = ["contact_details", "behavioural"]

RISK_RULE_CASES = [
    # Prohibited: EU AI Act Art. 5(1). Only the ticked box prohibits; look-alike answers do not.
    fires("Art. 5(1)(a)", {"manipulative_techniques": True}, "box ticked"),
    misses("Art. 5(1)(a)", {"manipulative_techniques": False, "capabilities": ["personalisation"]}, "persuasion by personalisation is not manipulation"),
    fires("Art. 5(1)(b)", {"exploits_vulnerabilities": True}, "box ticked"),
    misses("Art. 5(1)(b)", {"vulnerable_groups": True}, "affecting vulnerable customers is not exploiting them"),
    fires("Art. 5(1)(c)", {"social_scoring": True}, "box ticked"),
    misses("Art. 5(1)(c)", {"capabilities": ["predictive_scoring"], "data_categories": PERSONAL, "affected_people": ["customers"]}, "scoring purchase propensity is not social scoring"),
    fires("Art. 5(1)(f)", {"workplace_emotion_recognition": True}, "box ticked"),
    misses("Art. 5(1)(f)", {"capabilities": ["sentiment_analysis"], "affected_people": ["customers"]}, "customers' emotions are not the workplace"),
    fires("Art. 5(1)(g)", {"biometric_categorisation_sensitive": True}, "box ticked"),
    misses("Art. 5(1)(g)", {"data_categories": ["biometric"]}, "biometric data alone is high, not prohibited"),
    # High.
    fires("Annex III 5(b)", {"significant_decisions": True}, "influences significant decisions"),
    misses("Annex III 5(b)", {"significant_decisions": False, "capabilities": ["dynamic_pricing"]}, "pricing without significant effect"),
    misses("Annex III 5(b)", {"significant_decisions": None}, "unanswered is not yes"),
    fires("uses biometric data", {"data_categories": ["biometric"]}, "biometric data"),
    misses("uses biometric data", {"data_categories": ["voice_recordings"]}, "voice recordings are not biometric identification"),
    fires("special category", {"data_categories": ["special_category"]}, "special category data"),
    misses("special category", {"data_categories": ["contact_details", "transactional"]}, "ordinary personal data"),
    fires("children's data", {"data_categories": ["children"]}, "children's data"),
    misses("children's data", {"data_categories": PERSONAL, "affected_people": ["customers"]}, "adult customers' data"),
    fires("Art. 9(9)", {"vulnerable_groups": True}, "vulnerable customers affected"),
    misses("Art. 9(9)", {"vulnerable_groups": False}, "answered no"),
    fires("fully automatically", {"automation_level": "fully_automated", "customer_facing": True}, "fully automated and customer-facing"),
    misses("fully automatically", {"automation_level": "fully_automated", "customer_facing": False}, "fully automated but not customer-facing"),
    misses("fully automatically", {"automation_level": "human_on_the_loop", "customer_facing": True}, "customer-facing with a person on the loop"),
    fires("Annex III 4(b)", {"capabilities": ["sentiment_analysis"], "affected_people": ["agents"]}, "sentiment of agents"),
    fires("Annex III 4(b)", {"capabilities": ["speech_analytics"], "affected_people": ["agents", "customers"]}, "quality scoring of agents' calls"),
    fires("Annex III 4(b)", {"capabilities": ["predictive_scoring"], "affected_people": ["employees"]}, "scoring employees"),
    misses("Annex III 4(b)", {"capabilities": ["sentiment_analysis"], "affected_people": ["customers"]}, "sentiment of customers"),
    misses("Annex III 4(b)", {"capabilities": ["agent_assist"], "affected_people": ["agents"]}, "assisting agents is not evaluating them"),
    # Limited.
    fires("interacts with or produces content", {"customer_facing": True}, "customer-facing"),
    misses("interacts with or produces content", {"customer_facing": False}, "internal only"),
    fires("Art. 50(2)", {"capabilities": ["generative_content"]}, "generated content"),
    misses("Art. 50(2)", {"capabilities": ["recommendation"]}, "recommending existing content"),
    fires("chatbot or voice agent", {"capabilities": ["chatbot"]}, "chatbot"),
    fires("chatbot or voice agent", {"capabilities": ["voice_agent"]}, "voice agent"),
    misses("chatbot or voice agent", {"capabilities": ["agent_assist"]}, "assistant for agents"),
    fires("Art. 50(3)", {"capabilities": ["sentiment_analysis"], "affected_people": ["customers"]}, "customers' sentiment"),
    fires("Art. 50(3)", {"capabilities": ["speech_analytics"], "affected_people": ["prospects"]}, "prospects' speech"),
    misses("Art. 50(3)", {"capabilities": ["sentiment_analysis"], "affected_people": ["agents"]}, "agents' sentiment is the high rule instead"),
    fires("GDPR Art. 21", {"capabilities": ["personalisation"], "data_categories": ["behavioural"]}, "personalisation with personal data"),
    fires("GDPR Art. 21", {"capabilities": ["segmentation"], "data_categories": ["transactional"]}, "segmentation with personal data"),
    misses("GDPR Art. 21", {"capabilities": ["personalisation"], "data_categories": ["none"]}, "no personal data is not profiling"),
    misses("GDPR Art. 21", {"capabilities": ["personalisation"], "data_categories": []}, "data not answered yet"),
    misses("GDPR Art. 21", {"capabilities": ["generative_content"], "data_categories": PERSONAL}, "personal data without profiling"),
]  # fmt: skip


@pytest.mark.parametrize(("key", "answers", "expected"), RISK_RULE_CASES)
def test_each_risk_rule_fires_on_its_answers_and_not_on_a_near_miss(key, answers, expected):
    rule = _one(risk.RISK_RULES, key)
    assert (rule in risk.risk_rules_applying(answers)) is expected


@pytest.mark.parametrize(
    ("answers", "tier"),
    [
        pytest.param({}, "minimal", id="nothing answered"),
        pytest.param({"capabilities": ["agent_assist"], "data_categories": ["chat_transcripts"], "affected_people": ["agents"], "customer_facing": False}, "minimal", id="internal agent assist"),
        pytest.param({"capabilities": ["sentiment_analysis"], "affected_people": ["agents"]}, "high", id="agents' sentiment: Annex III 4(b)"),
        pytest.param({"capabilities": ["sentiment_analysis"], "affected_people": ["customers"]}, "limited", id="customers' sentiment: Art. 50(3)"),
        pytest.param({"automation_level": "fully_automated", "customer_facing": False, "capabilities": ["segmentation"], "data_categories": ["none"]}, "minimal", id="fully automated, internal, no personal data"),
        pytest.param({"capabilities": ["personalisation"], "data_categories": ["none"]}, "minimal", id="personalisation without personal data"),
        pytest.param({"capabilities": ["personalisation"], "data_categories": ["behavioural"]}, "limited", id="personalisation with personal data"),
        pytest.param({"workplace_emotion_recognition": True, "capabilities": ["sentiment_analysis"], "affected_people": ["agents"]}, "prohibited", id="inferring agents' emotions, box ticked"),
    ],
)  # fmt: skip
def test_the_tier_of_typical_answers(answers, tier):
    assert risk.risk_tier(answers) == tier
    assert risk.assess(answers).risk_tier == tier


@pytest.mark.parametrize(
    ("answers", "tier"),
    [
        pytest.param({"social_scoring": True, "significant_decisions": True, "customer_facing": True}, "prohibited", id="prohibited beats high and limited"),
        pytest.param({"significant_decisions": True, "customer_facing": True}, "high", id="high beats limited"),
        pytest.param({"customer_facing": True}, "limited", id="limited beats minimal"),
    ],
)  # fmt: skip
def test_the_highest_tier_wins_and_its_reasons_come_first(answers, tier):
    assessment = risk.assess(answers)
    assert assessment.risk_tier == tier
    assert assessment.risk_reasons[0].startswith(f"{RiskTier(tier).label}: ")
    labels = [reason.split(":", 1)[0] for reason in assessment.risk_reasons]
    order = [RiskTier(t).label for t in risk.TIER_ORDER]
    assert labels == sorted(labels, key=order.index)


EVERY_RULE_AT_ONCE = {
    **dict.fromkeys(PROHIBITED_PRACTICE_FIELDS, True),
    "significant_decisions": True,
    "vulnerable_groups": True,
    "customer_facing": True,
    "automation_level": "fully_automated",
    "data_categories": ["biometric", "special_category", "children", "behavioural"],
    "affected_people": ["agents", "customers"],
    "capabilities": ["sentiment_analysis", "generative_content", "chatbot", "personalisation"],
}


def test_every_reason_is_a_plain_sentence_starting_with_its_tier_and_citing_its_source():
    reasons = risk.risk_reasons(EVERY_RULE_AT_ONCE)
    assert len(reasons) == len(risk.RISK_RULES)
    sentence = re.compile(r"^(Prohibited|High|Limited): [A-Z][^\n]+ \((EU AI Act|GDPR) [^\n]+\)\.$")
    for reason in reasons:
        assert sentence.match(reason), reason


def test_a_reason_says_the_rule_in_words_with_its_tier_label():
    assert risk.risk_reasons({"data_categories": ["children"]}) == [
        "High: Uses children's data (GDPR Art. 8 and Recital 38)."
    ]


def test_when_nothing_applies_the_one_reason_says_minimal_and_cites_the_code_of_conduct():
    reasons = risk.risk_reasons({"capabilities": ["agent_assist"], "data_categories": ["none"]})
    assert len(reasons) == 1
    assert reasons[0].startswith("Minimal: ")
    assert "(EU AI Act Art. 95)" in reasons[0]


def test_every_risk_rule_has_a_case_that_fires_and_a_near_miss():
    covered = {True: set(), False: set()}
    for param in RISK_RULE_CASES:
        key, _, expected = param.values
        covered[expected].add(_one(risk.RISK_RULES, key))
    assert covered[True] == covered[False] == set(risk.RISK_RULES)


# DPIA (GDPR Art. 35(3)) and the nine WP248 criteria.

DPIA_TRIGGER_CASES = [
    fires("profiles customers", {"capabilities": ["personalisation"], "data_categories": PERSONAL, "affected_people": ["customers"]}, "personalisation of customers"),
    fires("profiles customers", {"capabilities": ["predictive_scoring"], "data_categories": PERSONAL, "affected_people": ["prospects"]}, "lead scoring of prospects"),
    misses("profiles customers", {"capabilities": ["personalisation"], "data_categories": ["none"], "affected_people": ["customers"]}, "no personal data"),
    misses("profiles customers", {"capabilities": ["recommendation"], "data_categories": PERSONAL, "affected_people": ["employees"]}, "recommendations to staff"),
    fires("processes special category", {"data_categories": ["special_category"]}, "special category data"),
    misses("processes special category", {"data_categories": ["transactional"]}, "ordinary data"),
    fires("processes biometric", {"data_categories": ["biometric"]}, "biometric data"),
    misses("processes biometric", {"data_categories": ["voice_recordings"]}, "voice recordings, its own trigger"),
    fires("children's data", {"data_categories": ["children"]}, "children's data"),
    misses("children's data", {"vulnerable_groups": True}, "vulnerable adults, a WP248 criterion only"),
    fires("monitors agents", {"capabilities": ["speech_analytics"], "affected_people": ["agents"]}, "quality scoring of agents"),
    misses("monitors agents", {"capabilities": ["speech_analytics"], "affected_people": ["customers"]}, "customers' calls only"),
    fires("voice recordings", {"data_categories": ["voice_recordings"]}, "call recordings"),
    misses("voice recordings", {"data_categories": ["chat_transcripts"]}, "chat transcripts"),
]  # fmt: skip

WP248_CASES = [
    fires("evaluation or scoring", {"capabilities": ["segmentation"]}, "segmentation"),
    misses("evaluation or scoring", {"capabilities": ["generative_content"]}, "generation"),
    fires("automated decisions", {"significant_decisions": True}, "significant decisions"),
    misses("automated decisions", {"automation_level": "fully_automated", "significant_decisions": False}, "automated, nothing significant"),
    fires("systematic monitoring", {"capabilities": ["speech_analytics"]}, "speech analytics"),
    fires("systematic monitoring", {"data_categories": ["location"]}, "location data"),
    misses("systematic monitoring", {"capabilities": ["agent_assist"], "data_categories": ["chat_transcripts"]}, "agent assist"),
    fires("sensitive or highly personal", {"data_categories": ["voice_recordings"]}, "voice recordings"),
    misses("sensitive or highly personal", {"data_categories": ["contact_details", "behavioural"]}, "ordinary data"),
    fires("large scale", {"data_categories": ["contact_details"], "affected_people": ["customers"]}, "customers' personal data"),
    misses("large scale", {"data_categories": ["none"], "affected_people": ["customers"]}, "no personal data"),
    misses("large scale", {"data_categories": ["contact_details"], "affected_people": ["agents"]}, "agents only"),
    fires("matching or combining", {"data_categories": ["contact_details", "behavioural", "transactional"]}, "three categories"),
    misses("matching or combining", {"data_categories": ["contact_details", "behavioural"]}, "two categories"),
    fires("vulnerable data subjects", {"affected_people": ["agents"]}, "agents: power imbalance"),
    fires("vulnerable data subjects", {"vulnerable_groups": True}, "vulnerable customers"),
    misses("vulnerable data subjects", {"affected_people": ["customers"], "vulnerable_groups": False}, "ordinary customers"),
    fires("innovative use", {"model_provenance": "foundation_model_api"}, "foundation model API"),
    fires("innovative use", {"capabilities": ["voice_agent"]}, "voice agent"),
    misses("innovative use", {"model_provenance": "in_house", "capabilities": ["recommendation"]}, "in-house recommender"),
    fires("prevents people", {"capabilities": ["dynamic_pricing"]}, "dynamic pricing"),
    fires("prevents people", {"automation_level": "fully_automated", "customer_facing": True}, "fully automated on customers"),
    misses("prevents people", {"automation_level": "fully_automated", "customer_facing": False}, "fully automated, internal"),
]  # fmt: skip


@pytest.mark.parametrize(("key", "answers", "expected"), DPIA_TRIGGER_CASES)
def test_each_dpia_trigger_fires_on_its_answers_and_not_on_a_near_miss(key, answers, expected):
    rule = _one(risk.DPIA_TRIGGERS, key)
    sentence = f"DPIA: {rule.reason[0].upper()}{rule.reason[1:]}."
    assert (sentence in risk.dpia_reasons(answers)) is expected
    if expected:
        assert risk.assess(answers).dpia_required


@pytest.mark.parametrize(("key", "answers", "expected"), WP248_CASES)
def test_each_wp248_criterion_applies_to_its_answers_and_not_to_a_near_miss(key, answers, expected):
    rule = _one(risk.WP248_CRITERIA, key)
    assert rule.applies(risk.A(answers)) is expected


@pytest.mark.parametrize(
    ("rules", "cases"),
    [(risk.DPIA_TRIGGERS, DPIA_TRIGGER_CASES), (risk.WP248_CRITERIA, WP248_CASES)],
)
def test_every_dpia_trigger_and_wp248_criterion_has_a_case_and_a_near_miss(rules, cases):
    covered = {True: set(), False: set()}
    for param in cases:
        key, _, expected = param.values
        covered[expected].add(_one(rules, key))
    assert covered[True] == covered[False] == set(rules)
    assert len(risk.WP248_CRITERIA) == 9


# A customer-facing chatbot using customers' contact details: no Art. 35(3) trigger, and two
# WP248 criteria (large scale, innovative technology).
TWO_CRITERIA = {
    "capabilities": ["chatbot"],
    "data_categories": ["contact_details"],
    "affected_people": ["customers"],
}
# The same with an internal assistant: only one criterion (large scale).
ONE_CRITERION = {**TWO_CRITERIA, "capabilities": ["agent_assist"]}


def test_two_wp248_criteria_call_for_a_dpia_and_name_them():
    assessment = risk.assess(TWO_CRITERIA)
    assert assessment.dpia_required is True
    assert assessment.dpia_reasons == [
        "DPIA: Meets 2 of the nine WP248 criteria (data processed on a large scale, innovative use "
        "of technology); two or more call for a DPIA."
    ]


def test_one_wp248_criterion_alone_does_not_call_for_a_dpia():
    assessment = risk.assess(ONE_CRITERION)
    assert assessment.dpia_required is False
    assert assessment.dpia_reasons == []


# Prohibited practices: what the submission form shows next to each ticked box.


def test_prohibited_reasons_name_the_five_checkboxes():
    # Spelled out: these names are the form's and the API's error keys (SPEC section 3, step 5).
    boxes = {
        "manipulative_techniques",
        "exploits_vulnerabilities",
        "social_scoring",
        "workplace_emotion_recognition",
        "biometric_categorisation_sensitive",
    }
    reasons = risk.prohibited_reasons(dict.fromkeys(boxes, True))
    assert set(reasons) == boxes == set(PROHIBITED_PRACTICE_FIELDS)


@pytest.mark.parametrize(
    ("box", "article"),
    [
        ("manipulative_techniques", "Art. 5(1)(a)"),
        ("exploits_vulnerabilities", "Art. 5(1)(b)"),
        ("social_scoring", "Art. 5(1)(c)"),
        ("workplace_emotion_recognition", "Art. 5(1)(f)"),
        ("biometric_categorisation_sensitive", "Art. 5(1)(g)"),
    ],
)
def test_each_ticked_box_is_named_with_why_it_is_prohibited(box, article):
    reasons = risk.prohibited_reasons({box: True})
    assert list(reasons) == [box]
    assert article in reasons[box]
    assert reasons[box].startswith("This practice is prohibited: it ")
    assert reasons[box].endswith("cannot be submitted.")


def test_no_ticked_box_means_no_prohibited_reason_even_for_a_high_risk_use_case():
    high_risk = EVERY_RULE_AT_ONCE | dict.fromkeys(PROHIBITED_PRACTICE_FIELDS, False)
    assert risk.risk_tier(high_risk) == "high"
    assert risk.prohibited_reasons(high_risk) == {}


# Property: whatever the answers, the tier is the highest label among the reasons.

LABEL_TO_TIER = {tier.label: tier.value for tier in RiskTier}


def _list_answer(enumeration):
    return st.one_of(st.none(), st.lists(st.sampled_from(enumeration.values), unique=True))


ANSWERS = st.fixed_dictionaries(
    {},
    optional={
        **{name: _list_answer(enumeration) for name, enumeration in LIST_FIELDS.items()},
        "model_provenance": st.sampled_from(["", *ModelProvenance.values]),
        "automation_level": st.sampled_from(["", *AutomationLevel.values]),
        "customer_facing": st.sampled_from([None, True, False]),
        "significant_decisions": st.sampled_from([None, True, False]),
        "vulnerable_groups": st.sampled_from([None, True, False]),
        **{name: st.booleans() for name in PROHIBITED_PRACTICE_FIELDS},
    },
)


@given(ANSWERS)
def test_the_tier_is_always_the_highest_tier_among_its_reasons(answers):
    assessment = risk.assess(answers)
    assert assessment.risk_reasons, "there is always at least one reason"
    tiers = {LABEL_TO_TIER[reason.split(":", 1)[0]] for reason in assessment.risk_reasons}
    highest = next(tier for tier in risk.TIER_ORDER if tier in tiers)
    assert assessment.risk_tier == highest
    assert assessment.dpia_required == bool(assessment.dpia_reasons)
    assert (assessment.risk_tier == "prohibited") == bool(risk.prohibited_reasons(answers))


def test_no_personal_data_never_calls_for_a_dpia_however_many_criteria():
    from usecases.risk import assess

    answers = {
        "capabilities": ["segmentation", "generative_content"],
        "model_provenance": "foundation_model_api",
        "data_categories": ["none"],
        "affected_people": ["customers"],
    }
    assert assess(answers).dpia_required is False
    assert assess({**answers, "data_categories": ["behavioural"]}).dpia_required is True
