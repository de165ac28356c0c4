"""The answers of a vendor's assessment and the kinds of model (SPEC section 11)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataResidency(models.TextChoices):
    EU_EEA = "eu_eea", _("EU / EEA")
    UK = "uk", _("United Kingdom")
    US = "us", _("United States")
    OTHER = "other", _("Other (say where)")


class TrainsOnOurData(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    OPT_OUT_AVAILABLE = "opt_out_available", _("Yes, unless we opt out")
    UNKNOWN = "unknown", _("Unknown")


class Certification(models.TextChoices):
    ISO_27001 = "iso_27001", _("ISO/IEC 27001")
    SOC2_TYPE_II = "soc2_type_ii", _("SOC 2 Type II")
    ISO_42001 = "iso_42001", _("ISO/IEC 42001")
    ISO_27701 = "iso_27701", _("ISO/IEC 27701")
    OTHER = "other", _("Other")


class ModelType(models.TextChoices):
    LLM = "llm", _("LLM / foundation model")
    SPEECH_TO_TEXT = "speech_to_text", _("Speech to text")
    TEXT_TO_SPEECH = "text_to_speech", _("Text to speech")
    CLASSIFIER = "classifier", _("Classifier / scoring")
    RECOMMENDER = "recommender", _("Recommender")
    COMPUTER_VISION = "computer_vision", _("Computer vision")
    OTHER = "other", _("Other")
