from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from council.models import choice_labels
from reviews.models import Review
from usecases.choices import Channel, DataCategory, RiskTier
from usecases.models import UseCase

User = settings.AUTH_USER_MODEL


# In the catalogue (gettext_noop) but plain text, not lazy: oversight's exports write these labels
# into rows that are hashed as JSON.
class Stage(models.TextChoices):
    PILOT = "pilot", gettext_noop("Pilot")
    PRODUCTION = "production", gettext_noop("Production")
    SUSPENDED = "suspended", gettext_noop("Suspended")
    RETIRED = "retired", gettext_noop("Retired")


# Plain text too (gettext_noop): oversight's exports write these labels, like Stage's.
class PilotJudgement(models.TextChoices):
    MET = "met", gettext_noop("Success criteria met")
    PARTLY_MET = "partly_met", gettext_noop("Partly met")
    NOT_MET = "not_met", gettext_noop("Not met")


class Deployment(models.Model):
    """A registry entry: one AI tool running for customers or staff (SPEC section 6)."""

    reference = models.CharField(max_length=16, unique=True, editable=False)
    use_case = models.ForeignKey(UseCase, on_delete=models.PROTECT, related_name="deployments")
    approval = models.ForeignKey(
        Review,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deployments",
        help_text="The council's decision the entry rests on; empty for an imported (legacy) "
        "entry until the council decides its first review.",
    )
    name = models.CharField(max_length=200)
    vendor = models.CharField(max_length=200, blank=True)
    model_version = models.CharField(max_length=200)
    model_versions = models.ManyToManyField(
        "inventory.ModelVersion",
        blank=True,
        related_name="deployments",
        help_text="The versions of the inventory's models the entry runs on: a new version of "
        "one of their models opens its change review.",
    )
    channels = models.JSONField(default=list)
    markets = models.JSONField(default=list, help_text="Countries or regions, e.g. GB, IE, DE.")
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.PILOT)
    requested_stage = models.CharField(
        max_length=16,
        choices=Stage.choices,
        blank=True,
        help_text="A move waiting for the council's approval (a high-tier entry going to "
        "production); empty when none is.",
    )
    go_live_date = models.DateField(null=True, blank=True)
    pilot_results = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="The pilot's results as judged when production was requested or made: "
        "judgement, summary, who and when, and each KPI against its target.",
    )
    business_owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    technical_owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    risk_tier = models.CharField(max_length=16, choices=RiskTier.choices)
    human_oversight = models.TextField()
    customer_disclosure = models.TextField(blank=True)
    data_categories = models.JSONField(default=list)
    monitoring_kpis = models.TextField()
    last_review_date = models.DateField(
        null=True, blank=True, help_text="Empty: the council has not reviewed it yet (legacy)."
    )
    next_review_due = models.DateField()
    published = models.BooleanField(
        default=False,
        help_text="Shown on the public transparency page, once the council approved its wording.",
    )
    # The public wording: the team writes it with the entry; the chair approves it for the
    # council, which copies it to the *_approved fields. Only those ever reach the public pages.
    public_name = models.CharField(max_length=200, blank=True)
    public_description = models.TextField(blank=True)
    public_name_approved = models.CharField(max_length=200, blank=True, editable=False)
    public_description_approved = models.TextField(blank=True, editable=False)
    public_wording_approved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    public_wording_approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    legacy = models.BooleanField(
        default=False,
        editable=False,
        help_text="Imported from an existing inventory: in service before the council reviewed it.",
    )
    import_key = models.CharField(
        max_length=300,
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="What identifies its row in the imported spreadsheet (its own ID, or its team "
        "and name): importing the row again finds this entry.",
    )
    version = models.PositiveIntegerField(
        default=1,
        help_text="Counts the saves: an edit based on an older version is refused (its ETag).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reference"]
        constraints = [
            # Only a move out of pilot waits for the council (registry.services.STAGE_MOVES);
            # any other move settles or overtakes the request.
            models.CheckConstraint(
                condition=models.Q(requested_stage="") | models.Q(stage=Stage.PILOT),
                name="stage_request_only_in_pilot",
            )
        ]
        indexes = [
            # Registry filters and the daily re-review task.
            models.Index(fields=["stage", "next_review_due"], name="deployment_stage_due_idx"),
        ]

    def __str__(self):
        return f"{self.reference} {self.name}"

    @property
    def public_wording_pending(self) -> bool:
        """The team's wording differs from what the council approved: it waits for approval."""
        draft = (self.public_name, self.public_description)
        return any(draft) and draft != (self.public_name_approved, self.public_description_approved)

    @property
    def pilot_judgement_label(self) -> str:
        judgement = self.pilot_results.get("judgement", "")
        return PilotJudgement(judgement).label if judgement in PilotJudgement.values else ""

    @property
    def channel_labels(self) -> list[str]:
        return choice_labels(self.channels, Channel)

    @property
    def data_category_labels(self) -> list[str]:
        return choice_labels(self.data_categories, DataCategory)


class DeploymentVersion(models.Model):
    """The entry as it stood from `valid_from` on: the registry of any past day is rebuilt from these."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="versions")
    valid_from = models.DateTimeField()
    data = models.JSONField()

    class Meta:
        ordering = ["deployment", "valid_from", "id"]
        indexes = [
            # as_of exports pick the last version of each entry before a date.
            models.Index(fields=["deployment", "valid_from"], name="deployment_version_idx"),
        ]

    def __str__(self):
        return f"{self.deployment_id} from {self.valid_from:%Y-%m-%d %H:%M}"


class KpiDirection(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Kpi(models.Model):
    """What the entry is meant to achieve, measured against where it started (the use case's
    success criteria, made numbers)."""

    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="kpis")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=32, blank=True, help_text="For example %, £ or points.")
    direction = models.CharField(max_length=8, choices=KpiDirection.choices)
    baseline = models.DecimalField(max_digits=16, decimal_places=4)
    target = models.DecimalField(max_digits=16, decimal_places=4)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deployment", "name"]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "name"], name="kpi_unique_name"),
        ]

    def __str__(self):
        return f"{self.name} of {self.deployment_id}"


class KpiMeasurement(models.Model):
    kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="measurements")
    value = models.DecimalField(max_digits=16, decimal_places=4)
    measured_on = models.DateField()
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kpi", "measured_on"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "measured_on"], name="kpi_one_value_a_day"),
        ]

    def __str__(self):
        return f"{self.kpi_id} = {self.value} on {self.measured_on}"


class IncidentKind(models.TextChoices):
    BIAS_COMPLAINT = "bias_complaint", _("Bias complaint")
    HARMFUL_OUTPUT = "harmful_output", _("Harmful output")
    PRIVACY_BREACH = "privacy_breach", _("Privacy breach")
    SECURITY = "security", _("Security")
    OTHER = "other", _("Other")


# In the catalogue (gettext_noop), not lazy: oversight's dossier joins them as plain text.
class Severity(models.TextChoices):
    LOW = "low", gettext_noop("Low")
    MEDIUM = "medium", gettext_noop("Medium")
    HIGH = "high", gettext_noop("High")
    CRITICAL = "critical", gettext_noop("Critical")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    INVESTIGATING = "investigating", _("Investigating")
    RESOLVED = "resolved", _("Resolved")


class Incident(models.Model):
    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="incidents")
    kind = models.CharField(max_length=32, choices=IncidentKind.choices)
    severity = models.CharField(max_length=16, choices=Severity.choices)
    description = models.TextField()
    status = models.CharField(
        max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    resolution = models.TextField(blank=True)
    reported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-reported_at"]

    def __str__(self):
        return f"{self.get_severity_display()} {self.get_kind_display()} on {self.deployment_id}"


class ComplaintKind(models.TextChoices):
    # In the catalogue (gettext_noop): the public complaint form shows them translated.
    CONTEST = "contest", gettext_noop("Contest a decision")
    COMPLAINT = "complaint", gettext_noop("Complaint")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Complaint(models.Model):
    """A customer's case against a published entry, sent from its public page without an account."""

    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="complaints")
    kind = models.CharField(max_length=16, choices=ComplaintKind.choices)
    message = models.TextField()
    contact = models.CharField(
        max_length=254, blank=True, help_text="How the customer asked to be answered, if at all."
    )
    received_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=16, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            # The re-review threshold counts an entry's recent complaints.
            models.Index(fields=["deployment", "received_at"], name="complaint_entry_received_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.deployment_id}"


def import_file_path(instance, filename):
    # Kept private: served only to who may import, never under its original name.
    return f"imports/{instance.sha256[:16]}-{instance.token}"


class ImportStatus(models.TextChoices):
    CHECKED = "checked", _("Checked, not imported")
    IMPORTING = "importing", _("Importing")
    IMPORTED = "imported", _("Imported")


class RegistryImport(models.Model):
    """A spreadsheet of AI already in service, checked row by row and then imported: its rows
    become legacy use cases and registry entries, each with a first review (SPEC section 11)."""

    file = models.FileField(upload_to=import_file_path, max_length=255)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    token = models.CharField(max_length=32, editable=False)
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.CHECKED
    )
    rows = models.PositiveIntegerField(default=0)
    rows_with_errors = models.PositiveIntegerField(default=0)
    rows_new = models.PositiveIntegerField(default=0, help_text="Rows not in the registry yet.")
    report = models.JSONField(
        default=list, help_text="Per row: {row, status, errors: {column: [messages]}, reference}."
    )
    problem = models.TextField(
        blank=True, help_text="Why the last attempt to import it imported nothing."
    )
    checked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-checked_at", "-id"]

    def __str__(self):
        return f"Import {self.pk} of {self.original_name}"
