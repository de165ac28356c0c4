"""Enumerations of SPEC section 3: the stored value is the lower-case word."""

from django.db import models
from django.utils.translation import gettext_noop


class State(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", "Approved with conditions"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    DEPLOYED = "deployed", "Deployed"
    RETIRED = "retired", "Retired"


class RiskTier(models.TextChoices):
    PROHIBITED = "prohibited", "Prohibited"
    HIGH = "high", "High"
    LIMITED = "limited", "Limited"
    MINIMAL = "minimal", "Minimal"


class Function(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    CONTACT_CENTRE = "contact_centre", "Contact centre"
    CUSTOMER_EXPERIENCE = "customer_experience", "Customer experience"
    SALES = "sales", "Sales"
    OTHER = "other", "Other"


class JourneyStage(models.TextChoices):
    AWARENESS = "awareness", "Awareness"
    ACQUISITION = "acquisition", "Acquisition"
    ONBOARDING = "onboarding", "Onboarding"
    PURCHASE = "purchase", "Purchase"
    SERVICE = "service", "Service"
    RETENTION = "retention", "Retention"
    POST_PURCHASE = "post_purchase", "Post-purchase"


class Channel(models.TextChoices):
    # The labels are in the catalogue (gettext_noop): the public pages show them translated.
    EMAIL = "email", gettext_noop("E-mail")
    WEB = "web", gettext_noop("Web")
    MOBILE_APP = "mobile_app", gettext_noop("Mobile app")
    SOCIAL = "social", gettext_noop("Social media")
    PAID_MEDIA = "paid_media", gettext_noop("Paid media")
    CHAT = "chat", gettext_noop("Chat")
    VOICE_IVR = "voice_ivr", gettext_noop("Voice / IVR")
    AGENT_ASSIST = "agent_assist", gettext_noop("Agent assist")
    IN_STORE = "in_store", gettext_noop("In store")
    OTHER = "other", gettext_noop("Other")


class Capability(models.TextChoices):
    GENERATIVE_CONTENT = "generative_content", "Generative content"
    PERSONALISATION = "personalisation", "Personalisation"
    RECOMMENDATION = "recommendation", "Recommendation"
    PREDICTIVE_SCORING = "predictive_scoring", "Predictive scoring"
    SEGMENTATION = "segmentation", "Segmentation"
    CHATBOT = "chatbot", "Chatbot"
    VOICE_AGENT = "voice_agent", "Voice agent"
    SPEECH_ANALYTICS = "speech_analytics", "Speech analytics"
    SENTIMENT_ANALYSIS = "sentiment_analysis", "Sentiment analysis"
    AGENT_ASSIST = "agent_assist", "Agent assist"
    DYNAMIC_PRICING = "dynamic_pricing", "Dynamic pricing"
    EMOTION_RECOGNITION = "emotion_recognition", "Emotion recognition (voice, face, typing rhythm)"
    SYNTHETIC_MEDIA = "synthetic_media", "Realistic synthetic images, audio or video"
    AGENTIC = "agentic", "Acts in other systems on its own"
    OTHER = "other", "Other"


class ModelProvenance(models.TextChoices):
    IN_HOUSE = "in_house", "Built in house"
    VENDOR_HOSTED = "vendor_hosted", "Hosted by a vendor"
    OPEN_MODEL = "open_model", "Open model we run"
    FOUNDATION_MODEL_API = "foundation_model_api", "Foundation model API"


class AutomationLevel(models.TextChoices):
    HUMAN_IN_THE_LOOP = "human_in_the_loop", "Human in the loop (a person approves each output)"
    HUMAN_ON_THE_LOOP = (
        "human_on_the_loop",
        "Human on the loop (a person monitors and can intervene)",
    )
    FULLY_AUTOMATED = "fully_automated", "Fully automated"


class DataCategory(models.TextChoices):
    CONTACT_DETAILS = "contact_details", "Contact details"
    BEHAVIOURAL = "behavioural", "Behavioural (clicks, browsing, usage)"
    TRANSACTIONAL = "transactional", "Transactional (orders, payments)"
    VOICE_RECORDINGS = "voice_recordings", "Voice recordings"
    CHAT_TRANSCRIPTS = "chat_transcripts", "Chat transcripts"
    BIOMETRIC = "biometric", "Biometric"
    SPECIAL_CATEGORY = "special_category", "Special category (health, ethnicity, religion …)"
    CHILDREN = "children", "Children's data"
    LOCATION = "location", "Location"
    NONE = "none", "No personal data"


class AffectedPeople(models.TextChoices):
    CUSTOMERS = "customers", "Customers"
    PROSPECTS = "prospects", "Prospects"
    EMPLOYEES = "employees", "Employees"
    AGENTS = "agents", "Contact-centre agents"
    PUBLIC = "public", "The public"


class AiActClass(models.TextChoices):
    """The EU AI Act's own classification (SPEC section 3), kept apart from the internal tier."""

    PROHIBITED = "prohibited", "Prohibited practice"
    HIGH_RISK = "high_risk", "High risk"
    TRANSPARENCY = "transparency", "Transparency duties"
    MINIMAL = "minimal", "Minimal risk"
    OUT_OF_SCOPE = "out_of_scope", "Out of the EU AI Act's scope"


class OperatorRole(models.TextChoices):
    DEPLOYER = "deployer", "Deployer: we use a system under our authority"
    PROVIDER = (
        "provider",
        ("Provider: we build it, put our name or trademark on it, or substantially modify it"),
    )


class SensitivePurpose(models.TextChoices):
    CREDITWORTHINESS = (
        "creditworthiness",
        "Creditworthiness or credit scoring (not fraud detection)",
    )
    INSURANCE_PRICING = (
        "insurance_pricing",
        "Risk assessment or pricing of life or health insurance",
    )
    RECRUITMENT = (
        "recruitment",
        "Recruitment: targeted job adverts, screening or evaluating candidates",
    )
    WORKER_MANAGEMENT = (
        "worker_management",
        (
            "Managing staff: terms of work, promotion or termination, allocating tasks by behaviour "
            "or traits, monitoring or evaluating performance"
        ),
    )
    EMERGENCY_TRIAGE = (
        "emergency_triage",
        "Evaluating or classifying emergency calls, dispatch priority",
    )
    PUBLIC_INFORMATION = (
        "public_information",
        ("Text published to inform the public on matters of public interest"),
    )


class PeopleAffected(models.TextChoices):
    UNDER_1K = "under_1k", "Fewer than 1,000 people"
    FROM_1K_TO_100K = "1k_100k", "1,000 to 100,000 people"
    OVER_100K = "over_100k", "More than 100,000 people"


class BiometricUse(models.TextChoices):
    VERIFICATION = "verification", "Verification: confirms a claimed identity (e.g. voice login)"
    IDENTIFICATION = "identification", "Identification: finds who someone is among many"
    CATEGORISATION = (
        "categorisation",
        ("Categorisation: sorts people into groups by traits inferred from it (e.g. age, sex)"),
    )


class Art63Condition(models.TextChoices):
    """EU AI Act Art. 6(3), second subparagraph: the conditions under which a system of Annex III
    is not high-risk (the labels follow the Act's words)."""

    NARROW_PROCEDURAL_TASK = "narrow_procedural_task", "(a) It performs a narrow procedural task"
    IMPROVES_HUMAN_ACTIVITY = (
        "improves_human_activity",
        "(b) It improves the result of a previously completed human activity",
    )
    DETECTS_PATTERNS = (
        "detects_patterns",
        "(c) It detects decision-making patterns or deviations from prior patterns, and is not "
        "meant to replace or influence the completed human assessment without proper human review",
    )
    PREPARATORY_TASK = (
        "preparatory_task",
        "(d) It performs a preparatory task to an assessment relevant to an Annex III use case",
    )


class AttachmentKind(models.TextChoices):
    DPIA = "dpia", "DPIA"
    VENDOR_DOCUMENTATION = "vendor_documentation", "Vendor documentation"
    TEST_RESULTS = "test_results", "Test results"
    OTHER = "other", "Other"


# Multi-valued answers and the enumeration each draws from.
LIST_FIELDS = {
    "functions": Function,
    "journey_stages": JourneyStage,
    "channels": Channel,
    "capabilities": Capability,
    "data_categories": DataCategory,
    "affected_people": AffectedPeople,
    "sensitive_purposes": SensitivePurpose,
    "biometric_use": BiometricUse,
    "art_6_3_conditions": Art63Condition,
}

# Single-choice answers and their enumeration.
SINGLE_CHOICE_FIELDS = {
    "model_provenance": ModelProvenance,
    "automation_level": AutomationLevel,
    "operator_role": OperatorRole,
    "people_affected": PeopleAffected,
}

PROHIBITED_PRACTICE_FIELDS = (
    "manipulative_techniques",
    "exploits_vulnerabilities",
    "social_scoring",
    "workplace_emotion_recognition",
    "biometric_categorisation_sensitive",
)


# Market codes as customers read them; anything else is shown as it was entered.
MARKET_NAMES = {
    "GB": "United Kingdom", "UK": "United Kingdom", "IE": "Ireland", "DE": "Germany",
    "FR": "France", "ES": "Spain", "IT": "Italy", "NL": "the Netherlands", "BE": "Belgium",
    "AT": "Austria", "CH": "Switzerland", "PT": "Portugal", "PL": "Poland", "SE": "Sweden",
    "DK": "Denmark", "NO": "Norway", "FI": "Finland", "US": "the United States",
    "CA": "Canada", "EU": "the European Union",
}  # fmt: skip
