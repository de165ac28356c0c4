"""The answers of a vendor's assessment and the kinds of model (SPEC section 11)."""

from django.db import models


class DataResidency(models.TextChoices):
    EU_EEA = "eu_eea", "EU / EEA"
    UK = "uk", "United Kingdom"
    US = "us", "United States"
    OTHER = "other", "Other (say where)"


class TrainsOnOurData(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    OPT_OUT_AVAILABLE = "opt_out_available", "Yes, unless we opt out"
    UNKNOWN = "unknown", "Unknown"


class Certification(models.TextChoices):
    ISO_27001 = "iso_27001", "ISO/IEC 27001"
    SOC2_TYPE_II = "soc2_type_ii", "SOC 2 Type II"
    ISO_42001 = "iso_42001", "ISO/IEC 42001"
    ISO_27701 = "iso_27701", "ISO/IEC 27701"
    OTHER = "other", "Other"


class ModelType(models.TextChoices):
    LLM = "llm", "LLM / foundation model"
    SPEECH_TO_TEXT = "speech_to_text", "Speech to text"
    TEXT_TO_SPEECH = "text_to_speech", "Text to speech"
    CLASSIFIER = "classifier", "Classifier / scoring"
    RECOMMENDER = "recommender", "Recommender"
    COMPUTER_VISION = "computer_vision", "Computer vision"
    OTHER = "other", "Other"
