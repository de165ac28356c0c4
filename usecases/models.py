from django.conf import settings
from django.db import models
from django.utils.translation import gettext_noop
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from council.models import Team

from .choices import (
    AiActClass,
    AttachmentKind,
    AutomationLevel,
    ModelProvenance,
    OperatorRole,
    PeopleAffected,
    RiskTier,
    State,
)


def _list_field(help_text: str = ""):
    # Multi-valued answers are JSON lists of enumeration words (validated by forms and the API).
    return models.JSONField(default=list, blank=True, help_text=help_text)


def _yes_no(help_text: str):
    # Null until answered: a draft may leave it open, a submission may not.
    return models.BooleanField(null=True, blank=True, help_text=help_text)


class UseCase(models.Model):
    reference = models.CharField(max_length=16, unique=True, editable=False)
    state = models.CharField(max_length=32, choices=State.choices, default=State.DRAFT)
    revision = models.PositiveIntegerField(
        default=0, help_text="Number of the last submitted revision (0 while never submitted)."
    )

    # 1. Basics
    title = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    business_problem = models.TextField(blank=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="use_cases")
    business_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_use_cases",
    )
    confidential = models.BooleanField(default=False)
    legacy = models.BooleanField(
        default=False,
        editable=False,
        help_text="Brought in by an import of an existing inventory: in service before the "
        "council reviewed it.",
    )

    # 2. Customer journey
    functions = _list_field()
    journey_stages = _list_field()
    channels = _list_field()

    # 3. The AI
    capabilities = _list_field()
    vendor = models.CharField(max_length=200, blank=True)
    tool_name = models.CharField(max_length=200, blank=True)
    model_versions = models.ManyToManyField(
        "inventory.ModelVersion",
        blank=True,
        related_name="use_cases",
        help_text="The inventory's model versions the team means to use (one per model).",
    )
    model_provenance = models.CharField(max_length=32, choices=ModelProvenance.choices, blank=True)
    automation_level = models.CharField(max_length=32, choices=AutomationLevel.choices, blank=True)

    # 4. Data and people
    data_categories = _list_field()
    affected_people = _list_field()
    customer_facing = _yes_no("The AI interacts with or produces content for customers.")
    significant_decisions = _yes_no(
        "It makes or materially influences decisions with legal or similarly significant effect."
    )
    vulnerable_groups = _yes_no("Children or vulnerable customers are targeted or likely affected.")
    markets = _list_field("ISO 3166-1 alpha-2 country codes; EU stands for every member state.")
    operator_role = models.CharField(max_length=16, choices=OperatorRole.choices, blank=True)
    sensitive_purposes = _list_field("Purposes named by EU AI Act Annex III or Art. 50(4).")
    outbound_contact = _yes_no("The AI contacts people unprompted: calls, messages.")
    people_affected = models.CharField(max_length=16, choices=PeopleAffected.choices, blank=True)
    biometric_use = _list_field(
        "How biometric data is used: verification, identification, categorisation."
    )
    art_6_3_conditions = _list_field(
        "The EU AI Act Art. 6(3) conditions under which its provider concludes that a system of "
        "Annex III is not high-risk (none: no such conclusion)."
    )
    art_6_3_grounds = models.TextField(
        blank=True, help_text="A short summary of the grounds of that conclusion."
    )

    # 5. Prohibited practices screen
    manipulative_techniques = models.BooleanField(default=False)
    exploits_vulnerabilities = models.BooleanField(default=False)
    social_scoring = models.BooleanField(default=False)
    workplace_emotion_recognition = models.BooleanField(default=False)
    biometric_categorisation_sensitive = models.BooleanField(default=False)

    # 6. Value and pilot
    expected_benefits = models.TextField(blank=True)
    kpis = models.TextField(blank=True)
    pilot_plan = models.TextField(blank=True)
    customer_disclosure = models.TextField(blank=True)
    human_escalation = models.TextField(blank=True)

    # Derived (usecases.risk): never typed in. An empty class: not classified since the rules
    # that derive it arrived (records older than them keep their frozen revisions).
    ai_act_class = models.CharField(max_length=16, choices=AiActClass.choices, blank=True)
    ai_act_reasons = models.JSONField(default=list, blank=True)
    obligations = models.JSONField(default=list, blank=True)
    risk_tier = models.CharField(max_length=16, choices=RiskTier.choices, default=RiskTier.MINIMAL)
    risk_reasons = models.JSONField(default=list, blank=True)
    dpia_required = models.BooleanField(default=False)
    dpia_reasons = models.JSONField(default=list, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_use_cases"
    )
    version = models.PositiveIntegerField(
        default=1,
        help_text="Counts the saves: an edit based on an older version is refused (its ETag).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        permissions = [("submit_usecase", "Can submit the use case for review")]
        indexes = [
            # The lists filter by state and tier and sort by last change.
            models.Index(fields=["state", "-updated_at"], name="usecase_state_updated_idx"),
            models.Index(fields=["team", "state"], name="usecase_team_state_idx"),
            models.Index(fields=["risk_tier"], name="usecase_tier_idx"),
            # The lists' default order (Meta.ordering): a page of 50 reads 50 rows of it.
            models.Index(fields=["-updated_at", "-id"], name="usecase_recent_idx"),
        ]

    def __str__(self):
        return f"{self.reference} {self.title or '(untitled draft)'}"

    @property
    def display_title(self) -> str:
        return self.title or "(untitled draft)"


class UseCaseUserObjectPermission(UserObjectPermissionBase):
    """Per-object grants with a direct foreign key (business owner, assigned reviewers)."""

    content_object = models.ForeignKey(UseCase, on_delete=models.CASCADE)


class UseCaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(UseCase, on_delete=models.CASCADE)


class LinkKind(models.TextChoices):
    DUPLICATES = "duplicates", gettext_noop("Duplicates")
    EXTENDS = "extends", gettext_noop("Extends")
    DIFFERENT = "different", gettext_noop("Is different from")


# The kinds that relate two use cases (shown on both pages); `different` only records a check.
RELATING_LINK_KINDS = (LinkKind.DUPLICATES, LinkKind.EXTENDS)


class UseCaseLink(models.Model):
    """What the team found when intake showed it a similar use case: this one duplicates or
    extends the other, or it is a different use case (the notice stops showing the other)."""

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="links_out")
    other = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=16, choices=LinkKind.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["use_case", "other"], name="one_link_per_use_case_pair"
            ),
            models.CheckConstraint(
                condition=~models.Q(use_case=models.F("other")), name="use_case_link_not_to_itself"
            ),
        ]

    def __str__(self):
        return f"{self.use_case_id} {self.kind} {self.other_id}"


class UseCaseRevision(models.Model):
    """The frozen answers of one submission: what reviewers judged."""

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    answers = models.JSONField()
    ai_act_class = models.CharField(max_length=16, choices=AiActClass.choices, blank=True)
    ai_act_reasons = models.JSONField(default=list, blank=True)
    obligations = models.JSONField(default=list, blank=True)
    risk_tier = models.CharField(max_length=16, choices=RiskTier.choices)
    risk_reasons = models.JSONField(default=list)
    dpia_required = models.BooleanField()
    dpia_reasons = models.JSONField(default=list)
    attachments = models.JSONField(
        default=list, help_text="Name, kind, size and SHA-256 of each file."
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["use_case", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["use_case", "number"], name="one_revision_number_per_use_case"
            )
        ]

    def __str__(self):
        return f"{self.use_case.reference} revision {self.number}"


def attachment_path(instance, filename):
    # The stored name is random: the original name is kept in the row, never trusted on disk.
    return f"attachments/{instance.use_case_id}/{instance.sha256[:16]}-{instance.token}"


class Attachment(models.Model):
    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(
        max_length=32, choices=AttachmentKind.choices, default=AttachmentKind.OTHER
    )
    file = models.FileField(upload_to=attachment_path, max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=128)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    token = models.CharField(max_length=32, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class ObligationCatalogue(models.Model):
    """One version of the obligations data file (usecases/data/obligations_v*.json)."""

    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(unique=True)
    active = models.BooleanField(default=True)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=models.Q(active=True), name="one_active_catalogue"
            )
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"


class ObligationBasis(models.TextChoices):
    LAW = "law", "Law"
    GOOD_PRACTICE = "good_practice", "Good practice"


class Obligation(models.Model):
    """What a law (or good practice) asks, of whom, from when, and which answers make it apply."""

    catalogue = models.ForeignKey(
        ObligationCatalogue, on_delete=models.CASCADE, related_name="obligations"
    )
    code = models.CharField(max_length=32)
    source = models.CharField(max_length=300)
    text = models.TextField()
    party = models.CharField(max_length=100)
    applies_from = models.DateField()
    basis = models.CharField(max_length=16, choices=ObligationBasis.choices)
    when = models.JSONField(help_text="Facts (usecases.risk.FACTS) that must all hold.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["catalogue", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["catalogue", "code"], name="one_obligation_code_per_catalogue"
            )
        ]

    def __str__(self):
        return f"{self.code} {self.source}"
