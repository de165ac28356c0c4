"""Enumerations of SPEC section 3: the stored value is the lower-case word."""

from django.db import models
from django.utils.translation import gettext_noop


class State(models.TextChoices):
    DRAFT = "draft", gettext_noop("Draft")
    SUBMITTED = "submitted", gettext_noop("Submitted")
    IN_REVIEW = "in_review", gettext_noop("In review")
    CHANGES_REQUESTED = "changes_requested", gettext_noop("Changes requested")
    APPROVED = "approved", gettext_noop("Approved")
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", gettext_noop("Approved with conditions")
    REJECTED = "rejected", gettext_noop("Rejected")
    WITHDRAWN = "withdrawn", gettext_noop("Withdrawn")
    DEPLOYED = "deployed", gettext_noop("Deployed")
    RETIRED = "retired", gettext_noop("Retired")


class RiskTier(models.TextChoices):
    PROHIBITED = "prohibited", gettext_noop("Prohibited")
    HIGH = "high", gettext_noop("High")
    LIMITED = "limited", gettext_noop("Limited")
    MINIMAL = "minimal", gettext_noop("Minimal")


class Function(models.TextChoices):
    MARKETING = "marketing", gettext_noop("Marketing")
    CONTACT_CENTRE = "contact_centre", gettext_noop("Contact centre")
    CUSTOMER_EXPERIENCE = "customer_experience", gettext_noop("Customer experience")
    SALES = "sales", gettext_noop("Sales")
    OTHER = "other", gettext_noop("Other")


class JourneyStage(models.TextChoices):
    AWARENESS = "awareness", gettext_noop("Awareness")
    ACQUISITION = "acquisition", gettext_noop("Acquisition")
    ONBOARDING = "onboarding", gettext_noop("Onboarding")
    PURCHASE = "purchase", gettext_noop("Purchase")
    SERVICE = "service", gettext_noop("Service")
    RETENTION = "retention", gettext_noop("Retention")
    POST_PURCHASE = "post_purchase", gettext_noop("Post-purchase")


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
    GENERATIVE_CONTENT = "generative_content", gettext_noop("Generative content")
    PERSONALISATION = "personalisation", gettext_noop("Personalisation")
    RECOMMENDATION = "recommendation", gettext_noop("Recommendation")
    PREDICTIVE_SCORING = "predictive_scoring", gettext_noop("Predictive scoring")
    SEGMENTATION = "segmentation", gettext_noop("Segmentation")
    CHATBOT = "chatbot", gettext_noop("Chatbot")
    VOICE_AGENT = "voice_agent", gettext_noop("Voice agent")
    SPEECH_ANALYTICS = "speech_analytics", gettext_noop("Speech analytics")
    SENTIMENT_ANALYSIS = "sentiment_analysis", gettext_noop("Sentiment analysis")
    AGENT_ASSIST = "agent_assist", gettext_noop("Agent assist")
    DYNAMIC_PRICING = "dynamic_pricing", gettext_noop("Dynamic pricing")
    EMOTION_RECOGNITION = (
        "emotion_recognition",
        gettext_noop("Emotion recognition (voice, face, typing rhythm)"),
    )
    SYNTHETIC_MEDIA = "synthetic_media", gettext_noop("Realistic synthetic images, audio or video")
    AGENTIC = "agentic", gettext_noop("Acts in other systems on its own")
    OTHER = "other", gettext_noop("Other")


class ModelProvenance(models.TextChoices):
    IN_HOUSE = "in_house", gettext_noop("Built in house")
    VENDOR_HOSTED = "vendor_hosted", gettext_noop("Hosted by a vendor")
    OPEN_MODEL = "open_model", gettext_noop("Open model we run")
    FOUNDATION_MODEL_API = "foundation_model_api", gettext_noop("Foundation model API")


class AutomationLevel(models.TextChoices):
    HUMAN_IN_THE_LOOP = (
        "human_in_the_loop",
        gettext_noop("Human in the loop (a person approves each output)"),
    )
    HUMAN_ON_THE_LOOP = (
        "human_on_the_loop",
        gettext_noop("Human on the loop (a person monitors and can intervene)"),
    )
    FULLY_AUTOMATED = "fully_automated", gettext_noop("Fully automated")


class DataCategory(models.TextChoices):
    CONTACT_DETAILS = "contact_details", gettext_noop("Contact details")
    BEHAVIOURAL = "behavioural", gettext_noop("Behavioural (clicks, browsing, usage)")
    TRANSACTIONAL = "transactional", gettext_noop("Transactional (orders, payments)")
    VOICE_RECORDINGS = "voice_recordings", gettext_noop("Voice recordings")
    CHAT_TRANSCRIPTS = "chat_transcripts", gettext_noop("Chat transcripts")
    BIOMETRIC = "biometric", gettext_noop("Biometric")
    SPECIAL_CATEGORY = (
        "special_category",
        gettext_noop("Special category (health, ethnicity, religion …)"),
    )
    CHILDREN = "children", gettext_noop("Children's data")
    LOCATION = "location", gettext_noop("Location")
    NONE = "none", gettext_noop("No personal data")


class AffectedPeople(models.TextChoices):
    CUSTOMERS = "customers", gettext_noop("Customers")
    PROSPECTS = "prospects", gettext_noop("Prospects")
    EMPLOYEES = "employees", gettext_noop("Employees")
    AGENTS = "agents", gettext_noop("Contact-centre agents")
    PUBLIC = "public", gettext_noop("The public")


class AiActClass(models.TextChoices):
    """The EU AI Act's own classification (SPEC section 3), kept apart from the internal tier."""

    PROHIBITED = "prohibited", gettext_noop("Prohibited practice")
    HIGH_RISK = "high_risk", gettext_noop("High risk")
    TRANSPARENCY = "transparency", gettext_noop("Transparency duties")
    MINIMAL = "minimal", gettext_noop("Minimal risk")
    OUT_OF_SCOPE = "out_of_scope", gettext_noop("Out of the EU AI Act's scope")


class OperatorRole(models.TextChoices):
    DEPLOYER = "deployer", gettext_noop("Deployer: we use a system under our authority")
    PROVIDER = (
        "provider",
        (
            gettext_noop(
                "Provider: we build it, put our name or trademark on it, or substantially modify it"
            )
        ),
    )


class SensitivePurpose(models.TextChoices):
    CREDITWORTHINESS = (
        "creditworthiness",
        gettext_noop("Creditworthiness or credit scoring (not fraud detection)"),
    )
    INSURANCE_PRICING = (
        "insurance_pricing",
        gettext_noop("Risk assessment or pricing of life or health insurance"),
    )
    RECRUITMENT = (
        "recruitment",
        gettext_noop("Recruitment: targeted job adverts, screening or evaluating candidates"),
    )
    WORKER_MANAGEMENT = (
        "worker_management",
        (
            gettext_noop(
                "Managing staff: terms of work, promotion or termination, allocating tasks by behaviour "
                "or traits, monitoring or evaluating performance"
            )
        ),
    )
    EMERGENCY_TRIAGE = (
        "emergency_triage",
        gettext_noop("Evaluating or classifying emergency calls, dispatch priority"),
    )
    PUBLIC_INFORMATION = (
        "public_information",
        (gettext_noop("Text published to inform the public on matters of public interest")),
    )


class PeopleAffected(models.TextChoices):
    UNDER_1K = "under_1k", gettext_noop("Fewer than 1,000 people")
    FROM_1K_TO_100K = "1k_100k", gettext_noop("1,000 to 100,000 people")
    OVER_100K = "over_100k", gettext_noop("More than 100,000 people")


class BiometricUse(models.TextChoices):
    VERIFICATION = (
        "verification",
        gettext_noop("Verification: confirms a claimed identity (e.g. voice login)"),
    )
    IDENTIFICATION = (
        "identification",
        gettext_noop("Identification: finds who someone is among many"),
    )
    CATEGORISATION = (
        "categorisation",
        (
            gettext_noop(
                "Categorisation: sorts people into groups by traits inferred from it (e.g. age, sex)"
            )
        ),
    )


class Art63Condition(models.TextChoices):
    """EU AI Act Art. 6(3), second subparagraph: the conditions under which a system of Annex III
    is not high-risk (the labels follow the Act's words)."""

    NARROW_PROCEDURAL_TASK = (
        "narrow_procedural_task",
        gettext_noop("(a) It performs a narrow procedural task"),
    )
    IMPROVES_HUMAN_ACTIVITY = (
        "improves_human_activity",
        gettext_noop("(b) It improves the result of a previously completed human activity"),
    )
    DETECTS_PATTERNS = (
        "detects_patterns",
        gettext_noop(
            "(c) It detects decision-making patterns or deviations from prior patterns, and is not "
            "meant to replace or influence the completed human assessment without proper human review"
        ),
    )
    PREPARATORY_TASK = (
        "preparatory_task",
        gettext_noop(
            "(d) It performs a preparatory task to an assessment relevant to an Annex III use case"
        ),
    )


def art_6_3_point(value: str) -> tuple[str, str]:
    """A condition's point of Art. 6(3) and its words: ('a', 'performs a narrow procedural task')."""
    point, _, words = Art63Condition(value).label.partition(") It ")
    return point.removeprefix("("), words


class AttachmentKind(models.TextChoices):
    DPIA = "dpia", gettext_noop("DPIA")
    VENDOR_DOCUMENTATION = "vendor_documentation", gettext_noop("Vendor documentation")
    TEST_RESULTS = "test_results", gettext_noop("Test results")
    OTHER = "other", gettext_noop("Other")


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
