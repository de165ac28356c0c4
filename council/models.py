from datetime import date
from typing import Self, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from knox.models import AbstractAuthToken


# In the catalogue (gettext_noop), not lazy: oversight's dossier, exports and lists join them
# as plain text.
class CouncilRole(models.TextChoices):
    MARKETING = "marketing", gettext_noop("Marketing")
    CUSTOMER_EXPERIENCE = "customer_experience", gettext_noop("Customer experience")
    LEGAL = "legal", gettext_noop("Legal")
    PRIVACY = "privacy", gettext_noop("Privacy")
    SECURITY = "security", gettext_noop("Security")
    DATA_SCIENCE = "data_science", gettext_noop("Data science")
    ETHICS = "ethics", gettext_noop("Ethics")
    CHAIR = "chair", gettext_noop("Chair")
    AUDITOR = "auditor", gettext_noop("Auditor")


# Roles that sit on the council and see every non-confidential submitted use case.
COUNCIL_ROLES = frozenset(CouncilRole) - {CouncilRole.AUDITOR}


def choice_labels(values, choices) -> list[str]:
    """The labels of stored choice values, in their order (an unknown value shows as stored)."""
    labels = {value: str(label) for value, label in choices.choices}
    return [labels.get(value, value) for value in values]


def role_labels(roles) -> list[str]:
    return choice_labels(roles, CouncilRole)


_Dated = TypeVar("_Dated", bound="Dated")


class ActiveQuerySet(models.QuerySet[_Dated]):
    def active(self, on: date | None = None) -> Self:
        """Rows in force on the given day (today by default): started, and not yet ended."""
        day = on or timezone.localdate()
        return self.filter(Q(starts_on__lte=day), Q(ends_on__isnull=True) | Q(ends_on__gte=day))


class Dated(models.Model):
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(
        null=True, blank=True, help_text="Last day held; empty while open-ended."
    )

    objects = ActiveQuerySet.as_manager()

    class Meta:
        abstract = True

    def is_active(self, on: date | None = None) -> bool:
        day = on or timezone.localdate()
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class TeamMembership(Dated):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        ordering = ["team__name", "user__username", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="team_membership_ends_after_start",
            )
        ]
        indexes = [
            # Visibility checks join from the user to their active teams on every request.
            models.Index(fields=["user", "team"], name="membership_user_team_idx"),
        ]

    def __str__(self):
        return f"{self.user} in {self.team}"


class RoleAssignment(Dated):
    """A council or auditor role held by a person for a period."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(max_length=32, choices=CouncilRole.choices)

    class Meta:
        ordering = ["role", "user__username", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="role_assignment_ends_after_start",
            )
        ]
        indexes = [
            # Permission checks ask "which roles does this user hold today" on every request.
            models.Index(fields=["user", "role"], name="role_user_role_idx"),
        ]

    def __str__(self):
        return f"{self.user} as {self.get_role_display()}"


class ReferenceSequence(models.Model):
    """Counters behind human references such as UC-2026-0042, one row per prefix."""

    key = models.CharField(max_length=32, primary_key=True)
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.key}: {self.last_value}"


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", _("Reviewer assigned")
    VOTE_DUE_SOON = "vote_due_soon", _("Vote due soon")
    VOTE_OVERDUE = "vote_overdue", _("Vote overdue")
    DECISION_MADE = "decision_made", _("Decision made")
    CHAIR_DECISION_NEEDED = "chair_decision_needed", _("Chair decision needed")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    CONDITION_DUE = "condition_due", _("Condition due")
    RE_REVIEW_DUE = "re_review_due", _("Re-review due")
    INCIDENT_REPORTED = "incident_reported", _("Incident reported")
    QUESTION_TO_TEAM = "question_to_team", _("Question to the team")
    ANSWER_REJECTED = "answer_rejected", _("Checklist answer rejected")
    CONDITION_OVERDUE = "condition_overdue", _("Condition overdue")
    CONDITION_MARKED_MET = "condition_marked_met", _("Condition awaiting confirmation")
    CONDITION_SENT_BACK = "condition_sent_back", _("Condition sent back")
    COMPLAINT_RECEIVED = "complaint_received", _("Complaint received")
    PUBLIC_WORDING_TO_APPROVE = "public_wording_to_approve", _("Public wording to approve")
    EXPORT_READY = "export_ready", _("Export ready")
    IMPORT_FINISHED = "import_finished", _("Import finished")


class Notification(models.Model):
    """One message to one person: shown in the app and sent by e-mail at least once.

    The row is also the e-mail's outbox entry (council/outbox.py): written in the action's
    transaction, sent by a worker after the commit or else by the sweep.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    # What makes it the same notification: a retried or repeated task finds it instead of adding one.
    key = models.CharField(max_length=200, unique=True)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set once the mail backend accepted the e-mail (never before sending: a worker killed while
    # sending leaves it to be sent again, the receiver drops the repeat by its Message-ID).
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    # Not due before this time: the lease of the worker sending it, or after a failure the backoff.
    email_claimed_until = models.DateTimeField(null=True, blank=True)
    email_claimed_by = models.CharField(max_length=200, blank=True)
    email_last_error = models.TextField(blank=True)
    # Given up after the last attempt (or no address): listed in the admin, never sent by itself.
    email_failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The unread count in the header runs on every page.
            models.Index(fields=["user", "read_at"], name="notification_unread_idx"),
            # The sweep's query: the e-mails still to send, by when they are due.
            models.Index(
                fields=["email_claimed_until"],
                name="notification_email_due_idx",
                condition=Q(emailed_at=None, email_failed_at=None),
            ),
        ]

    def __str__(self):
        return f"{self.user}: {self.subject}"


class ApiToken(AbstractAuthToken):
    """An API token (django-rest-knox): only its digest is stored, and the first characters
    (`token_key`) to find it. It expires (settings.API_TOKEN_TTL_HOURS); logging out deletes the
    user's tokens. A number of its own identifies it to its owner, who lists and revokes tokens
    without ever seeing one again."""

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=128, unique=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"{self.user} token {self.pk}"
