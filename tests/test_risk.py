"""Classification (SPEC section 3): the EU AI Act class, the internal review tier, the DPIA
screen and the obligations, as tables of cases, one rule a row.

Each rule has a case where it fires and a near miss where it must not. Answers start empty (a
draft with nothing answered), so each case names only the answers that matter. The organisation
is established in Ireland unless a case says otherwise.
"""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from usecases import risk
from usecases.choices import (
    LIST_FIELDS,
    PROHIBITED_PRACTICE_FIELDS,
    SINGLE_CHOICE_FIELDS,
    AiActClass,
    RiskTier,
)
from usecases.obligations import catalogue_files, document_errors, read

IE = "IE"
PERSONAL = ["contact_details", "behavioural"]
RULES = {rule.code: rule for rule in (*risk.AI_ACT_RULES, *risk.ART_6_3_REFUSALS, *risk.POLICY_RULES,
                                      *risk.DPIA_RULES, *risk.WP248_CRITERIA, risk.OUT_OF_SCOPE)}  # fmt: skip
# A system of Annex III (4(a)) that its provider concludes is not high-risk under Art. 6(3).
CV_PARSING = {"sensitive_purposes": ["recruitment"], "capabilities": ["other"], "data_categories": ["contact_details"],
              "operator_role": "provider", "significant_decisions": False, "markets": ["IE"],
              "art_6_3_conditions": ["narrow_procedural_task"], "art_6_3_grounds": "It only turns CVs into fields."}  # fmt: skip


def fires(code, answers, why, country=IE):
    return pytest.param(code, answers, country, True, id=f"{code} fires: {why}")


def misses(code, answers, why, country=IE):
    return pytest.param(code, answers, country, False, id=f"{code} near miss: {why}")


RULE_CASES = [
    # EU AI Act Art. 5(1): only the ticked box prohibits; look-alike answers do not.
    fires("AIA-5-1-a", {"manipulative_techniques": True}, "box ticked"),
    misses("AIA-5-1-a", {"capabilities": ["personalisation"], "data_categories": PERSONAL}, "persuasion by personalisation is not manipulation"),
    fires("AIA-5-1-b", {"exploits_vulnerabilities": True}, "box ticked"),
    misses("AIA-5-1-b", {"vulnerable_groups": True}, "affecting vulnerable customers is not exploiting them"),
    fires("AIA-5-1-c", {"social_scoring": True}, "box ticked"),
    misses("AIA-5-1-c", {"capabilities": ["predictive_scoring"], "data_categories": PERSONAL}, "purchase propensity is not social scoring"),
    fires("AIA-5-1-f", {"workplace_emotion_recognition": True}, "box ticked"),
    misses("AIA-5-1-f", {"capabilities": ["emotion_recognition"], "affected_people": ["customers"]}, "customers' emotions are not the workplace"),
    fires("AIA-5-1-g", {"biometric_categorisation_sensitive": True}, "box ticked"),
    misses("AIA-5-1-g", {"data_categories": ["biometric"], "biometric_use": ["categorisation"]}, "categorising is Annex III 1(b), not prohibited"),
    # Annex III (high risk, Art. 6(2)).
    fires("AIA-III-1-a", {"data_categories": ["biometric"], "biometric_use": ["identification"]}, "identifying callers among many"),
    misses("AIA-III-1-a", {"data_categories": ["biometric"], "biometric_use": ["verification"]}, "voice login verifies a claimed identity: excluded"),
    fires("AIA-III-1-b", {"data_categories": ["biometric"], "biometric_use": ["categorisation"]}, "categorising by biometric data"),
    misses("AIA-III-1-b", {"data_categories": ["voice_recordings"], "biometric_use": ["categorisation"]}, "no biometric data"),
    fires("AIA-III-1-c", {"capabilities": ["emotion_recognition"]}, "emotion recognition from voice"),
    misses("AIA-III-1-c", {"capabilities": ["sentiment_analysis"], "data_categories": ["chat_transcripts"]}, "text sentiment is not Art. 3(39)"),
    fires("AIA-III-4-a", {"sensitive_purposes": ["recruitment"]}, "targeted job adverts"),
    misses("AIA-III-4-a", {"capabilities": ["personalisation"], "affected_people": ["prospects"]}, "targeted product adverts"),
    fires("AIA-III-4-b", {"sensitive_purposes": ["worker_management"]}, "routing calls to agents by their behaviour"),
    misses("AIA-III-4-b", {"capabilities": ["agent_assist"], "affected_people": ["agents"]}, "assisting agents is not managing them"),
    fires("AIA-III-5-b", {"sensitive_purposes": ["creditworthiness"]}, "credit scoring"),
    misses("AIA-III-5-b", {"capabilities": ["dynamic_pricing"], "significant_decisions": True}, "pricing eligibility is not creditworthiness"),
    fires("AIA-III-5-c", {"sensitive_purposes": ["insurance_pricing"]}, "life or health insurance pricing"),
    misses("AIA-III-5-c", {"capabilities": ["dynamic_pricing"]}, "retail pricing"),
    fires("AIA-III-5-d", {"sensitive_purposes": ["emergency_triage"]}, "emergency call triage"),
    misses("AIA-III-5-d", {"capabilities": ["voice_agent"], "channels": ["voice_ivr"]}, "an ordinary IVR"),
    # Art. 6(3): a provider's conclusion that an Annex III system is not high-risk, and what
    # stands against it.
    fires("AIA-6-3-decisions", {**CV_PARSING, "significant_decisions": True}, "it shortlists candidates"),
    misses("AIA-6-3-decisions", CV_PARSING, "a recruiter reads every application"),
    fires("AIA-6-3-profiling", {**CV_PARSING, "capabilities": ["predictive_scoring"]}, "it scores candidates"),
    misses("AIA-6-3-profiling", {**CV_PARSING, "data_categories": ["none"], "capabilities": ["predictive_scoring"]}, "no personal data"),
    # Art. 50: transparency duties.
    fires("AIA-50-1", {"capabilities": ["chatbot"]}, "chatbot"),
    fires("AIA-50-1", {"capabilities": ["voice_agent"]}, "voice agent"),
    misses("AIA-50-1", {"capabilities": ["generative_content"], "customer_facing": True}, "AI-written e-mails do not converse"),
    fires("AIA-50-2", {"capabilities": ["generative_content"], "operator_role": "provider"}, "we provide a generator"),
    misses("AIA-50-2", {"capabilities": ["generative_content"], "operator_role": "deployer"}, "marking is the provider's duty"),
    fires("AIA-50-3", {"capabilities": ["emotion_recognition"]}, "emotion recognition"),
    fires("AIA-50-3", {"data_categories": ["biometric"], "biometric_use": ["categorisation"]}, "biometric categorisation"),
    misses("AIA-50-3", {"capabilities": ["sentiment_analysis"], "affected_people": ["customers"]}, "text sentiment"),
    fires("AIA-50-4-deepfake", {"capabilities": ["synthetic_media"]}, "deepfake spokesperson"),
    misses("AIA-50-4-deepfake", {"capabilities": ["generative_content"]}, "generated text"),
    fires("AIA-50-4-text", {"capabilities": ["generative_content"], "sensitive_purposes": ["public_information"]}, "AI news for the public"),
    misses("AIA-50-4-text", {"capabilities": ["generative_content"]}, "marketing copy"),
    # Art. 2(1): scope.
    fires("AIA-2-1", {"markets": ["GB", "US"]}, "GB company, GB and US markets", "GB"),
    misses("AIA-2-1", {"markets": ["GB", "IE"]}, "an EU market", "GB"),
    misses("AIA-2-1", {"markets": ["GB"]}, "established in the EU", IE),
    misses("AIA-2-1", {"markets": []}, "markets not answered yet", "GB"),
    # Internal policy.
    fires("POL-01", {"social_scoring": True, "markets": ["US"]}, "prohibited practice outside the EU", "US"),
    misses("POL-01", {"social_scoring": True, "markets": ["DE"]}, "the Act itself prohibits it", "US"),
    fires("POL-02", {"data_categories": ["special_category"]}, "special category data"),
    misses("POL-02", {"data_categories": ["contact_details", "transactional"]}, "ordinary data"),
    fires("POL-03", {"data_categories": ["biometric"], "biometric_use": ["verification"]}, "voice login"),
    misses("POL-03", {"data_categories": ["voice_recordings"]}, "call recordings are not biometric data"),
    fires("POL-04", {"data_categories": ["children"]}, "children's data"),
    misses("POL-04", {"data_categories": PERSONAL, "affected_people": ["customers"]}, "adult customers"),
    fires("POL-05", {"vulnerable_groups": True}, "vulnerable customers"),
    misses("POL-05", {"vulnerable_groups": False}, "answered no"),
    fires("POL-06", {"automation_level": "fully_automated", "significant_decisions": True, "affected_people": ["customers"]}, "automatic refusals"),
    misses("POL-06", {"automation_level": "human_in_the_loop", "significant_decisions": True, "affected_people": ["customers"]}, "a person decides"),
    misses("POL-06", {"automation_level": "fully_automated", "customer_facing": True, "significant_decisions": False}, "automated, nothing significant"),
    fires("POL-07", {"capabilities": ["personalisation"], "data_categories": ["behavioural"]}, "personalisation"),
    fires("POL-07", {"capabilities": ["sentiment_analysis"], "data_categories": ["chat_transcripts"]}, "sentiment of customers' chats"),
    misses("POL-07", {"capabilities": ["personalisation"], "data_categories": ["none"]}, "no personal data"),
    fires("POL-08", {"capabilities": ["generative_content"], "customer_facing": True}, "AI-written e-mails"),
    misses("POL-08", {"capabilities": ["generative_content"], "customer_facing": False}, "internal drafts"),
    fires("POL-09", {"outbound_contact": True}, "automated reminder calls"),
    misses("POL-09", {"outbound_contact": False}, "answers only when asked"),
    fires("POL-10", {"capabilities": ["speech_analytics"], "affected_people": ["agents"]}, "analysing agents' calls"),
    misses("POL-10", {"capabilities": ["speech_analytics"], "affected_people": ["agents"], "sensitive_purposes": ["worker_management"]}, "declared staff evaluation is Annex III 4(b)"),
    fires("POL-11", CV_PARSING, "the council reviews the provider's Art. 6(3) conclusion"),
    misses("POL-11", {**CV_PARSING, "capabilities": ["segmentation"]}, "profiling: high risk by law already"),
    # DPIA: GDPR Art. 35(3) with its conditions, and internal policy for a lone trigger.
    fires("GDPR-35-3-a", {"capabilities": ["predictive_scoring"], "data_categories": PERSONAL, "significant_decisions": True}, "scoring that decides"),
    misses("GDPR-35-3-a", {"capabilities": ["predictive_scoring"], "data_categories": PERSONAL, "significant_decisions": False}, "profiling without significant decisions"),
    fires("GDPR-35-3-b", {"data_categories": ["special_category"], "people_affected": "over_100k"}, "health data of many"),
    misses("GDPR-35-3-b", {"data_categories": ["special_category"], "people_affected": "1k_100k"}, "not large scale"),
    fires("GDPR-35-3-c", {"channels": ["in_store"], "data_categories": ["location"], "people_affected": "over_100k"}, "tracking shoppers in stores"),
    misses("GDPR-35-3-c", {"channels": ["web"], "data_categories": ["location"], "people_affected": "over_100k"}, "not a public area"),
    fires("POL-D1", {"data_categories": ["biometric"], "biometric_use": ["verification"]}, "biometric data"),
    misses("POL-D1", {"data_categories": ["voice_recordings"]}, "recordings only"),
    fires("POL-D2", {"data_categories": ["children"]}, "children's data"),
    misses("POL-D2", {"data_categories": ["contact_details"], "vulnerable_groups": True}, "vulnerable adults"),
    fires("POL-D3", {"capabilities": ["emotion_recognition"], "data_categories": ["voice_recordings"]}, "emotion recognition"),
    misses("POL-D3", {"capabilities": ["sentiment_analysis"], "data_categories": ["chat_transcripts"]}, "text sentiment"),
    fires("POL-D4", {"capabilities": ["speech_analytics"], "affected_people": ["agents"], "data_categories": ["voice_recordings"]}, "analysing agents"),
    misses("POL-D4", {"capabilities": ["speech_analytics"], "affected_people": ["customers"], "data_categories": ["voice_recordings"]}, "customers only"),
    # WP248 criteria (two or more call for a DPIA under GDPR Art. 35(1)).
    fires("WP248-1", {"capabilities": ["segmentation"], "data_categories": PERSONAL}, "segmentation"),
    misses("WP248-1", {"capabilities": ["generative_content"], "data_categories": PERSONAL}, "generation"),
    fires("WP248-2", {"significant_decisions": True, "data_categories": PERSONAL}, "significant decisions"),
    misses("WP248-2", {"automation_level": "fully_automated", "significant_decisions": False, "data_categories": PERSONAL}, "automated, nothing significant"),
    fires("WP248-3", {"capabilities": ["speech_analytics"], "affected_people": ["agents"], "data_categories": ["voice_recordings"]}, "staff monitoring"),
    fires("WP248-3", {"data_categories": ["location"]}, "location data"),
    misses("WP248-3", {"capabilities": ["agent_assist"], "data_categories": ["chat_transcripts"]}, "agent assist"),
    fires("WP248-4", {"data_categories": ["voice_recordings"]}, "recorded calls"),
    misses("WP248-4", {"data_categories": PERSONAL}, "ordinary data"),
    fires("WP248-5", {"data_categories": PERSONAL, "people_affected": "over_100k"}, "over 100,000 people"),
    misses("WP248-5", {"data_categories": PERSONAL, "people_affected": "1k_100k"}, "fewer"),
    fires("WP248-6", {"data_categories": ["contact_details", "behavioural", "transactional"]}, "three categories"),
    misses("WP248-6", {"data_categories": PERSONAL}, "two categories"),
    fires("WP248-7", {"affected_people": ["agents"], "data_categories": PERSONAL}, "staff: power imbalance"),
    misses("WP248-7", {"affected_people": ["customers"], "vulnerable_groups": False, "data_categories": PERSONAL}, "ordinary customers"),
    fires("WP248-8", {"model_provenance": "foundation_model_api", "data_categories": PERSONAL}, "foundation model API"),
    misses("WP248-8", {"model_provenance": "in_house", "capabilities": ["recommendation"], "data_categories": PERSONAL}, "in-house recommender"),
    fires("WP248-9", {"sensitive_purposes": ["creditworthiness"], "data_categories": PERSONAL}, "credit decisions"),
    misses("WP248-9", {"capabilities": ["dynamic_pricing"], "data_categories": PERSONAL}, "retail prices do not bar a service"),
]  # fmt: skip


def _applying(code, answers, country) -> bool:
    rule = RULES[code]
    if rule in risk.WP248_CRITERIA:
        return rule in risk.wp248_criteria_met(answers)
    if rule in risk.DPIA_RULES:
        return rule in risk.dpia_rules_applying(answers)
    if rule in risk.POLICY_RULES:
        return rule in risk.tier_rules_applying(answers, country)
    return rule in risk.ai_act_rules_applying(answers, country)


@pytest.mark.parametrize(("code", "answers", "country", "expected"), RULE_CASES)
def test_each_rule_fires_on_its_answers_and_not_on_a_near_miss(code, answers, country, expected):
    assert _applying(code, answers, country) is expected


def test_every_rule_has_a_case_that_fires_and_a_near_miss():
    covered = {True: set(), False: set()}
    for param in RULE_CASES:
        code, _, _, expected = param.values
        covered[expected].add(code)
    assert covered[True] == covered[False] == set(RULES)
    assert len(risk.WP248_CRITERIA) == 9


# ---- each rule cites the source that says what it says ---------------------------------------

# The exact citation of every rule of law, checked against the text of the law (EU AI Act =
# Regulation (EU) 2024/1689; GDPR = Regulation (EU) 2016/679).
CITATIONS = {
    "AIA-5-1-a": "EU AI Act Art. 5(1)(a)", "AIA-5-1-b": "EU AI Act Art. 5(1)(b)",
    "AIA-5-1-c": "EU AI Act Art. 5(1)(c)", "AIA-5-1-f": "EU AI Act Art. 5(1)(f)",
    "AIA-5-1-g": "EU AI Act Art. 5(1)(g)",
    "AIA-III-1-a": "EU AI Act Annex III 1(a)", "AIA-III-1-b": "EU AI Act Annex III 1(b)",
    "AIA-III-1-c": "EU AI Act Annex III 1(c)", "AIA-III-4-a": "EU AI Act Annex III 4(a)",
    "AIA-III-4-b": "EU AI Act Annex III 4(b)", "AIA-III-5-b": "EU AI Act Annex III 5(b)",
    "AIA-III-5-c": "EU AI Act Annex III 5(c)", "AIA-III-5-d": "EU AI Act Annex III 5(d)",
    "AIA-50-1": "EU AI Act Art. 50(1)", "AIA-50-2": "EU AI Act Art. 50(2)",
    "AIA-50-3": "EU AI Act Art. 50(3)",
    "AIA-50-4-deepfake": "EU AI Act Art. 50(4), first subparagraph",
    "AIA-50-4-text": "EU AI Act Art. 50(4), second subparagraph",
    "AIA-2-1": "EU AI Act Art. 2(1)", "AIA-95": "EU AI Act Art. 95",
    "AIA-6-3-decisions": "EU AI Act Art. 6(3), first subparagraph",
    "AIA-6-3-profiling": "EU AI Act Art. 6(3), third subparagraph",
    "GDPR-35-3-a": "GDPR Art. 35(3)(a)", "GDPR-35-3-b": "GDPR Art. 35(3)(b)",
    "GDPR-35-3-c": "GDPR Art. 35(3)(c)",
}  # fmt: skip


def test_every_rule_of_law_cites_its_exact_article_and_policy_is_labelled_policy():
    every = (*RULES.values(), risk.MINIMAL_CLASS, risk.MINIMAL_TIER)
    for rule in every:
        if rule.basis == risk.LAW and not rule.code.startswith("WP248"):
            assert rule.source == CITATIONS[rule.code], rule.code
        if rule.code.startswith("POL"):
            assert rule.basis == risk.POLICY and rule.source == f"policy {rule.code}"
    assert {rule.code for rule in every if rule.basis == risk.LAW} - set(CITATIONS) == {
        f"WP248-{n}" for n in range(1, 10)
    }


def test_no_rule_cites_articles_that_do_not_make_a_system_high_risk():
    # Art. 9(9) (risk management for minors) and Art. 14 (human oversight) are duties of
    # high-risk systems, not reasons to be one; Annex III 1 excludes biometric verification.
    for rule in RULES.values():
        assert "Art. 9(9)" not in rule.source and "Art. 14" not in rule.source
    assert "Art. 9(9)" not in " ".join(r.reason for r in RULES.values())


# ---- the cases a council lawyer tried, with the answers they expect ---------------------------

VOICE_EMOTION = {
    "functions": ["contact_centre"], "channels": ["voice_ivr"], "capabilities": ["emotion_recognition", "speech_analytics"],
    "data_categories": ["voice_recordings", "biometric"], "biometric_use": ["categorisation"],
    "affected_people": ["customers"], "people_affected": "over_100k", "markets": ["IE", "GB"],
}  # fmt: skip
CHAT_SENTIMENT = {
    "functions": ["contact_centre"], "channels": ["chat"], "capabilities": ["sentiment_analysis"],
    "data_categories": ["chat_transcripts"], "affected_people": ["customers"], "people_affected": "1k_100k",
    "markets": ["IE"], "customer_facing": False,
}  # fmt: skip
CALL_ROUTING = {
    "functions": ["contact_centre"], "channels": ["voice_ivr"], "capabilities": ["predictive_scoring"],
    "data_categories": ["behavioural"], "affected_people": ["agents", "customers"],
    "sensitive_purposes": ["worker_management"], "markets": ["IE"],
}  # fmt: skip
JOB_ADVERTS = {
    "functions": ["marketing"], "channels": ["social", "paid_media"], "capabilities": ["personalisation"],
    "data_categories": ["behavioural"], "affected_people": ["prospects"], "sensitive_purposes": ["recruitment"],
    "markets": ["DE"],
}  # fmt: skip
VOICE_LOGIN = {
    "functions": ["contact_centre"], "channels": ["voice_ivr"], "capabilities": ["voice_agent"],
    "data_categories": ["biometric", "voice_recordings"], "biometric_use": ["verification"],
    "affected_people": ["customers"], "customer_facing": True, "markets": ["IE"],
}  # fmt: skip
DEEPFAKE_ADVERT = {
    "functions": ["marketing"], "channels": ["social", "paid_media"], "capabilities": ["synthetic_media", "generative_content"],
    "data_categories": ["none"], "affected_people": ["customers", "public"], "customer_facing": True,
    "operator_role": "deployer", "markets": ["EU"],
}  # fmt: skip
AI_EMAILS = {
    "functions": ["marketing"], "channels": ["email"], "capabilities": ["generative_content"],
    "data_categories": ["contact_details"], "affected_people": ["customers"], "customer_facing": True,
    "operator_role": "deployer", "markets": ["IE"],
}  # fmt: skip
PRICING_ELIGIBILITY = {
    "functions": ["sales"], "capabilities": ["dynamic_pricing", "predictive_scoring"],
    "data_categories": ["transactional", "behavioural"], "affected_people": ["customers"],
    "significant_decisions": True, "automation_level": "human_in_the_loop", "markets": ["IE"],
}  # fmt: skip
GB_CHATBOT = {
    "functions": ["contact_centre"], "channels": ["chat"], "capabilities": ["chatbot"],
    "data_categories": ["contact_details"], "affected_people": ["customers"], "customer_facing": True,
    "markets": ["GB"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("answers", "country", "ai_act_class", "tier", "codes"),
    [
        pytest.param(VOICE_EMOTION, IE, "high_risk", "high", {"AIA-III-1-c", "AIA-III-1-b", "AIA-50-3", "POL-03"}, id="customer voice emotion analytics"),
        pytest.param(CHAT_SENTIMENT, IE, "minimal", "limited", {"AIA-95", "POL-07"}, id="chat-text sentiment: no Art. 50(3)"),
        pytest.param(CALL_ROUTING, IE, "high_risk", "high", {"AIA-III-4-b", "POL-07"}, id="call routing by agent behaviour"),
        pytest.param(JOB_ADVERTS, IE, "high_risk", "high", {"AIA-III-4-a", "POL-07"}, id="targeted job adverts"),
        pytest.param(VOICE_LOGIN, IE, "transparency", "high", {"AIA-50-1", "POL-03", "POL-08"}, id="voice-biometric login: verification excluded from Annex III"),
        pytest.param(DEEPFAKE_ADVERT, IE, "transparency", "limited", {"AIA-50-4-deepfake", "POL-08"}, id="deepfake spokesperson advert"),
        pytest.param(AI_EMAILS, IE, "minimal", "limited", {"AIA-95", "POL-08"}, id="AI-written e-mails: no Art. 50(1) or 50(2) for a deployer"),
        pytest.param(PRICING_ELIGIBILITY, IE, "minimal", "limited", {"AIA-95", "POL-07"}, id="pricing eligibility: not Annex III 5(b)"),
        pytest.param(GB_CHATBOT, "GB", "out_of_scope", "limited", {"AIA-2-1", "POL-08"}, id="GB-only chatbot of a GB company"),
        pytest.param({**GB_CHATBOT, "markets": ["GB", "FR"]}, "GB", "transparency", "limited", {"AIA-50-1", "POL-08"}, id="the same chatbot also used in France"),
    ],
)  # fmt: skip
def test_real_cases_get_the_class_tier_and_reasons_a_lawyer_expects(
    answers, country, ai_act_class, tier, codes
):
    assert risk.ai_act_class(answers, country) == ai_act_class
    assert risk.risk_tier(answers, country) == tier
    applying = {rule.code for rule in risk.ai_act_rules_applying(answers, country)}
    applying |= {rule.code for rule in risk.tier_rules_applying(answers, country)}
    assert codes <= applying


def test_a_reason_names_its_class_its_basis_and_its_source_in_plain_words():
    assert risk.ai_act_reasons(VOICE_EMOTION, IE)[0] == (
        "High risk (law: EU AI Act Annex III 1(b)): categorises people from their biometric data "
        "according to sensitive or protected attributes or characteristics inferred from it."
    )
    assert risk.risk_reasons({"data_categories": ["children"]}, IE) == [
        "High (internal policy: policy POL-04): uses children's data, which merits specific "
        "protection in marketing and profiling (GDPR Recital 38)."
    ]


def test_internal_policy_is_never_shown_as_the_eu_ai_act_class():
    answers = {"data_categories": ["children", "special_category"], "automation_level": "fully_automated",
               "significant_decisions": True, "affected_people": ["customers"]}  # fmt: skip
    assert risk.ai_act_class(answers, IE) == "minimal"
    assert risk.risk_tier(answers, IE) == "high"
    assert all("internal policy" in reason for reason in risk.risk_reasons(answers, IE))
    assert not any("internal policy" in reason for reason in risk.ai_act_reasons(answers, IE))


def test_a_high_risk_class_reason_is_also_a_tier_reason():
    reasons = risk.risk_reasons(CALL_ROUTING, IE)
    assert reasons[0] == (
        "High (law: EU AI Act Annex III 4(b)): decides on terms of work, promotion or termination, "
        "allocates tasks on individual behaviour or traits, or monitors or evaluates staff performance."
    )


def test_nothing_answered_is_minimal_with_one_reason_each():
    assert risk.ai_act_reasons({}, IE) == [
        "Minimal risk (law: EU AI Act Art. 95): no prohibited practice, Annex III purpose or "
        "Art. 50 duty applies; voluntary codes of conduct may be followed."
    ]
    assert risk.risk_reasons({}, IE) == [
        "Minimal (internal policy: policy POL-00): no law or policy rule raises the review tier."
    ]


# ---- Art. 6(3): a provider's conclusion that a system of Annex III is not high-risk ------------


def test_a_conclusion_that_stands_replaces_the_annex_iii_reason_and_cites_its_conditions():
    answers = {**CV_PARSING, "art_6_3_conditions": ["preparatory_task", "narrow_procedural_task"]}
    assessment = risk.assess(answers, organisation_country=IE)
    assert assessment.ai_act_class == "minimal"
    [reason] = assessment.ai_act_reasons
    assert reason.startswith(
        "Not high risk (law: EU AI Act Art. 6(3), second subparagraph, points (a) and (d)): "
        "serves a purpose of Annex III (4(a)), but its provider concludes that it does not "
        "materially influence the outcome of decision making and that it performs a narrow "
        "procedural task and that it performs a preparatory task"
    )
    # The council still reviews it as a high-risk system: internal policy, said so.
    assert assessment.risk_tier == "high"
    assert assessment.risk_reasons[0].startswith("High (internal policy: policy POL-11): ")


def test_art_50_duties_stay_beside_a_conclusion_that_stands():
    answers = {**CV_PARSING, "capabilities": ["chatbot"], "customer_facing": True}
    assessment = risk.assess(answers, organisation_country=IE)
    assert assessment.ai_act_class == "transparency"
    assert [r.split(" (")[0] for r in assessment.ai_act_reasons] == [
        "Transparency duties",
        "Not high risk",
    ]


@pytest.mark.parametrize(
    ("answers", "why"),
    [
        ({**CV_PARSING, "significant_decisions": True}, "Art. 6(3), first subparagraph"),
        ({**CV_PARSING, "capabilities": ["segmentation"]}, "Art. 6(3), third subparagraph"),
    ],
)
def test_a_conclusion_the_act_excludes_leaves_it_high_risk_and_says_why(answers, why):
    assessment = risk.assess(answers, organisation_country=IE)
    assert assessment.ai_act_class == "high_risk"
    assert assessment.ai_act_reasons[0].startswith("High risk (law: EU AI Act Annex III 4(a))")
    assert why in assessment.ai_act_reasons[1]


def test_a_conclusion_without_an_annex_iii_purpose_or_outside_the_act_changes_nothing():
    plain = {**CV_PARSING, "sensitive_purposes": []}
    assert risk.assess(plain, organisation_country=IE) == risk.assess(
        {**plain, "art_6_3_conditions": []}, organisation_country=IE
    )
    abroad = {**CV_PARSING, "markets": ["US"]}
    assert risk.assess(abroad, organisation_country="US").ai_act_class == "out_of_scope"
    assert "POL-11" not in str(risk.assess(abroad, organisation_country="US").risk_reasons)


# ---- DPIA --------------------------------------------------------------------------------------


def test_two_wp248_criteria_call_for_a_dpia_and_name_them():
    answers = {
        "capabilities": ["chatbot"],
        "data_categories": ["contact_details"],
        "people_affected": "over_100k",
    }
    assessment = risk.assess(answers, organisation_country=IE)
    assert assessment.dpia_required is True
    assert assessment.dpia_reasons == [
        f"DPIA (law: {risk.WP248_SOURCE}): it meets 2 of the nine criteria (data processed on a "
        "large scale, innovative use of technology); two or more call for a DPIA."
    ]


def test_one_wp248_criterion_alone_does_not_call_for_a_dpia():
    answers = {
        "capabilities": ["agent_assist"],
        "data_categories": ["contact_details"],
        "people_affected": "over_100k",
    }
    assert risk.assess(answers, organisation_country=IE).dpia_reasons == []


def test_a_single_trigger_the_law_does_not_name_is_labelled_policy():
    answers = {
        "data_categories": ["biometric"],
        "biometric_use": ["verification"],
        "people_affected": "1k_100k",
    }
    assert risk.dpia_reasons(answers) == [
        "DPIA (internal policy: policy POL-D1): it processes special category or biometric data."
    ]
    # At large scale the law names it: GDPR Art. 35(3)(b), and policy is not repeated.
    large = risk.dpia_reasons({**answers, "people_affected": "over_100k"})
    assert large[0].startswith("DPIA (law: GDPR Art. 35(3)(b))")
    assert not any("internal policy" in reason for reason in large)


def test_no_personal_data_never_calls_for_a_dpia_however_many_criteria():
    answers = {
        "capabilities": ["segmentation", "generative_content"],
        "model_provenance": "foundation_model_api",
        "data_categories": ["none"],
        "people_affected": "over_100k",
    }
    assert risk.assess(answers, organisation_country=IE).dpia_required is False
    assert risk.assess(
        {**answers, "data_categories": ["behavioural"]}, organisation_country=IE
    ).dpia_required


# ---- prohibited practices: what the submission form shows next to each ticked box --------------


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
    assert set(risk.PROHIBITED_ANSWERS) == set(PROHIBITED_PRACTICE_FIELDS)


# ---- obligations -------------------------------------------------------------------------------


def _catalogue():
    document = read(catalogue_files()[-1])
    return [
        risk.Obligation(**{**entry, "when": tuple(entry["when"])})
        for entry in document["obligations"]
    ]


def test_the_obligations_file_is_valid_and_names_only_known_facts():
    assert all(document_errors(read(name)) == [] for name in catalogue_files())
    assert document_errors({"name": "x", "version": 9, "obligations": [
        {"code": "X", "source": "s", "text": "t", "party": "p", "applies_from": "2026-13-01",
         "basis": "maybe", "when": ["moon_phase"]}]}) == [
        "obligation 1 (X): basis must be one of good_practice, law",
        "obligation 1 (X): applies_from must be a date YYYY-MM-DD",
        "obligation 1 (X): unknown facts moon_phase",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("answers", "country", "present", "absent"),
    [
        pytest.param(VOICE_EMOTION, IE, {"AIA-26", "AIA-50-3", "GDPR-35", "UKGDPR-13"}, {"AIA-27", "AIA-16"}, id="high-risk deployer: Art. 26, Art. 50(3)"),
        pytest.param({**PRICING_ELIGIBILITY, "sensitive_purposes": ["creditworthiness"]}, IE, {"AIA-26", "AIA-27", "AIA-86"}, {"AIA-16"}, id="credit scoring: FRIA and explanation"),
        pytest.param(GB_CHATBOT, "GB", {"UKGDPR-13"}, {"AIA-50-1", "GDPR-13", "AIA-5"}, id="GB-only: UK GDPR, not the EU AI Act"),
        pytest.param({**GB_CHATBOT, "markets": ["GB", "FR"]}, "GB", {"AIA-50-1", "GDPR-13", "UKGDPR-13"}, set(), id="output used in France: both"),
        pytest.param(AI_EMAILS, IE, {"UCPD-6", "AIA-95"}, {"AIA-50-1", "AIA-50-2"}, id="AI-written e-mails"),
        pytest.param({**AI_EMAILS, "outbound_contact": True}, IE, {"EPD-13"}, set(), id="automated outbound messages need consent"),
        pytest.param({**PRICING_ELIGIBILITY, "automation_level": "fully_automated"}, IE, {"GDPR-22", "CRD-6-1-EA"}, set(), id="solely automated significant decisions"),
        pytest.param(PRICING_ELIGIBILITY, IE, {"CRD-6-1-EA"}, {"GDPR-22"}, id="a person decides: no Art. 22"),
        pytest.param(CV_PARSING, IE, {"AIA-6-4", "AIA-49-2", "AIA-95"}, {"AIA-16", "AIA-6-3-DEPLOYER"}, id="provider's Art. 6(3) conclusion: document and register"),
        pytest.param({**CV_PARSING, "operator_role": "deployer"}, IE, {"AIA-6-3-DEPLOYER"}, {"AIA-6-4", "AIA-49-2", "AIA-26"}, id="deployer of such a system: keep the provider's assessment"),
        pytest.param({**CV_PARSING, "significant_decisions": True}, IE, {"AIA-16"}, {"AIA-6-4", "AIA-49-2"}, id="a conclusion that cannot stand: high-risk duties"),
    ],
)  # fmt: skip
def test_obligations_follow_the_answers_and_the_markets(answers, country, present, absent):
    codes = {o["code"] for o in risk.obligations(answers, _catalogue(), country)}
    assert present <= codes
    assert not absent & codes


def test_obligations_carry_their_source_party_date_and_basis():
    [art_50_4] = [
        o for o in risk.obligations(DEEPFAKE_ADVERT, _catalogue(), IE) if o["code"] == "AIA-50-4-DF"
    ]
    assert art_50_4 == {
        "code": "AIA-50-4-DF", "source": "EU AI Act Art. 50(4), first subparagraph",
        "text": art_50_4["text"], "party": "deployer", "applies_from": "2026-08-02", "basis": "law",
    }  # fmt: skip
    dates = {o["code"]: o["applies_from"] for o in _catalogue_dicts()}
    assert dates["AIA-5"] == "2025-02-02"
    assert dates["AIA-26"] == "2027-12-02"  # Annex III duties, as amended by the Digital Omnibus


def _catalogue_dicts():
    return [entry.as_dict() for entry in _catalogue()]


# ---- properties --------------------------------------------------------------------------------

TIER_LABELS = {tier.label: tier.value for tier in RiskTier}
CLASS_LABELS = {klass.label: klass.value for klass in AiActClass} | {
    risk.NOT_HIGH_RISK: AiActClass.MINIMAL
}


def _list_answer(enumeration):
    return st.one_of(st.none(), st.lists(st.sampled_from(enumeration.values), unique=True))


ANSWERS = st.fixed_dictionaries(
    {},
    optional={
        **{name: _list_answer(enumeration) for name, enumeration in LIST_FIELDS.items()},
        **{name: st.sampled_from(["", *e.values]) for name, e in SINGLE_CHOICE_FIELDS.items()},
        "markets": st.lists(st.sampled_from(["IE", "DE", "EU", "GB", "US"]), unique=True),
        "customer_facing": st.sampled_from([None, True, False]),
        "significant_decisions": st.sampled_from([None, True, False]),
        "vulnerable_groups": st.sampled_from([None, True, False]),
        "outbound_contact": st.sampled_from([None, True, False]),
        **{name: st.booleans() for name in PROHIBITED_PRACTICE_FIELDS},
    },
)
COUNTRIES = st.sampled_from(["IE", "GB", "US"])
REASON = re.compile(
    r"^(?P<label>[^(]+) \((?P<basis>law|internal policy): (?P<source>[^)]+(\)[^)]*)*?)\): .+\.$"
)


@given(ANSWERS, COUNTRIES)
def test_the_tier_is_never_below_the_ai_act_class(answers, country):
    assessment = risk.assess(answers, organisation_country=country)
    least = risk.TIER_OF_CLASS[assessment.ai_act_class]
    assert risk.TIER_ORDER.index(assessment.risk_tier) <= risk.TIER_ORDER.index(least)


@given(ANSWERS, COUNTRIES)
def test_each_result_is_the_highest_among_its_labelled_reasons(answers, country):
    assessment = risk.assess(answers, organisation_country=country)
    tiers = {TIER_LABELS[REASON.match(r)["label"]] for r in assessment.risk_reasons}
    assert assessment.risk_tier == next(t for t in risk.TIER_ORDER if t in tiers)
    classes = {CLASS_LABELS[REASON.match(r)["label"]] for r in assessment.ai_act_reasons}
    assert assessment.ai_act_class == next(c for c in risk.CLASS_ORDER if c in classes)
    assert all(REASON.match(r)["basis"] == "law" for r in assessment.ai_act_reasons)
    assert assessment.dpia_required == bool(assessment.dpia_reasons)
    # A ticked prohibited box always makes the tier prohibited, in the EU or not.
    assert (assessment.risk_tier == "prohibited") == bool(risk.prohibited_reasons(answers))
