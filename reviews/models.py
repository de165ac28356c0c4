import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from council.models import CouncilRole
from usecases.choices import RiskTier
from usecases.models import UseCase

from . import rules

User = settings.AUTH_USER_MODEL


class ReviewPolicy(models.Model):
    """Who must review a tier, how fast, and how often it is re-reviewed (versioned data)."""

    tier = models.CharField(max_length=16, choices=RiskTier.choices)
    version = models.PositiveIntegerField()
    required_roles = models.JSONField(
        help_text='Council roles; "function_lead" stands for the lead(s) of the use case\'s functions.'
    )
    sla_working_days = models.PositiveSmallIntegerField()
    rereview_months = models.PositiveSmallIntegerField()
    complaints_rereview_threshold = models.PositiveSmallIntegerField(
        default=3,
        help_text="Public complaints on one registry entry, within 90 days and since its last "
        "review, that open a re-review.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tier", "-version"]
        verbose_name_plural = "review policies"
        constraints = [
            models.UniqueConstraint(fields=["tier", "version"], name="one_policy_version_per_tier"),
            models.UniqueConstraint(
                fields=["tier"], condition=Q(active=True), name="one_active_policy_per_tier"
            ),
        ]

    def __str__(self):
        return f"{self.get_tier_display()} policy v{self.version}"


class ChecklistTemplate(models.Model):
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    frameworks = models.JSONField(
        default=dict,
        blank=True,
        help_text="The name of each framework key its items' references use (the data file's header).",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["version"], name="one_checklist_template_per_version"),
            models.UniqueConstraint(
                fields=["active"], condition=Q(active=True), name="one_active_checklist_template"
            ),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"


class ChecklistSection(models.TextChoices):
    ETHICS = "ethics", _("Ethics")
    PRIVACY = "privacy", _("Privacy")
    BIAS = "bias_fairness", _("Bias and fairness")
    TRANSPARENCY = "transparency", _("Transparency")
    SECURITY = "security", _("Security")
    HUMAN_OVERSIGHT = "human_oversight", _("Human oversight")


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(max_length=16)
    section = models.CharField(max_length=32, choices=ChecklistSection.choices)
    text = models.CharField(max_length=400)
    guidance = models.TextField()
    role = models.CharField(max_length=32, choices=CouncilRole.choices, help_text="Verifying role.")
    required = models.BooleanField(default=True)
    applies_when = models.JSONField(
        default=dict,
        blank=True,
        help_text='Answers that make it applicable, e.g. {"capabilities": ["voice_agent"]}; empty: always.',
    )
    applies_when_any = models.JSONField(
        default=list,
        blank=True,
        help_text="Rules shaped like applies_when, of which at least one must match too; empty: no "
        'further condition. E.g. [{"customer_facing": [true]}, {"capabilities": ["chatbot"]}].',
    )
    references = models.JSONField(
        default=list,
        blank=True,
        help_text="Sources the item rests on: version 2 lists {framework, ref, basis, binds}; "
        "version 1 held {framework: ref}. Read them through reference_rows.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["template", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="one_item_code_per_template")
        ]

    def __str__(self):
        return f"{self.code} {self.text}"

    @property
    def reference_rows(self) -> list[dict]:
        """Read with the template (select_related): its header names the frameworks."""
        return rules.reference_rows(self.references, frameworks=self.template.frameworks)

    def required_at(self, tier: str) -> bool:
        """Mandatory on a review of this tier (see rules.item_required)."""
        return rules.item_required(required=self.required, references=self.references, tier=tier)


class ReviewState(models.TextChoices):
    OPEN = "open", _("Open")
    DECIDED = "decided", _("Decided")


# In the catalogue (gettext_noop), not lazy: oversight's dossier joins them as plain text.
class Outcome(models.TextChoices):
    APPROVED = "approved", gettext_noop("Approved")
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", gettext_noop("Approved with conditions")
    CHANGES_REQUESTED = "changes_requested", gettext_noop("Changes requested")
    REJECTED = "rejected", gettext_noop("Rejected")


# The outcomes that approve: the use case may go (or stay) live.
APPROVALS = frozenset({Outcome.APPROVED, Outcome.APPROVED_WITH_CONDITIONS})


class ReviewKind(models.TextChoices):
    INITIAL = "initial", _("Initial review")
    CHANGE = "change", _("Change review")
    RE_REVIEW = "re_review", _("Re-review")
    LEGACY = "legacy", _("First review of a tool in service")


# In the catalogue (gettext_noop), not lazy: oversight's pipeline keeps them as plain text.
class ReviewGroup(models.IntegerChoices):
    """Where an open review stands in the chair's pipeline (SPEC section 11b), the chair's own
    work first. Kept on the review by reviews.services whenever its seats, votes or judged
    revision change (`reviews.groups`), so the pipeline reads it from an index."""

    READY = 0, gettext_noop("Ready for a chair decision")
    AWAITING_ASSIGNMENT = 1, gettext_noop("Awaiting assignment")
    VOTING = 2, gettext_noop("Voting")


class Review(models.Model):
    """The council's review of one use case; it follows the use case across revisions.

    An initial review decides the use case's state; a change review or a periodic re-review of a
    deployed use case decides what happens to its registry entries, which keep running meanwhile.
    """

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="reviews")
    revision = models.PositiveIntegerField(help_text="The revision being judged now.")
    kind = models.CharField(max_length=16, choices=ReviewKind.choices, default=ReviewKind.INITIAL)
    reason = models.TextField(blank=True, help_text="Why a change review or re-review was opened.")
    policy = models.ForeignKey(ReviewPolicy, on_delete=models.PROTECT, related_name="+")
    checklist_template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="+"
    )
    required_roles = models.JSONField()
    state = models.CharField(max_length=16, choices=ReviewState.choices, default=ReviewState.OPEN)
    outcome = models.CharField(max_length=32, choices=Outcome.choices, blank=True)
    # "rejected" while every required role has voted and a reject waits for the chair to confirm
    # or overturn it; empty otherwise. The review stays open meanwhile.
    proposed_outcome = models.CharField(
        max_length=32, choices=[(Outcome.REJECTED, "Rejection proposed")], blank=True
    )
    decided_by_chair = models.BooleanField(default=False)
    rationale = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField()
    due_date = models.DateField()
    group = models.PositiveSmallIntegerField(
        choices=ReviewGroup.choices,
        default=ReviewGroup.AWAITING_ASSIGNMENT,
        null=True,
        blank=True,
        help_text="Its group in the chair's pipeline while open; none once decided "
        "(reviews.groups).",
    )

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            # One open review per use case at a time.
            models.UniqueConstraint(
                fields=["use_case"], condition=Q(state="open"), name="one_open_review_per_use_case"
            )
        ]
        indexes = [
            # The pipeline and queues list open reviews by age.
            models.Index(fields=["state", "opened_at"], name="review_state_opened_idx"),
            # The API's list of reviews, newest first.
            models.Index(fields=["-opened_at", "-id"], name="review_recent_idx"),
            # The chair's pipeline and home page: open reviews by group, soonest due first.
            models.Index(
                fields=["group", "due_date", "opened_at", "id"],
                condition=Q(state="open"),
                name="review_open_group_idx",
            ),
        ]

    def __str__(self):
        return f"Review of {self.use_case.reference} r{self.revision}"


class SeatLoad(models.Model):
    """How many seats a member holds on open reviews (active, not recused): the load that
    assignment balances (SPEC section 5). Kept by reviews.services as seats are given, left and
    their reviews decided or reopened (`reviews.loads`), so balancing reads one row a member
    instead of counting every seat."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="seat_load"
    )
    open_seats = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.user_id}: {self.open_seats} open seats"


class Assignment(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="review_assignments")
    role = models.CharField(max_length=32, choices=CouncilRole.choices)
    # False for a verifier: a member of a role the policy does not call to vote, seated to verify
    # the applicable checklist items of that role (SPEC section 5). Verifiers never vote.
    voting = models.BooleanField(default=True)
    recused = models.BooleanField(default=False)
    recusal_reason = models.TextField(blank=True)
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["review", "role", "assigned_at"]
        constraints = [
            # One active reviewer or verifier per role and review; recused ones stay as history.
            models.UniqueConstraint(
                fields=["review", "role"],
                condition=Q(recused=False),
                name="one_active_reviewer_per_role",
            )
        ]
        indexes = [
            # "My queue" and load balancing count a reviewer's active assignments.
            models.Index(fields=["reviewer", "recused"], name="assignment_reviewer_idx"),
        ]

    def __str__(self):
        seat = "reviewer" if self.voting else "verifier"
        return f"{self.reviewer} as {self.role} {seat} on {self.review}"


# In the catalogue (gettext_noop), not lazy: oversight's dossier joins them as plain text.
class AnswerChoice(models.TextChoices):
    YES = "yes", gettext_noop("Yes")
    NO = "no", gettext_noop("No")
    PARTIAL = "partial", gettext_noop("Partly")
    NOT_APPLICABLE = "not_applicable", gettext_noop("Not applicable")


# In the catalogue (gettext_noop), not lazy: oversight's dossier joins them as plain text.
class Verdict(models.TextChoices):
    VERIFIED = "verified", gettext_noop("Verified")
    REJECTED = "rejected", gettext_noop("Rejected")


def evidence_file_path(instance, filename):
    # The stored name is random: the original name is kept in the row, never trusted on disk.
    return f"{instance.EVIDENCE_FOLDER}/{instance.review_id}/{secrets.token_hex(16)}"


class EvidenceFile(models.Model):
    """A file showing something is done (optional), on a row of a review: private like use-case
    attachments, served by a view that checks who may see the review, as a download
    (`reviews.services.store_evidence_file` keeps it)."""

    # The folder of the stored files, one sub-folder per review.
    EVIDENCE_FOLDER = "checklist"

    evidence_file = models.FileField(upload_to=evidence_file_path, max_length=255, blank=True)
    evidence_file_name = models.CharField(max_length=255, blank=True)
    evidence_file_type = models.CharField(max_length=128, blank=True)
    evidence_file_size = models.PositiveBigIntegerField(null=True, blank=True)
    evidence_file_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        abstract = True


class ChecklistAnswer(EvidenceFile):
    """The team's answer to one item on one revision, and its verification."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    revision = models.PositiveIntegerField()
    answer = models.CharField(max_length=16, choices=AnswerChoice.choices)
    evidence = models.TextField(blank=True)
    answered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField()
    verdict = models.CharField(max_length=16, choices=Verdict.choices, blank=True)
    verification_comment = models.TextField(blank=True)
    verified_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    # Counts the saves of the answer: one read at an older version is refused (StaleEdit).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["review", "item__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "item", "revision"], name="one_answer_per_item_and_revision"
            )
        ]
        indexes = [
            # The team's rejected answers (the home page): few rows among every answer ever given.
            models.Index(
                fields=["review"],
                condition=models.Q(verdict="rejected"),
                name="answer_rejected_idx",
            )
        ]

    def __str__(self):
        return f"{self.item.code}: {self.answer}"


class ChecklistWaiver(models.Model):
    """The chair approved without this required item verified, and said why (SPEC section 5)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="waivers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    revision = models.PositiveIntegerField()
    reason = models.TextField()
    waived_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    waived_at = models.DateTimeField()

    class Meta:
        ordering = ["review", "revision", "item__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "item", "revision"], name="one_waiver_per_item_and_revision"
            )
        ]

    def __str__(self):
        return f"{self.item.code} waived on r{self.revision}"


# In the catalogue (gettext_noop), not lazy: oversight's dossier joins them as plain text.
class VoteChoice(models.TextChoices):
    APPROVE = "approve", gettext_noop("Approve")
    APPROVE_WITH_CONDITIONS = "approve_with_conditions", gettext_noop("Approve with conditions")
    REQUEST_CHANGES = "request_changes", gettext_noop("Request changes")
    REJECT = "reject", gettext_noop("Reject")
    ABSTAIN = "abstain", gettext_noop("Abstain")


class Vote(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="votes")
    reviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="review_votes")
    revision = models.PositiveIntegerField()
    roles = models.JSONField(help_text="The required roles the reviewer voted for.")
    choice = models.CharField(max_length=32, choices=VoteChoice.choices)
    reasons = models.TextField(blank=True)
    current = models.BooleanField(default=True)
    cast_at = models.DateTimeField()

    class Meta:
        ordering = ["review", "cast_at"]
        constraints = [
            # A changed vote keeps the old row as history (current=False): never two current ones.
            models.UniqueConstraint(
                fields=["review", "reviewer", "revision"],
                condition=Q(current=True),
                name="one_current_vote_per_reviewer_and_revision",
            )
        ]

    def __str__(self):
        return f"{self.reviewer}: {self.choice} on r{self.revision}"


class ConditionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    # The team marked it met with its evidence; the council role that set it confirms it.
    CLAIMED = "claimed", _("Met, awaiting confirmation")
    MET = "met", _("Met")
    WAIVED = "waived", _("Waived")


# A condition in any other status still stands between the use case and go-live.
CLOSED_CONDITION_STATUSES = frozenset({ConditionStatus.MET, ConditionStatus.WAIVED})


class ConfirmVerdict(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirm: the condition is met")
    SENT_BACK = "sent_back", _("Send it back to the team")


class Condition(EvidenceFile):
    """What an approval asks of the team. The team marks it met with its evidence (`claimed`);
    the council role that set it confirms it (`met`) or sends it back (`open` again)."""

    EVIDENCE_FOLDER = "conditions"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="conditions")
    vote = models.ForeignKey(
        Vote, null=True, blank=True, on_delete=models.SET_NULL, related_name="conditions"
    )
    text = models.TextField()
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="conditions"
    )
    due_date = models.DateField(null=True, blank=True)
    blocking = models.BooleanField(default=True, help_text="Must be met before go-live.")
    status = models.CharField(
        max_length=16, choices=ConditionStatus.choices, default=ConditionStatus.OPEN
    )
    confirming_role = models.CharField(
        max_length=32,
        choices=CouncilRole.choices,
        default=CouncilRole.CHAIR,
        help_text="The council role that set the condition, whose holder on the review confirms "
        "it is met (the chair may too); kept when the seat changes hands.",
    )
    evidence = models.TextField(blank=True)
    claimed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_back_comment = models.TextField(blank=True)
    sent_back_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_back_at = models.DateTimeField(null=True, blank=True)
    waiver_reason = models.TextField(blank=True)
    closed_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who confirmed it met or waived it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review", "due_date", "id"]
        indexes = [
            # The API's list of conditions, soonest due first (no date last).
            models.Index(fields=["due_date", "id"], name="condition_due_idx"),
            # Those awaiting confirmation by a role (the home pages' lists), among every one.
            models.Index(
                fields=["confirming_role", "claimed_at"],
                condition=Q(status=ConditionStatus.CLAIMED),
                name="condition_claimed_idx",
            ),
        ]

    def __str__(self):
        return self.text[:60]


class Comment(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    is_question = models.BooleanField(default=False, help_text="A question to the team.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["review", "created_at"]

    def __str__(self):
        return self.body[:60]
