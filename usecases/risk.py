"""Classification of a use case (SPEC section 3): pure functions of its answers.

Two results, kept apart:
- the **EU AI Act class** (`ai_act_class`, `ai_act_reasons`): what the Act itself says of the
  system (Art. 5 prohibited practices, Art. 6(2) with Annex III high risk, Art. 50 transparency
  duties, minimal, or outside its scope under Art. 2(1)); a system of Annex III whose provider
  concludes under Art. 6(3) that it is not high-risk is not, unless the Act excludes that
  conclusion (it decides, or profiles people);
- the **internal review tier** (`risk_tier`, `risk_reasons`): which review policy applies. It is
  never below the class and is raised by the council's own policy, which is labelled as policy.

Also derived: whether a DPIA is needed (GDPR Art. 35) and which obligations of the versioned
obligations catalogue (usecases/data/obligations_v*.json) apply.

Each rule is one line: a code, the result it leads to, its basis (law or internal policy), the
exact source, the reason in plain words, and the answers it reads. Input is a mapping of answers
(field name -> value); output is plain data.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.conf import settings

from .choices import AiActClass, Art63Condition, RiskTier, art_6_3_point
from .markets import EU_MEMBER_STATES, UK, in_eu

LAW = "law"
POLICY = "policy"
BASIS_LABELS = {LAW: "law", POLICY: "internal policy"}

PROFILING = {"personalisation", "recommendation", "segmentation", "predictive_scoring",
             "sentiment_analysis", "dynamic_pricing"}  # fmt: skip
GENERATING = {"generative_content", "synthetic_media", "chatbot", "voice_agent"}
INNOVATIVE = {"generative_content", "synthetic_media", "chatbot", "voice_agent",
              "emotion_recognition", "agentic"}  # fmt: skip
STAFF_ANALYSIS = {"speech_analytics", "sentiment_analysis", "predictive_scoring",
                  "emotion_recognition"}  # fmt: skip
WORKERS = {"employees", "agents"}
CUSTOMERS = {"customers", "prospects"}
HIGHLY_PERSONAL_DATA = {"special_category", "biometric", "location", "voice_recordings",
                        "chat_transcripts"}  # fmt: skip
DIGITAL_CHANNELS = {"web", "mobile_app", "chat", "email"}


class A:
    """Read-only view of the answers (and where the organisation is) with the rules' helpers."""

    def __init__(self, answers: Mapping[str, Any], organisation_country: str = ""):
        self.answers = answers
        self._answers = answers
        self.organisation_country = (organisation_country or "").upper()

    def yes(self, name: str) -> bool:
        return self._answers.get(name) is True

    def has(self, name: str, *values: str) -> bool:
        return bool(set(self._answers.get(name) or ()) & set(values))

    def any_of(self, name: str, values: set[str]) -> bool:
        return self.has(name, *values)

    def is_(self, name: str, value: str) -> bool:
        return self._answers.get(name) == value

    def biometric(self, use: str) -> bool:
        return self.has("data_categories", "biometric") and self.has("biometric_use", use)

    @property
    def markets(self) -> list[str]:
        return list(self._answers.get("markets") or ())

    @property
    def personal_data_categories(self) -> int:
        return len(set(self._answers.get("data_categories") or ()) - {"none"})

    @property
    def personal_data(self) -> bool:
        return self.personal_data_categories > 0

    @property
    def large_scale(self) -> bool:
        return self.is_("people_affected", "over_100k")

    @property
    def staff_monitoring(self) -> bool:
        return self.any_of("affected_people", WORKERS) and (
            self.any_of("capabilities", STAFF_ANALYSIS)
            or self.has("sensitive_purposes", "worker_management")
        )

    @property
    def profiles_people(self) -> bool:
        """Profiling (GDPR Art. 4(4)): personal data used to evaluate or predict personal aspects."""
        return self.personal_data and self.any_of("capabilities", PROFILING)

    # Read several times while one use case is classified: worked out once for these answers.
    @cached_property
    def art_6_3_conditions(self) -> list[str]:
        """The Art. 6(3) conditions its provider's conclusion rests on, in the Act's order."""
        return [value for value in Art63Condition.values if self.has("art_6_3_conditions", value)]

    @cached_property
    def annex_iii_rules(self) -> list["Rule"]:
        return [rule for rule in AI_ACT_RULES if rule.code in ANNEX_III and rule.applies(self)]

    @cached_property
    def art_6_3_refusals(self) -> list["Rule"]:
        return [rule for rule in ART_6_3_REFUSALS if rule.applies(self)]

    @property
    def art_6_3_stands(self) -> bool:
        """An Annex III system its provider concludes is not high-risk, with nothing against it."""
        return bool(
            self.eu_law_applies
            and self.art_6_3_conditions
            and self.annex_iii_rules
            and not self.art_6_3_refusals
        )

    @property
    def eu_established(self) -> bool:
        return self.organisation_country in EU_MEMBER_STATES

    @property
    def eu_law_applies(self) -> bool:
        """EU law reaches it: we are established in the EU, or a market is (unanswered: assume so)."""
        return self.eu_established or in_eu(self.markets) or not self.markets

    @property
    def uk_law_applies(self) -> bool:
        return self.organisation_country == UK or UK in self.markets


@dataclass(frozen=True)
class Rule:
    code: str
    result: str  # the AI Act class, the tier, or "dpia" it leads to
    basis: str  # LAW or POLICY
    source: str  # the exact article, or the internal policy's number
    reason: str  # plain words, completing "it …" or a sentence of its own
    applies: Callable[[A], bool]
    answer: str = ""  # the single answer that triggers the rule, where there is one
    label: str = ""  # how its sentence begins, where not with its result's label

    def sentence(self, label: str) -> str:
        return f"{self.label or label} ({BASIS_LABELS[self.basis]}: {self.source}): {self.reason}."


C = AiActClass
T = RiskTier
AIA = "EU AI Act"
HIGH_RISK = f"{AIA} Art. 6(2) and Annex III"

# fmt: off
# ---- EU AI Act class (law) ------------------------------------------------------------------
AI_ACT_RULES: tuple[Rule, ...] = (
    Rule("AIA-5-1-a", C.PROHIBITED, LAW, f"{AIA} Art. 5(1)(a)", "uses manipulative or deceptive techniques that distort people's behaviour and may cause them significant harm", lambda a: a.yes("manipulative_techniques"), "manipulative_techniques"),
    Rule("AIA-5-1-b", C.PROHIBITED, LAW, f"{AIA} Art. 5(1)(b)", "exploits vulnerabilities due to age, disability or a specific social or economic situation", lambda a: a.yes("exploits_vulnerabilities"), "exploits_vulnerabilities"),
    Rule("AIA-5-1-c", C.PROHIBITED, LAW, f"{AIA} Art. 5(1)(c)", "scores people on their social behaviour or personality and treats them worse in unrelated contexts or out of proportion", lambda a: a.yes("social_scoring"), "social_scoring"),
    Rule("AIA-5-1-f", C.PROHIBITED, LAW, f"{AIA} Art. 5(1)(f)", "infers the emotions of people at the workplace (employees, contact-centre agents)", lambda a: a.yes("workplace_emotion_recognition"), "workplace_emotion_recognition"),
    Rule("AIA-5-1-g", C.PROHIBITED, LAW, f"{AIA} Art. 5(1)(g)", "categorises people from their biometric data to infer race, political opinions, trade-union membership, religion, sex life or sexual orientation", lambda a: a.yes("biometric_categorisation_sensitive"), "biometric_categorisation_sensitive"),
    Rule("AIA-III-1-a", C.HIGH_RISK, LAW, f"{AIA} Annex III 1(a)", "identifies people from their biometric data among many (remote biometric identification; verifying a claimed identity is excluded)", lambda a: a.biometric("identification")),
    Rule("AIA-III-1-b", C.HIGH_RISK, LAW, f"{AIA} Annex III 1(b)", "categorises people from their biometric data according to sensitive or protected attributes or characteristics inferred from it", lambda a: a.biometric("categorisation")),
    Rule("AIA-III-1-c", C.HIGH_RISK, LAW, f"{AIA} Annex III 1(c)", "infers people's emotions or intentions from their voice, face, keystrokes or other biometric signals (emotion recognition, Art. 3(39))", lambda a: a.has("capabilities", "emotion_recognition")),
    Rule("AIA-III-4-a", C.HIGH_RISK, LAW, f"{AIA} Annex III 4(a)", "is used in recruitment: targeted job adverts, screening or evaluating candidates", lambda a: a.has("sensitive_purposes", "recruitment")),
    Rule("AIA-III-4-b", C.HIGH_RISK, LAW, f"{AIA} Annex III 4(b)", "decides on terms of work, promotion or termination, allocates tasks on individual behaviour or traits, or monitors or evaluates staff performance", lambda a: a.has("sensitive_purposes", "worker_management")),
    Rule("AIA-III-5-b", C.HIGH_RISK, LAW, f"{AIA} Annex III 5(b)", "evaluates people's creditworthiness or sets their credit score (fraud detection excluded)", lambda a: a.has("sensitive_purposes", "creditworthiness")),
    Rule("AIA-III-5-c", C.HIGH_RISK, LAW, f"{AIA} Annex III 5(c)", "assesses risk or sets prices for people's life or health insurance", lambda a: a.has("sensitive_purposes", "insurance_pricing")),
    Rule("AIA-III-5-d", C.HIGH_RISK, LAW, f"{AIA} Annex III 5(d)", "evaluates or classifies emergency calls or sets dispatch priority", lambda a: a.has("sensitive_purposes", "emergency_triage")),
    Rule("AIA-50-1", C.TRANSPARENCY, LAW, f"{AIA} Art. 50(1)", "talks with people directly (chatbot or voice agent), so they must be told they are dealing with AI: the provider's duty, which we as deployer make sure is met", lambda a: a.has("capabilities", "chatbot", "voice_agent")),
    Rule("AIA-50-2", C.TRANSPARENCY, LAW, f"{AIA} Art. 50(2)", "generates synthetic text, images, audio or video and we provide it, so its outputs must be marked as AI-generated in a machine-readable way", lambda a: a.is_("operator_role", "provider") and a.has("capabilities", "generative_content", "synthetic_media")),
    Rule("AIA-50-3", C.TRANSPARENCY, LAW, f"{AIA} Art. 50(3)", "exposes people to emotion recognition or biometric categorisation, so they must be informed of it", lambda a: a.has("capabilities", "emotion_recognition") or a.biometric("categorisation")),
    Rule("AIA-50-4-deepfake", C.TRANSPARENCY, LAW, f"{AIA} Art. 50(4), first subparagraph", "produces realistic images, audio or video of people, places or events (deep fakes), which must be disclosed as artificially generated", lambda a: a.has("capabilities", "synthetic_media")),
    Rule("AIA-50-4-text", C.TRANSPARENCY, LAW, f"{AIA} Art. 50(4), second subparagraph", "generates text published to inform the public on matters of public interest, which must be disclosed as AI-generated unless a person reviews it and takes editorial responsibility", lambda a: a.has("capabilities", "generative_content") and a.has("sensitive_purposes", "public_information")),
)
ANNEX_III = {rule.code for rule in AI_ACT_RULES if rule.code.startswith("AIA-III-")}
# Art. 6(3): a system of Annex III its provider concludes is not high-risk (DEROGATION, made by
# `_derogation` from the answers), unless one of these holds.
DEROGATION = "AIA-6-3"
NOT_HIGH_RISK = "Not high risk"  # how the derogation's reason begins (its class: minimal)
ART_6_3_REFUSALS: tuple[Rule, ...] = (
    Rule("AIA-6-3-decisions", C.HIGH_RISK, LAW, f"{AIA} Art. 6(3), first subparagraph", "makes or materially influences decisions with legal or similarly significant effect on people, so it stays high-risk: the derogation its provider claims covers only a system that does not materially influence the outcome of decision making", lambda a: a.yes("significant_decisions")),
    Rule("AIA-6-3-profiling", C.HIGH_RISK, LAW, f"{AIA} Art. 6(3), third subparagraph", "profiles people (it uses personal data to evaluate or predict personal aspects, GDPR Art. 4(4)), so it stays high-risk whatever condition of Art. 6(3) its provider claims", lambda a: a.profiles_people),
)
OUT_OF_SCOPE = Rule("AIA-2-1", C.OUT_OF_SCOPE, LAW, f"{AIA} Art. 2(1)", "the organisation is not established in the EU and no market it serves is in the EU, so no output is used there", lambda a: not a.eu_law_applies)
MINIMAL_CLASS = Rule("AIA-95", C.MINIMAL, LAW, f"{AIA} Art. 95", "no prohibited practice, Annex III purpose or Art. 50 duty applies; voluntary codes of conduct may be followed", lambda a: True)

# ---- Internal review tier: raised by policy (the class's reasons come first) -----------------
POLICY_RULES: tuple[Rule, ...] = (
    Rule("POL-01", T.PROHIBITED, POLICY, "policy POL-01", "uses a practice the EU AI Act prohibits; the council allows it in no market, in the EU or not", lambda a: not a.eu_law_applies and any(a.yes(name) for name in PROHIBITED_ANSWERS)),
    Rule("POL-02", T.HIGH, POLICY, "policy POL-02", "uses special category data (health, ethnicity, religion …), which GDPR Art. 9(1) protects", lambda a: a.has("data_categories", "special_category")),
    Rule("POL-03", T.HIGH, POLICY, "policy POL-03", "uses biometric data; used to identify or verify a person it is special category data under GDPR Art. 9(1), even where the EU AI Act does not call it high risk", lambda a: a.has("data_categories", "biometric")),
    Rule("POL-04", T.HIGH, POLICY, "policy POL-04", "uses children's data, which merits specific protection in marketing and profiling (GDPR Recital 38)", lambda a: a.has("data_categories", "children")),
    Rule("POL-05", T.HIGH, POLICY, "policy POL-05", "targets or is likely to affect children or vulnerable customers; the council checks the screen for exploiting vulnerabilities (EU AI Act Art. 5(1)(b))", lambda a: a.yes("vulnerable_groups")),
    Rule("POL-06", T.HIGH, POLICY, "policy POL-06", "decides fully automatically, with legal or similarly significant effect on customers (such decisions are limited by GDPR Art. 22(1))", lambda a: a.is_("automation_level", "fully_automated") and a.yes("significant_decisions") and a.any_of("affected_people", CUSTOMERS)),
    Rule("POL-07", T.LIMITED, POLICY, "policy POL-07", "uses personal data to profile people (GDPR Art. 4(4)); they may object to profiling for direct marketing (GDPR Art. 21(2))", lambda a: a.profiles_people),
    Rule("POL-08", T.LIMITED, POLICY, "policy POL-08", "generates content or conversation that customers see", lambda a: a.yes("customer_facing") and a.any_of("capabilities", GENERATING)),
    Rule("POL-09", T.LIMITED, POLICY, "policy POL-09", "contacts people unprompted by call or message; automated calls and messages for direct marketing need prior consent (ePrivacy Directive Art. 13(1))", lambda a: a.yes("outbound_contact")),
    Rule("POL-10", T.LIMITED, POLICY, "policy POL-10", "analyses employees or contact-centre agents; the council checks that it does not monitor or evaluate their performance (which EU AI Act Annex III 4(b) makes high risk)", lambda a: a.staff_monitoring and not a.has("sensitive_purposes", "worker_management")),
    Rule("POL-11", T.HIGH, POLICY, "policy POL-11", "serves a purpose the EU AI Act lists in Annex III, and its provider concludes under Art. 6(3) that it is not high-risk; the council reviews that conclusion as it reviews a high-risk system", lambda a: a.art_6_3_stands),
)
MINIMAL_TIER = Rule("POL-00", T.MINIMAL, POLICY, "policy POL-00", "no law or policy rule raises the review tier", lambda a: True)

# ---- DPIA (GDPR Art. 35) ---------------------------------------------------------------------
DPIA_RULES: tuple[Rule, ...] = (
    Rule("GDPR-35-3-a", "dpia", LAW, "GDPR Art. 35(3)(a)", "it evaluates people systematically by automated means, and decisions with legal or similarly significant effect on them are based on it", lambda a: a.personal_data and a.yes("significant_decisions") and (a.any_of("capabilities", PROFILING | {"emotion_recognition"}) or a.is_("automation_level", "fully_automated"))),
    Rule("GDPR-35-3-b", "dpia", LAW, "GDPR Art. 35(3)(b)", "it processes special category or biometric data on a large scale (more than 100,000 people)", lambda a: a.has("data_categories", "special_category", "biometric") and a.large_scale),
    Rule("GDPR-35-3-c", "dpia", LAW, "GDPR Art. 35(3)(c)", "it systematically monitors people in stores, a publicly accessible area, on a large scale", lambda a: a.has("channels", "in_store") and a.large_scale and (a.has("data_categories", "biometric", "location") or a.has("capabilities", "emotion_recognition"))),
    Rule("POL-D1", "dpia", POLICY, "policy POL-D1", "it processes special category or biometric data", lambda a: a.has("data_categories", "special_category", "biometric")),
    Rule("POL-D2", "dpia", POLICY, "policy POL-D2", "it processes children's data", lambda a: a.has("data_categories", "children")),
    Rule("POL-D3", "dpia", POLICY, "policy POL-D3", "it recognises emotions", lambda a: a.has("capabilities", "emotion_recognition")),
    Rule("POL-D4", "dpia", POLICY, "policy POL-D4", "it monitors or analyses staff", lambda a: a.staff_monitoring),
)
WP248_SOURCE = "GDPR Art. 35(1), read with the nine criteria of the WP248 rev.01 guidelines endorsed by the EDPB"
WP248_CRITERIA: tuple[Rule, ...] = (
    Rule("WP248-1", "wp248", LAW, WP248_SOURCE, "evaluation or scoring", lambda a: a.any_of("capabilities", PROFILING | {"emotion_recognition"})),
    Rule("WP248-2", "wp248", LAW, WP248_SOURCE, "automated decisions with legal or similar effect", lambda a: a.yes("significant_decisions")),
    Rule("WP248-3", "wp248", LAW, WP248_SOURCE, "systematic monitoring", lambda a: a.staff_monitoring or a.has("data_categories", "location") or a.has("capabilities", "emotion_recognition") or a.biometric("identification")),
    Rule("WP248-4", "wp248", LAW, WP248_SOURCE, "sensitive or highly personal data", lambda a: a.any_of("data_categories", HIGHLY_PERSONAL_DATA)),
    Rule("WP248-5", "wp248", LAW, WP248_SOURCE, "data processed on a large scale", lambda a: a.large_scale),
    Rule("WP248-6", "wp248", LAW, WP248_SOURCE, "matching or combining data sets", lambda a: a.personal_data_categories >= 3),
    Rule("WP248-7", "wp248", LAW, WP248_SOURCE, "vulnerable data subjects (including staff)", lambda a: a.yes("vulnerable_groups") or a.has("data_categories", "children") or a.any_of("affected_people", WORKERS)),
    Rule("WP248-8", "wp248", LAW, WP248_SOURCE, "innovative use of technology", lambda a: a.any_of("capabilities", INNOVATIVE) or a.is_("model_provenance", "foundation_model_api")),
    Rule("WP248-9", "wp248", LAW, WP248_SOURCE, "prevents people from exercising a right or using a service", lambda a: a.yes("significant_decisions") or a.has("sensitive_purposes", "creditworthiness", "insurance_pricing")),
)
# fmt: on

PROHIBITED_ANSWERS: tuple[str, ...] = tuple(
    rule.answer for rule in AI_ACT_RULES if rule.result == C.PROHIBITED
)
CLASS_ORDER = (C.PROHIBITED, C.HIGH_RISK, C.TRANSPARENCY, C.MINIMAL, C.OUT_OF_SCOPE)
TIER_ORDER = (T.PROHIBITED, T.HIGH, T.LIMITED, T.MINIMAL)
# The least tier each class calls for (SPEC section 3). Keyed by str: rules store plain values.
TIER_OF_CLASS: dict[str, str] = {
    C.PROHIBITED: T.PROHIBITED,
    C.HIGH_RISK: T.HIGH,
    C.TRANSPARENCY: T.LIMITED,
    C.MINIMAL: T.MINIMAL,
    C.OUT_OF_SCOPE: T.MINIMAL,
}


# ---- the EU AI Act class ---------------------------------------------------------------------


def ai_act_rules_applying(answers: Mapping[str, Any], organisation_country: str = "") -> list[Rule]:
    """The Act's rules that apply, strongest class first; out of scope or minimal when none."""
    a = A(answers, organisation_country)
    if OUT_OF_SCOPE.applies(a):
        return [OUT_OF_SCOPE]
    rules = [rule for rule in AI_ACT_RULES if rule.applies(a)]
    if a.art_6_3_stands:
        rules = [rule for rule in rules if rule.code not in ANNEX_III] + [_derogation(a)]
    elif a.art_6_3_conditions and a.annex_iii_rules:
        rules += a.art_6_3_refusals
    return sorted(rules, key=lambda rule: CLASS_ORDER.index(rule.result)) or [MINIMAL_CLASS]


def _derogation(a: A) -> Rule:
    """The provider's Art. 6(3) conclusion, in its place among the reasons: not high-risk."""
    points_claimed = [art_6_3_point(value) for value in a.art_6_3_conditions]
    letters = [f"({letter})" for letter, _ in points_claimed]
    conditions = " and that it ".join(words for _, words in points_claimed)
    points = ", ".join(rule.source.removeprefix(f"{AIA} Annex III ") for rule in a.annex_iii_rules)
    return Rule(
        DEROGATION,
        C.MINIMAL,
        LAW,
        f"{AIA} Art. 6(3), second subparagraph, point{'s' if len(letters) > 1 else ''} "
        + " and ".join(letters),
        f"serves a purpose of Annex III ({points}), but its provider concludes that it does not "
        f"materially influence the outcome of decision making and that it {conditions}",
        lambda a: True,
        label=NOT_HIGH_RISK,
    )


def ai_act_class(answers: Mapping[str, Any], organisation_country: str = "") -> str:
    return ai_act_rules_applying(answers, organisation_country)[0].result


def ai_act_reasons(answers: Mapping[str, Any], organisation_country: str = "") -> list[str]:
    """Plain sentences, e.g. 'High risk (law: EU AI Act Annex III 1(c)): infers people's …'."""
    return [
        rule.sentence(AiActClass(rule.result).label)
        for rule in ai_act_rules_applying(answers, organisation_country)
    ]


# ---- the internal review tier ----------------------------------------------------------------


def tier_rules_applying(answers: Mapping[str, Any], organisation_country: str = "") -> list[Rule]:
    """The class's reasons that raise the tier, then policy's, highest tier first."""
    a = A(answers, organisation_country)
    from_law = [
        rule
        for rule in ai_act_rules_applying(answers, organisation_country)
        if TIER_OF_CLASS[rule.result] != T.MINIMAL
    ]
    from_policy = [rule for rule in POLICY_RULES if rule.applies(a)]
    rules = sorted(
        from_law + from_policy, key=lambda rule: TIER_ORDER.index(_tier_of(rule))
    )  # stable: law before policy within a tier
    return rules or [MINIMAL_TIER]


def _tier_of(rule: Rule) -> str:
    return TIER_OF_CLASS.get(rule.result, rule.result)


def risk_tier(answers: Mapping[str, Any], organisation_country: str = "") -> str:
    return _tier_of(tier_rules_applying(answers, organisation_country)[0])


def risk_reasons(answers: Mapping[str, Any], organisation_country: str = "") -> list[str]:
    """Plain sentences, highest tier first, e.g. 'High (internal policy: policy POL-04): …'."""
    return [
        rule.sentence(RiskTier(_tier_of(rule)).label)
        for rule in tier_rules_applying(answers, organisation_country)
    ]


def prohibited_reasons(answers: Mapping[str, Any]) -> dict[str, str]:
    """For each ticked prohibited practice: the answer's field and why it blocks submission."""
    return {
        rule.answer: (
            f"This practice is prohibited: it {rule.reason} ({rule.source}); the council allows "
            "it in no market. Such a use case cannot be submitted."
        )
        for rule in AI_ACT_RULES
        if rule.result == C.PROHIBITED and answers.get(rule.answer) is True
    }


# ---- DPIA ------------------------------------------------------------------------------------


def dpia_rules_applying(answers: Mapping[str, Any]) -> list[Rule]:
    a = A(answers)
    if not a.personal_data:
        return []  # a DPIA concerns personal data (GDPR Art. 35(1))
    return [rule for rule in DPIA_RULES if rule.applies(a)]


def wp248_criteria_met(answers: Mapping[str, Any]) -> list[Rule]:
    a = A(answers)
    return [rule for rule in WP248_CRITERIA if rule.applies(a)] if a.personal_data else []


def dpia_reasons(answers: Mapping[str, Any]) -> list[str]:
    reasons = [rule.sentence("DPIA") for rule in dpia_rules_applying(answers) if rule.basis == LAW]
    criteria = wp248_criteria_met(answers)
    if len(criteria) >= 2:
        names = ", ".join(rule.reason for rule in criteria)
        reasons.append(
            f"DPIA (law: {WP248_SOURCE}): it meets {len(criteria)} of the nine criteria "
            f"({names}); two or more call for a DPIA."
        )
    if not reasons:
        # A single trigger the law does not name: the council's own rule.
        reasons = [
            rule.sentence("DPIA") for rule in dpia_rules_applying(answers) if rule.basis == POLICY
        ]
    return reasons


# ---- obligations -----------------------------------------------------------------------------


def _codes(answers: Mapping[str, Any], organisation_country: str) -> set[str]:
    return {rule.code for rule in ai_act_rules_applying(answers, organisation_country)}


# Facts the obligations catalogue may name in `when` (every named fact must hold).
FACTS: dict[str, Callable[[A, set[str]], bool]] = {
    "eu": lambda a, codes: a.eu_law_applies,
    "uk": lambda a, codes: a.uk_law_applies,
    "ai_act": lambda a, codes: "AIA-2-1" not in codes,
    "deployer": lambda a, codes: not a.is_("operator_role", "provider"),
    "provider": lambda a, codes: a.is_("operator_role", "provider"),
    "high_risk": lambda a, codes: bool(codes & ANNEX_III),
    "art_6_3": lambda a, codes: DEROGATION in codes,
    "fria": lambda a, codes: bool(codes & {"AIA-III-5-b", "AIA-III-5-c"}),
    "talks_with_people": lambda a, codes: "AIA-50-1" in codes,
    "marks_output": lambda a, codes: "AIA-50-2" in codes,
    "emotion_or_categorisation": lambda a, codes: "AIA-50-3" in codes,
    "deep_fake": lambda a, codes: "AIA-50-4-deepfake" in codes,
    "public_interest_text": lambda a, codes: "AIA-50-4-text" in codes,
    "minimal_class": lambda a, codes: codes <= {MINIMAL_CLASS.code, DEROGATION},
    "personal_data": lambda a, codes: a.personal_data,
    "significant_decisions": lambda a, codes: a.yes("significant_decisions"),
    "solely_automated_significant": lambda a, codes: (
        a.yes("significant_decisions") and a.is_("automation_level", "fully_automated")
    ),
    "direct_marketing_profiling": lambda a, codes: (
        a.personal_data
        and a.any_of("capabilities", PROFILING)
        and a.has("functions", "marketing", "sales")
    ),
    "dpia": lambda a, codes: bool(dpia_reasons(a.answers)),
    "tracking": lambda a, codes: (
        a.has("data_categories", "behavioural") and a.has("channels", "web", "mobile_app", "email")
    ),
    "automated_outbound": lambda a, codes: a.yes("outbound_contact"),
    "customer_facing": lambda a, codes: a.yes("customer_facing"),
    "generated_copy": lambda a, codes: (
        a.yes("customer_facing") and a.has("capabilities", "generative_content", "synthetic_media")
    ),
    "personalised_pricing": lambda a, codes: (
        a.personal_data and a.has("capabilities", "dynamic_pricing")
    ),
    "digital_service": lambda a, codes: (
        a.yes("customer_facing") and a.any_of("channels", DIGITAL_CHANNELS)
    ),
}


@dataclass(frozen=True)
class Obligation:
    """One entry of the obligations catalogue (plain data, as loaded from the data file)."""

    code: str
    source: str
    text: str
    party: str
    applies_from: str  # ISO date
    basis: str  # "law" or "good_practice"
    when: tuple[str, ...]

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "source": self.source,
            "text": self.text,
            "party": self.party,
            "applies_from": self.applies_from,
            "basis": self.basis,
        }


def unknown_facts(when: Iterable[str]) -> list[str]:
    return [name for name in when if name not in FACTS]


def obligations(
    answers: Mapping[str, Any], catalogue: Iterable[Obligation], organisation_country: str = ""
) -> list[dict[str, str]]:
    """The catalogue's obligations whose every `when` fact holds, in catalogue order."""
    a = A(answers, organisation_country)
    codes = _codes(answers, organisation_country)
    return [
        entry.as_dict() for entry in catalogue if all(FACTS[name](a, codes) for name in entry.when)
    ]


# ---- everything at once ----------------------------------------------------------------------


@dataclass(frozen=True)
class Assessment:
    ai_act_class: str
    ai_act_reasons: list[str] = field(default_factory=list)
    risk_tier: str = T.MINIMAL
    risk_reasons: list[str] = field(default_factory=list)
    dpia_required: bool = False
    dpia_reasons: list[str] = field(default_factory=list)
    obligations: list[dict[str, str]] = field(default_factory=list)


def assess(
    answers: Mapping[str, Any],
    *,
    organisation_country: str | None = None,
    catalogue: Iterable[Obligation] = (),
) -> Assessment:
    """Class, tier, DPIA and obligations. `organisation_country` defaults to the setting."""
    if organisation_country is None:
        organisation_country = settings.ORGANISATION_COUNTRY
    dpia = dpia_reasons(answers)
    return Assessment(
        ai_act_class=ai_act_class(answers, organisation_country),
        ai_act_reasons=ai_act_reasons(answers, organisation_country),
        risk_tier=risk_tier(answers, organisation_country),
        risk_reasons=risk_reasons(answers, organisation_country),
        dpia_required=bool(dpia),
        dpia_reasons=dpia,
        obligations=obligations(answers, catalogue, organisation_country),
    )
