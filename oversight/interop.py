"""Registry entries in other people's formats (SPEC section 8, interoperability): each column of
the target format mapped from our fields in one table, documented in `docs/formats.md`.

- `omb`: the US federal AI use case inventory, as OMB consolidates it under Memorandum M-25-21
  (the 2025 inventory's data dictionary: its 36 columns, in its order, under its names; every
  multiple-choice cell holds one of its valid selections, word for word, or stays empty). The
  inventory is a federal one: what a company does not record (an Authorization to Operate, a
  Federal Data Catalog link, the demographic features a model uses) stays empty.
- `eu_db`: the information a provider submits to the EU database, one record per registry entry
  whose use case we provide (`operator_role` `provider`): EU AI Act Annex VIII Section A for a
  high-risk system (Art. 49(1)); Section B for a system of Annex III we conclude is not
  high-risk under Art. 6(3) (Art. 49(2)). Items the app does not hold (a notified body's
  certificate, the EU declaration of conformity, the instructions for use) are null, to be
  attached by hand.

Each function here is pure: it reads one entry's record (`exports.interop_records`) and the
organisation (settings), and returns the row.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from council.models import choice_labels
from registry.models import Stage
from usecases.choices import (
    AiActClass,
    AutomationLevel,
    Capability,
    DataCategory,
    Function,
    ModelProvenance,
    OperatorRole,
    art_6_3_point,
)
from usecases.markets import EU, EU_MEMBER_STATES

from .value import pilot_judged


@dataclass(frozen=True)
class Organisation:
    """Who the records speak for (settings ORGANISATION_NAME, _ADDRESS, _CONTACT), and the
    address the app answers on, for links ('' in a command: links stay paths)."""

    name: str
    address: str
    contact: str
    site: str = ""


@dataclass(frozen=True)
class Target:
    """One column of a target format: its name there, its heading, and where it comes from."""

    key: str
    header: str
    source: str


def _joined(values: Iterable[str]) -> str:
    return "; ".join(values)


AUTOMATION_LABELS = dict(AutomationLevel.choices)

# --- OMB: the federal AI use case inventory (M-25-21) ------------------------------------------

NO = "No"
YES = "Yes"
WITHHELD_NO = "a) No"
WITHHELD_OTHER = "d) Other"
PRE_DEPLOYMENT = "a) Pre-deployment – The use case is in a development or acquisition status."
PILOT = "b) Pilot – The use case has been deployed in a limited test or pilot capacity."
DEPLOYED = (
    "c) Deployed – The use case is being actively authorized or utilized to support the "
    "functions or mission of an agency."
)
RETIRED = (
    "d) Retired – The use case was reported in the agency’s prior year’s inventory, but its "
    "development and/or use has since been discontinued."
)
HIGH_IMPACT = "a) High-impact"
PRESUMED_NOT_HIGH_IMPACT = "b) Presumed high-impact, but determined not high impact"
NOT_HIGH_IMPACT = "c) Not high-impact"
SERVICE_DELIVERY = "Service Delivery"
TOPIC_OTHER = "Other"
AGENTIC = (
    "Agentic AI: AI systems that perform tasks or make decisions autonomously with minimal "
    "human intervention."
)
CLASSICAL_ML = (
    "Classical/Predictive Machine Learning: Models trained on data to make predictions or "
    "classifications based on identified patterns or relationships."
)
GENERATIVE = (
    "Generative AI: AI that generates new or synthetic content (e.g., images, videos, audio, "
    "text, code)."
)
NLP = "Natural Language Processing: AI that processes, interprets, and shares information in human language."  # noqa: E501
VENDOR_PURCHASED = "a) Purchased from a vendor"
IN_HOUSE = "b) Developed in-house"
BOTH = "c) Developed with both contracting and in-house resources"
PRACTICE_YES = "a) Yes"
PRACTICE_IN_PROGRESS = "b) In-progress"
REVIEW_BY_BOARD = (
    "b) Yes – by an agency AI oversight board not directly involved in the AI’s development"
)
REVIEW_IN_PROGRESS = "d) In-progress"
MONITORING_YES = "a) Yes, sufficient monitoring protocols have been established"
MONITORING_IN_PROGRESS = "b) Development of monitoring protocols is in-progess"  # sic, OMB's
APPEAL_YES = "a) Yes, an appropriate appeal process has been established"

# The valid selections of each multiple-choice column (the data dictionary's lists; a cell holds
# one of them or nothing). Only the ones this mapping can produce are needed to check it, but
# the whole lists are kept so a test can check every cell against OMB's own.
OMB_CHOICES: dict[str, tuple[str, ...]] = {
    "is_withheld": (
        WITHHELD_NO,
        "b) Yes – agency has determined that there’s a risk to disclosure, such as a harm to an "
        "interest protected by a FOIA exemption",
        "c) Yes – disclosure is prohibited by law",
        WITHHELD_OTHER,
    ),
    "development_stage": (PRE_DEPLOYMENT, PILOT, DEPLOYED, RETIRED),
    "is_high_impact": (HIGH_IMPACT, PRESUMED_NOT_HIGH_IMPACT, NOT_HIGH_IMPACT),
    "topic_area": (
        "Administrative Functions",
        "Cybersecurity",
        "Emergency Management",
        "Energy and the Environment",
        "Government Benefits Processing",
        "Health and Medical",
        "Human Resources",
        "Information Technology",
        "International Affairs",
        "Law Enforcement",
        TOPIC_OTHER,
        "Procurement and Financial Management",
        "Science",
        SERVICE_DELIVERY,
        "Transportation",
    ),  # fmt: skip
    "classification": (
        AGENTIC,
        CLASSICAL_ML,
        "Computer Vision: AI that processes and interprets visual data (e.g., images and videos).",
        GENERATIVE,
        NLP,
        "Reinforcement Learning: AI trained through trial and error using rewards and penalties "
        "to optimize decision-making policies.",
    ),
    "contracting_usage": (VENDOR_PURCHASED, IN_HOUSE, BOTH),
    "have_ato": (NO, YES),
    "has_pii": (NO, YES),
    "has_custom_code": (NO, YES),
    "hi_testing_conducted": (
        PRACTICE_YES,
        PRACTICE_IN_PROGRESS,
        "c) Agency CAIO has waived this minimum practice and reported such waiver to OMB",
    ),
    "hi_assessment_completed": (
        PRACTICE_YES,
        PRACTICE_IN_PROGRESS,
        "c) Agency CAIO has waived this minimum practice and reported such waiver to OMB",
    ),
    "hi_independent_review": (
        "a) Yes – by another appropriate agency office or reviewer not directly involved in the "
        "AI’s development",
        REVIEW_BY_BOARD,
        "c) Yes – by the CAIO",
        REVIEW_IN_PROGRESS,
        "e) Agency CAIO has waived this minimum practice and reported such waiver to OMB",
    ),
    "hi_ongoing_monitoring": (
        MONITORING_YES,
        MONITORING_IN_PROGRESS,
        "c) Agency CAIO has waived this minimum practice and reported such waiver to OMB",
    ),
    "hi_training_established": (
        "a) Yes, sufficient and periodic training has been established",
        "b) Establishment of sufficient and periodic training is in-progress",
        "c) Agency CAIO has waived this minimum practice and reported such waiver to OMB",
    ),
    "hi_failsafe_presence": (
        PRACTICE_YES,
        "b) Not applicable",
        "c) In-progress",
        "d) Agency CAIO has waived this minimum practice and reported such waiver to OMB",
    ),
    "hi_appeal_process": (
        APPEAL_YES,
        "b) Not applicable",
        "c) Establishment of an appropriate appeal process is in-progress",
        "d) Law, operational limitations, or governmentwide guidance precludes an opportunity "
        "for an individual to appeal",
        "e) Agency CAIO has waived this minimum practice and reported such waiver to OMB",
    ),
}

NOT_RECORDED = "empty: not recorded (a US federal notion)"

OMB_COLUMNS = (
    Target("agency", "Agency", "ORGANISATION_NAME"),
    Target("agency_name", "Agency name", "ORGANISATION_NAME"),
    Target("id", "Use Case ID", "the entry's reference (AI-0001)"),
    Target("use_case_name", "Use Case Name", "the use case's title"),
    Target("agency_bureau", "Bureau/Component", "the use case's team"),
    Target("contact_email", "Email Address", "the business owner's e-mail"),
    Target(
        "is_withheld",
        "Should this AI use case be withheld from public reporting?",
        "`d) Other` when the use case is confidential, `a) No` otherwise",
    ),
    Target(
        "development_stage",
        "Stage of Development",
        "stage: pilot → `b) Pilot`; production and suspended → `c) Deployed`; retired → "
        "`d) Retired`",
    ),
    Target(
        "is_high_impact",
        "Is the AI use case high-impact?",
        "`a) High-impact` when the EU AI Act class is high risk or the use case makes or "
        "materially influences decisions with legal or similarly significant effect "
        "(`significant_decisions`); `c) Not high-impact` otherwise",
    ),
    Target("HI_justification", "Justification", "empty: only for `b) Presumed high-impact`"),
    Target(
        "topic_area",
        "Use Case Topic Area",
        "`Service Delivery` when the functions include the contact centre or customer "
        "experience; `Other` otherwise",
    ),
    Target(
        "classification",
        "AI Classification",
        "from the capabilities, the first that applies: acts in other systems → Agentic AI; "
        "generative content or synthetic media → Generative AI; chatbot, voice agent, speech "
        "analytics, sentiment analysis or agent assist → Natural Language Processing; "
        "scoring, segmentation, personalisation, recommendation, dynamic pricing or emotion "
        "recognition → Classical/Predictive Machine Learning; empty otherwise",
    ),
    Target("problem_solved", "What problem is the AI intended to solve?", "business_problem"),
    Target(
        "benefits",
        "What are the expected benefits and positive outcomes from the AI for an agency’s "
        "mission and/or the general public?",
        "expected_benefits",
    ),
    Target("system_outputs", "Describe the AI system’s outputs.", "the use case's summary"),
    Target(
        "operational_date",
        "Date when AI use case became operational or the pilot’s start date",
        "go_live_date (YYYY-MM-DD)",
    ),
    Target(
        "contracting_usage",
        "Was the system involved in this use case purchased from a vendor or developed under "
        "contract(s) or in-house?",
        "model_provenance: built in house → `b) Developed in-house`; hosted by a vendor or a "
        "foundation model API → `a) Purchased from a vendor`; an open model we run → "
        "`c) Developed with both contracting and in-house resources`",
    ),
    Target(
        "vendor_name",
        "Vendor(s) Name",
        "the entry's vendor, when a vendor is involved (contracting_usage a or c)",
    ),
    Target(
        "have_ato",
        "Does this AI use case have an associated Authorization to Operate (ATO)?",
        NOT_RECORDED,
    ),
    Target("system_name_ato", "System(s) Name", NOT_RECORDED),
    Target(
        "data_description",
        "Describe any data used to train, fine-tune, and/or evaluate performance of the "
        "model(s) used in this use case.",
        "the entry's data categories, in words",
    ),
    Target(
        "link_to_data",
        "If the data is required to be publicly disclosed as an open government data asset, "
        "provide a link to the entry on the Federal Data Catalog.",
        NOT_RECORDED,
    ),
    Target(
        "has_pii",
        "Does this AI use case involve personally identifiable information (PII) that is "
        "maintained by the agency?",
        "`No` when the data categories are `none`, `Yes` when any other is given, empty when "
        "none is",
    ),
    Target(
        "pia_url",
        "If publicly available, provide the link to the AI use case’s associated Privacy "
        "Impact Assessment (PIA).",
        "empty: a DPIA is an attachment seen only by the council",
    ),
    Target(
        "demographic_features",
        "Which, if any, demographic variables does the AI use case explicitly use as model "
        "features?",
        "empty: not recorded",
    ),
    Target(
        "has_custom_code",
        "Does this project include custom-developed code?",
        "`Yes` when built in house; empty otherwise (not recorded)",
    ),
    Target(
        "code_url",
        "If the code is open source, provide the link for the publicly available source code.",
        "empty: not recorded",
    ),
    # The practices for high-impact use cases: filled for a high-impact entry in pilot or
    # production, empty for every other (OMB asks them only of those).
    Target(
        "hi_testing_conducted",
        "Has pre-deployment testing been conducted for this AI use case?",
        "`a) Yes` once the pilot's results were judged, `b) In-progress` before",
    ),
    Target(
        "hi_assessment_completed",
        "Has an AI impact assessment been completed for this AI use case?",
        "`a) Yes`: the council's review and decision; `b) In-progress` for an imported "
        "(legacy) entry the council has not reviewed",
    ),
    Target(
        "hi_potential_impacts",
        "What are the potential impacts of using the AI for this particular use case and how "
        "were they identified?",
        "the use case's risk reasons (the rules that set its tier, with their sources)",
    ),
    Target(
        "hi_independent_review",
        "Has an independent review of the AI use case been conducted?",
        "`b) Yes – by an agency AI oversight board…`: the council, on which members of the "
        "use case's own team do not review it; `d) In-progress` for an imported (legacy) "
        "entry",
    ),
    Target(
        "hi_ongoing_monitoring",
        "Is there a process to conduct ongoing monitoring to identify any adverse impacts?",
        "`a) Yes, sufficient monitoring protocols…` when monitoring KPIs are set, "
        "`b) Development of monitoring protocols is in-progess` otherwise",
    ),
    Target(
        "hi_training_established",
        "Has the agency established sufficient and periodic training for operators of the AI?",
        "empty: not recorded",
    ),
    Target(
        "hi_failsafe_presence",
        "Does this AI use case have an appropriate fail-safe that minimizes the risk of "
        "significant harm?",
        "`a) Yes` when the entry records its human oversight; empty otherwise",
    ),
    Target(
        "hi_appeal_process",
        "Is there an established appeal process in the event that an impacted individual would "
        "like to appeal or contest the AI system’s outcome?",
        "`a) Yes, an appropriate appeal process…` when the entry is on the public "
        "transparency pages, where anyone may contest a decision; empty otherwise",
    ),
    Target(
        "hi_public_consultation",
        "What steps has the agency taken to consult and incorporate feedback from end users of "
        "this AI use case and the public?",
        "empty: not recorded",
    ),
)
OMB_KEYS = tuple(target.key for target in OMB_COLUMNS)

_STAGE_OMB = {
    Stage.PILOT: PILOT,
    Stage.PRODUCTION: DEPLOYED,
    Stage.SUSPENDED: DEPLOYED,
    Stage.RETIRED: RETIRED,
}
_SERVICE_FUNCTIONS = {Function.CONTACT_CENTRE, Function.CUSTOMER_EXPERIENCE}
# The first classification whose capabilities the use case has.
_CLASSIFICATIONS = (
    (AGENTIC, {Capability.AGENTIC}),
    (GENERATIVE, {Capability.GENERATIVE_CONTENT, Capability.SYNTHETIC_MEDIA}),
    (
        NLP,
        {
            Capability.CHATBOT,
            Capability.VOICE_AGENT,
            Capability.SPEECH_ANALYTICS,
            Capability.SENTIMENT_ANALYSIS,
            Capability.AGENT_ASSIST,
        },
    ),
    (
        CLASSICAL_ML,
        {
            Capability.PREDICTIVE_SCORING,
            Capability.SEGMENTATION,
            Capability.PERSONALISATION,
            Capability.RECOMMENDATION,
            Capability.DYNAMIC_PRICING,
            Capability.EMOTION_RECOGNITION,
        },
    ),
)
_CONTRACTING = {
    ModelProvenance.IN_HOUSE: IN_HOUSE,
    ModelProvenance.VENDOR_HOSTED: VENDOR_PURCHASED,
    ModelProvenance.FOUNDATION_MODEL_API: VENDOR_PURCHASED,
    ModelProvenance.OPEN_MODEL: BOTH,
}


def is_high_impact(record: dict[str, Any]) -> bool:
    return record["uc_ai_act_class"] == AiActClass.HIGH_RISK or bool(
        record["uc_significant_decisions"]
    )


def _classification(capabilities: list[str]) -> str:
    for classification, among in _CLASSIFICATIONS:
        if among.intersection(capabilities):
            return classification
    return ""


def _has_pii(data_categories: list[str]) -> str:
    if not data_categories:
        return ""
    return NO if data_categories == [DataCategory.NONE] else YES


def _high_impact_practices(record: dict[str, Any]) -> dict[str, str]:
    legacy = record["legacy"]
    return {
        "hi_testing_conducted": (
            PRACTICE_YES if pilot_judged(record["pilot_results"]) else PRACTICE_IN_PROGRESS
        ),
        "hi_assessment_completed": PRACTICE_IN_PROGRESS if legacy else PRACTICE_YES,
        "hi_potential_impacts": _joined(record["uc_risk_reasons"] or []),
        "hi_independent_review": REVIEW_IN_PROGRESS if legacy else REVIEW_BY_BOARD,
        "hi_ongoing_monitoring": (
            MONITORING_YES if record["monitoring_kpis"].strip() else MONITORING_IN_PROGRESS
        ),
        "hi_failsafe_presence": PRACTICE_YES if record["human_oversight"].strip() else "",
        "hi_appeal_process": APPEAL_YES if record["on_pages"] else "",
    }


def omb_row(record: dict[str, Any], organisation: Organisation) -> dict[str, str]:
    """One entry as a row of the federal inventory: every column, in its order."""
    contracting = _CONTRACTING.get(record["uc_model_provenance"], "")
    row = dict.fromkeys(OMB_KEYS, "")
    row.update(
        agency=organisation.name,
        agency_name=organisation.name,
        id=record["reference"],
        use_case_name=record["uc_title"],
        agency_bureau=record["team_name"],
        contact_email=record["owner_email"],
        is_withheld=WITHHELD_OTHER if record["uc_confidential"] else WITHHELD_NO,
        development_stage=_STAGE_OMB[record["stage"]],
        is_high_impact=HIGH_IMPACT if is_high_impact(record) else NOT_HIGH_IMPACT,
        topic_area=(
            SERVICE_DELIVERY
            if _SERVICE_FUNCTIONS.intersection(record["uc_functions"] or [])
            else TOPIC_OTHER
        ),
        classification=_classification(record["uc_capabilities"] or []),
        problem_solved=record["uc_business_problem"],
        benefits=record["uc_expected_benefits"],
        system_outputs=record["uc_summary"],
        operational_date=record["go_live_date"].isoformat() if record["go_live_date"] else "",
        contracting_usage=contracting,
        vendor_name=record["vendor"] if contracting in (VENDOR_PURCHASED, BOTH) else "",
        data_description=_joined(choice_labels(record["data_categories"] or [], DataCategory)),
        has_pii=_has_pii(record["data_categories"] or []),
        has_custom_code=YES if record["uc_model_provenance"] == ModelProvenance.IN_HOUSE else "",
    )
    if is_high_impact(record) and record["stage"] in (Stage.PILOT, Stage.PRODUCTION):
        row.update(_high_impact_practices(record))
    return row


# --- EU database: EU AI Act Annex VIII ---------------------------------------------------------

ANNEX_VIII_A = (
    Target("1_provider", "1. Name, address and contact details of the provider",
           "ORGANISATION_NAME, ORGANISATION_ADDRESS, ORGANISATION_CONTACT"),
    Target("2_submitted_on_behalf_by",
           "2. Name, address and contact details of the person submitting on the provider's "
           "behalf", "null: the provider submits"),
    Target("3_authorised_representative",
           "3. Name, address and contact details of the authorised representative",
           "null: to be added by hand where the provider has one"),
    Target("4_trade_name_and_reference",
           "4. Trade name and any unambiguous reference allowing identification and "
           "traceability", "the entry's name, its reference, the use case's reference and the "
           "model version"),
    Target("5_intended_purpose",
           "5. Intended purpose, and the components and functions the system supports",
           "the use case's summary, and its capabilities in words"),
    Target("6_data_and_operating_logic",
           "6. Information used by the system (data, inputs) and its operating logic",
           "the entry's data categories in words, and the automation level and human oversight"),
    Target("7_status", "7. Status (on the market, in service; no longer placed on the "
           "market/in service; recalled)",
           "pilot and production → `in service`; suspended and retired → `no longer in "
           "service`"),
    Target("8_certificate", "8. Type, number and expiry date of the notified body's "
           "certificate, and the notified body", "null: not recorded, to be added by hand"),
    Target("9_certificate_copy", "9. Scanned copy of that certificate",
           "null: not recorded, to be attached by hand"),
    Target("10_member_states", "10. Member States where the system is placed on the market, "
           "put into service or made available", "the entry's markets that are member states "
           "(`EU` stands for all 27), as ISO 3166 codes"),
    Target("11_eu_declaration_of_conformity", "11. Copy of the EU declaration of conformity "
           "(Art. 47)", "null: not recorded, to be attached by hand"),
    Target("12_instructions_for_use", "12. Electronic instructions for use",
           "null: not recorded, to be attached by hand"),
    Target("13_more_information_url", "13. URL for additional information (optional)",
           "the entry's public transparency page, when it is on the public pages; null "
           "otherwise"),
)  # fmt: skip
IN_SERVICE = "in service"
NO_LONGER_IN_SERVICE = "no longer in service"
_STATUS = {
    Stage.PILOT: IN_SERVICE,
    Stage.PRODUCTION: IN_SERVICE,
    Stage.SUSPENDED: NO_LONGER_IN_SERVICE,
    Stage.RETIRED: NO_LONGER_IN_SERVICE,
}


ANNEX_VIII_B = (
    *ANNEX_VIII_A[:4],
    Target("5_intended_purpose", "5. Intended purpose", "the use case's summary"),
    Target("6_art_6_3_conditions", "6. The condition or conditions under Art. 6(3) on which the "
           "system is considered not high-risk", "the use case's `art_6_3_conditions`, one "
           "line each, as `Art. 6(3)(a): it performs a narrow procedural task`"),
    Target("7_grounds", "7. Short summary of the grounds on which the system is considered not "
           "high-risk", "the use case's `art_6_3_grounds`"),
    Target("8_status", "8. Status (on the market, in service; no longer placed on the "
           "market/in service; recalled)", ANNEX_VIII_A[6].source),
    Target("9_member_states", "9. Member States where the system is placed on the market, put "
           "into service or made available", ANNEX_VIII_A[9].source),
)  # fmt: skip

# The entries a provider registers in the EU database: a high-risk system (Art. 49(1), Section
# A), or one of Annex III concluded not high-risk under Art. 6(3) (Art. 49(2), Section B: the
# conclusion stands only where the class it gives is not high-risk). On a registry entry.
EU_REGISTRATION = Q(use_case__operator_role=OperatorRole.PROVIDER) & (
    Q(use_case__ai_act_class=AiActClass.HIGH_RISK)
    | (
        Q(use_case__ai_act_class__in=[AiActClass.TRANSPARENCY, AiActClass.MINIMAL])
        & ~Q(use_case__art_6_3_conditions=[])
    )
)


def member_states(markets: list[str] | None) -> list[str]:
    """The markets that are EU member states, `EU` standing for all of them; sorted."""
    codes = set(markets or [])
    return sorted(EU_MEMBER_STATES if EU in codes else codes & EU_MEMBER_STATES)


def public_page(reference: str, organisation: Organisation) -> str:
    return f"{organisation.site}/transparency/{reference}/"


def eu_db_record(record: dict[str, Any], organisation: Organisation) -> dict[str, Any]:
    """One entry as its Annex VIII record: the section (A for a high-risk system, B for one
    concluded not high-risk under Art. 6(3)), the entry, and the section's items."""
    high_risk = record["uc_ai_act_class"] == AiActClass.HIGH_RISK
    items = _section_a(record, organisation) if high_risk else _section_b(record, organisation)
    return {
        "annex_viii_section": "A" if high_risk else "B",
        "reference": record["reference"],
        "items": items,
    }


def _identity(record: dict[str, Any], organisation: Organisation) -> dict[str, Any]:
    """Items 1 to 4 of either section: who provides the system and which system it is."""
    return {
        "1_provider": {
            "name": organisation.name,
            "address": organisation.address,
            "contact": organisation.contact,
        },
        "2_submitted_on_behalf_by": None,
        "3_authorised_representative": None,
        "4_trade_name_and_reference": {
            "trade_name": record["name"],
            "reference": record["reference"],
            "use_case": record["uc_reference"],
            "model_version": record["model_version"],
        },
    }


def _section_a(record: dict[str, Any], organisation: Organisation) -> dict[str, Any]:
    return {
        **_identity(record, organisation),
        "5_intended_purpose": {
            "purpose": record["uc_summary"],
            "functions": choice_labels(record["uc_capabilities"] or [], Capability),
        },
        "6_data_and_operating_logic": {
            "data": choice_labels(record["data_categories"] or [], DataCategory),
            "automation_level": AUTOMATION_LABELS.get(
                record["uc_automation_level"], record["uc_automation_level"]
            ),
            "human_oversight": record["human_oversight"],
        },
        "7_status": _STATUS[record["stage"]],
        "8_certificate": None,
        "9_certificate_copy": None,
        "10_member_states": member_states(record["markets"]),
        "11_eu_declaration_of_conformity": None,
        "12_instructions_for_use": None,
        "13_more_information_url": (
            public_page(record["reference"], organisation) if record["on_pages"] else None
        ),
    }


def _section_b(record: dict[str, Any], organisation: Organisation) -> dict[str, Any]:
    return {
        **_identity(record, organisation),
        "5_intended_purpose": record["uc_summary"],
        "6_art_6_3_conditions": [
            art_6_3_condition(value) for value in record["uc_art_6_3_conditions"] or []
        ],
        "7_grounds": record["uc_art_6_3_grounds"],
        "8_status": _STATUS[record["stage"]],
        "9_member_states": member_states(record["markets"]),
    }


def art_6_3_condition(value: str) -> str:
    """'Art. 6(3)(a): it performs a narrow procedural task', from the stored condition."""
    point, words = art_6_3_point(value)
    return f"Art. 6(3)({point}): it {words}"
