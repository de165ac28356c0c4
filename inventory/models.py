"""The shared inventory: vendors (their assessment answered once), their models and the
models' versions (SPEC section 11). Who may change what is in `selectors.py`, every write in
`services.py`."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from common.limits import NAME_MAX

from .choices import DataResidency, ModelType, TrainsOnOurData

User = settings.AUTH_USER_MODEL


class Vendor(models.Model):
    """A supplier of AI, assessed once for every team that uses its models."""

    name = models.CharField(max_length=NAME_MAX)
    website = models.URLField(blank=True)
    owner = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who keeps the assessment current.",
    )
    # The assessment.
    dpa_signed = models.BooleanField("Data processing agreement signed", default=False)
    dpa_signed_on = models.DateField("DPA signed on", null=True, blank=True)
    sub_processors = models.JSONField(default=list, blank=True, help_text="Their names.")
    data_residency = models.CharField(max_length=16, choices=DataResidency.choices, blank=True)
    data_residency_detail = models.CharField(max_length=NAME_MAX, blank=True)
    trains_on_our_data = models.CharField(
        max_length=24, choices=TrainsOnOurData.choices, default=TrainsOnOurData.UNKNOWN
    )
    certifications = models.JSONField(default=list, blank=True)
    security_review = models.TextField(blank=True)
    security_reviewed_on = models.DateField(null=True, blank=True)
    assessed_on = models.DateField(null=True, blank=True)
    next_assessment_due = models.DateField(null=True, blank=True)
    lapse_reviews_opened = models.BooleanField(
        default=False,
        editable=False,
        help_text="The lapse of its assessment has opened change reviews of the entries on its "
        "models; cleared when the assessment is renewed.",
    )
    version = models.PositiveIntegerField(
        default=1,
        help_text="Counts the saves: an edit based on an older version is refused (its ETag).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # "OpenAI" and "openai" are one vendor: its assessment is answered once.
            models.UniqueConstraint(Lower("name"), name="vendor_name_unique_any_case"),
        ]

    def __str__(self) -> str:
        return self.name


class AiModel(models.Model):
    """A model of a vendor (or built in-house: no vendor), used by one or more teams."""

    vendor = models.ForeignKey(
        Vendor,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="models",
        help_text="Empty for a model built in-house.",
    )
    name = models.CharField(max_length=NAME_MAX)
    model_type = models.CharField("Type", max_length=24, choices=ModelType.choices)
    general_purpose = models.BooleanField(
        "General-purpose AI model",
        default=False,
        help_text="A general-purpose AI model in the sense of the EU AI Act, Art. 3(63).",
    )
    model_card_url = models.URLField("Model card", blank=True)
    proposed = models.BooleanField(
        default=False, help_text="Proposed by a team; the council has not confirmed it yet."
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "model"
        constraints = [
            # One name per vendor, in any case; in-house models (no vendor) share one namespace.
            models.UniqueConstraint(
                "vendor",
                Lower("name"),
                condition=Q(vendor__isnull=False),
                name="model_name_unique_per_vendor",
            ),
            models.UniqueConstraint(
                Lower("name"), condition=Q(vendor__isnull=True), name="model_name_unique_in_house"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor.name} {self.name}" if self.vendor else f"{self.name} (in-house)"


class ModelVersion(models.Model):
    """One version of a model; a new one is what later opens the change reviews of the
    deployments that use the model (SPEC section 11)."""

    model = models.ForeignKey(AiModel, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(max_length=NAME_MAX)
    notes = models.TextField(blank=True)
    released_on = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    proposed = models.BooleanField(
        default=False, help_text="Proposed by a team; the council has not confirmed it yet."
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                "model", Lower("version"), name="model_version_unique_per_model"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model.name} {self.version}"
