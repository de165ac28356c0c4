"""Risk tier and DPIA screening of a use case: pure functions of its answers (SPEC section 3).

Each rule is one line: the answers it looks at, the plain-language reason shown to people,
and the source it rests on. Input is a mapping of answers (field name -> value); output is data.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .choices import RiskTier

PROFILING = {"personalisation", "recommendation", "segmentation", "predictive_scoring"}
WORKER_MONITORING = {"predictive_scoring", "speech_analytics", "sentiment_analysis"}
EMOTION_DETECTION = {"sentiment_analysis", "speech_analytics"}
INNOVATIVE = {"generative_content", "chatbot", "voice_agent"}
WORKERS = {"employees", "agents"}
CUSTOMERS = {"customers", "prospects"}


class A:
    """Read-only view of the answers with the helpers the rules need."""

    def __init__(self, answers: Mapping[str, Any]):
        self._answers = answers

    def yes(self, name: str) -> bool:
        return self._answers.get(name) is True

    def has(self, name: str, *values: str) -> bool:
        return bool(set(self._answers.get(name) or ()) & set(values))

    def any_of(self, name: str, values: set[str]) -> bool:
        return self.has(name, *values)

    def is_(self, name: str, value: str) -> bool:
        return self._answers.get(name) == value

    @property
    def personal_data_categories(self) -> int:
        return len(set(self._answers.get("data_categories") or ()) - {"none"})

    @property
    def personal_data(self) -> bool:
        return self.personal_data_categories > 0


@dataclass(frozen=True)
class Rule:
    tier: str
    reason: str
    applies: Callable[[A], bool]
    answer: str = ""  # the single answer that triggers the rule, where there is one


# fmt: off
RISK_RULES: tuple[Rule, ...] = (
    Rule(RiskTier.PROHIBITED, "uses manipulative or deceptive techniques that distort people's behaviour (EU AI Act Art. 5(1)(a))", lambda a: a.yes("manipulative_techniques"), "manipulative_techniques"),
    Rule(RiskTier.PROHIBITED, "exploits vulnerabilities due to age, disability or social or economic situation (EU AI Act Art. 5(1)(b))", lambda a: a.yes("exploits_vulnerabilities"), "exploits_vulnerabilities"),
    Rule(RiskTier.PROHIBITED, "scores people on their social behaviour or personality for unrelated treatment (EU AI Act Art. 5(1)(c))", lambda a: a.yes("social_scoring"), "social_scoring"),
    Rule(RiskTier.PROHIBITED, "infers the emotions of employees or contact-centre agents at work (EU AI Act Art. 5(1)(f))", lambda a: a.yes("workplace_emotion_recognition"), "workplace_emotion_recognition"),
    Rule(RiskTier.PROHIBITED, "categorises people by biometric data to infer sensitive traits (EU AI Act Art. 5(1)(g))", lambda a: a.yes("biometric_categorisation_sensitive"), "biometric_categorisation_sensitive"),
    Rule(RiskTier.HIGH, "makes or materially influences decisions with legal or similarly significant effect, such as credit, pricing eligibility, contract termination, or employment or agent performance evaluation (EU AI Act Annex III 5(b) and 5(c); GDPR Art. 22)", lambda a: a.yes("significant_decisions")),
    Rule(RiskTier.HIGH, "uses biometric data (GDPR Art. 9; EU AI Act Annex III 1)", lambda a: a.has("data_categories", "biometric")),
    Rule(RiskTier.HIGH, "uses special category data such as health, ethnicity or religion (GDPR Art. 9)", lambda a: a.has("data_categories", "special_category")),
    Rule(RiskTier.HIGH, "uses children's data (GDPR Art. 8 and Recital 38)", lambda a: a.has("data_categories", "children")),
    Rule(RiskTier.HIGH, "targets or is likely to affect children or vulnerable customers (EU AI Act Art. 9(9))", lambda a: a.yes("vulnerable_groups")),
    Rule(RiskTier.HIGH, "acts on customers fully automatically, with no person in the loop (GDPR Art. 22; EU AI Act Art. 14)", lambda a: a.is_("automation_level", "fully_automated") and a.yes("customer_facing")),
    Rule(RiskTier.HIGH, "monitors or evaluates the performance of employees or agents, such as contact-centre quality scoring (EU AI Act Annex III 4(b))", lambda a: a.any_of("affected_people", WORKERS) and a.any_of("capabilities", WORKER_MONITORING)),
    Rule(RiskTier.LIMITED, "interacts with or produces content for customers, who must be told AI is involved (EU AI Act Art. 50(1))", lambda a: a.yes("customer_facing")),
    Rule(RiskTier.LIMITED, "generates content that must be marked as AI-generated (EU AI Act Art. 50(2))", lambda a: a.has("capabilities", "generative_content")),
    Rule(RiskTier.LIMITED, "is a chatbot or voice agent: people must be told they are talking to AI (EU AI Act Art. 50(1))", lambda a: a.has("capabilities", "chatbot", "voice_agent")),
    Rule(RiskTier.LIMITED, "detects customers' emotions or sentiment, which is allowed with notice (EU AI Act Art. 50(3))", lambda a: a.any_of("capabilities", EMOTION_DETECTION) and a.any_of("affected_people", CUSTOMERS)),
    Rule(RiskTier.LIMITED, "profiles people with personal data for personalisation, recommendation, segmentation or scoring; they may object to direct marketing (GDPR Art. 21)", lambda a: a.personal_data and a.any_of("capabilities", PROFILING)),
)

DPIA_TRIGGERS: tuple[Rule, ...] = (
    Rule("dpia", "profiles customers (GDPR Art. 35(3)(a))", lambda a: a.personal_data and a.any_of("capabilities", PROFILING) and a.any_of("affected_people", CUSTOMERS)),
    Rule("dpia", "processes special category data (GDPR Art. 35(3)(b))", lambda a: a.has("data_categories", "special_category")),
    Rule("dpia", "processes biometric data (GDPR Art. 35(3)(b); WP248 criterion 4)", lambda a: a.has("data_categories", "biometric")),
    Rule("dpia", "processes children's data (WP248 criterion 7)", lambda a: a.has("data_categories", "children")),
    Rule("dpia", "systematically monitors agents or employees (GDPR Art. 35(3)(c); WP248 criterion 3)", lambda a: a.any_of("affected_people", WORKERS) and a.any_of("capabilities", WORKER_MONITORING)),
    Rule("dpia", "processes voice recordings (WP248 criteria 3 and 4)", lambda a: a.has("data_categories", "voice_recordings")),
)

WP248_CRITERIA: tuple[Rule, ...] = (
    Rule("wp248", "evaluation or scoring", lambda a: a.any_of("capabilities", PROFILING)),
    Rule("wp248", "automated decisions with legal or similar effect", lambda a: a.yes("significant_decisions")),
    Rule("wp248", "systematic monitoring", lambda a: a.any_of("capabilities", EMOTION_DETECTION) or a.has("data_categories", "location")),
    Rule("wp248", "sensitive or highly personal data", lambda a: a.has("data_categories", "special_category", "biometric", "voice_recordings")),
    Rule("wp248", "data processed on a large scale", lambda a: a.personal_data and a.has("affected_people", "customers", "public")),
    Rule("wp248", "matching or combining data sets", lambda a: a.personal_data_categories >= 3),
    Rule("wp248", "vulnerable data subjects", lambda a: a.yes("vulnerable_groups") or a.has("data_categories", "children") or a.any_of("affected_people", WORKERS)),
    Rule("wp248", "innovative use of technology", lambda a: a.any_of("capabilities", INNOVATIVE) or a.is_("model_provenance", "foundation_model_api")),
    Rule("wp248", "prevents people from exercising a right or using a service", lambda a: a.has("capabilities", "dynamic_pricing") or (a.is_("automation_level", "fully_automated") and a.yes("customer_facing"))),
)
# fmt: on

TIER_ORDER = (RiskTier.PROHIBITED, RiskTier.HIGH, RiskTier.LIMITED, RiskTier.MINIMAL)
MINIMAL_REASON = "no rule for a higher tier applies: minimal risk, voluntary codes of conduct (EU AI Act Art. 95)"


@dataclass(frozen=True)
class Assessment:
    risk_tier: str
    risk_reasons: list[str] = field(default_factory=list)
    dpia_required: bool = False
    dpia_reasons: list[str] = field(default_factory=list)


def _sentence(label: str, reason: str) -> str:
    return f"{label}: {reason[0].upper()}{reason[1:]}."


def risk_rules_applying(answers: Mapping[str, Any]) -> list[Rule]:
    a = A(answers)
    return [rule for rule in RISK_RULES if rule.applies(a)]


def risk_tier(answers: Mapping[str, Any]) -> str:
    tiers = {rule.tier for rule in risk_rules_applying(answers)}
    return next((tier for tier in TIER_ORDER if tier in tiers), RiskTier.MINIMAL)


def risk_reasons(answers: Mapping[str, Any]) -> list[str]:
    """Plain sentences, highest tier first, e.g. 'High: Makes or materially influences …'."""
    rules = sorted(risk_rules_applying(answers), key=lambda rule: TIER_ORDER.index(rule.tier))
    if not rules:
        return [_sentence("Minimal", MINIMAL_REASON)]
    return [_sentence(RiskTier(rule.tier).label, rule.reason) for rule in rules]


def prohibited_reasons(answers: Mapping[str, Any]) -> dict[str, str]:
    """For each ticked prohibited practice: the answer's field and why it blocks submission."""
    return {
        rule.answer: f"This practice is prohibited: it {rule.reason}. Such a use case cannot be submitted."
        for rule in risk_rules_applying(answers)
        if rule.tier == RiskTier.PROHIBITED
    }


def dpia_reasons(answers: Mapping[str, Any]) -> list[str]:
    a = A(answers)
    reasons = [_sentence("DPIA", rule.reason) for rule in DPIA_TRIGGERS if rule.applies(a)]
    criteria = [rule.reason for rule in WP248_CRITERIA if rule.applies(a)]
    # A DPIA concerns personal data: without any, the criteria call for nothing (GDPR Art. 35(1)).
    if len(criteria) >= 2 and a.personal_data:
        reasons.append(
            f"DPIA: Meets {len(criteria)} of the nine WP248 criteria ({', '.join(criteria)}); two or more call for a DPIA."
        )
    return reasons


def assess(answers: Mapping[str, Any]) -> Assessment:
    dpia = dpia_reasons(answers)
    return Assessment(
        risk_tier=risk_tier(answers),
        risk_reasons=risk_reasons(answers),
        dpia_required=bool(dpia),
        dpia_reasons=dpia,
    )
