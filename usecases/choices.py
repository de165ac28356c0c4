"""Enumerations of SPEC section 3: the stored value is the lower-case word."""

from django.db import models


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
    EMAIL = "email", "E-mail"
    WEB = "web", "Web"
    MOBILE_APP = "mobile_app", "Mobile app"
    SOCIAL = "social", "Social media"
    PAID_MEDIA = "paid_media", "Paid media"
    CHAT = "chat", "Chat"
    VOICE_IVR = "voice_ivr", "Voice / IVR"
    AGENT_ASSIST = "agent_assist", "Agent assist"
    IN_STORE = "in_store", "In store"
    OTHER = "other", "Other"


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
}

PROHIBITED_PRACTICE_FIELDS = (
    "manipulative_techniques",
    "exploits_vulnerabilities",
    "social_scoring",
    "workplace_emotion_recognition",
    "biometric_categorisation_sensitive",
)
