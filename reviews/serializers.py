"""Shapes of the council review API (SPEC section 11). Serializers only read and validate
input: every write goes through reviews.services."""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.limits import (
    CONDITIONS_MAX,
    ID_MAX,
    NOTE_MAX,
    TEXT_MAX,
    WAIVERS_MAX,
    date_in_range,
)
from council.models import CouncilRole

from .models import (
    AnswerChoice,
    Assignment,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistWaiver,
    Comment,
    Condition,
    ConfirmVerdict,
    Outcome,
    Review,
    ReviewPolicy,
    ReviewState,
    Verdict,
    Vote,
    VoteChoice,
)

# ---- reviews ---------------------------------------------------------------------------------


def role_list(**kwargs) -> serializers.ListField:
    """A list of council roles.

    Its items are plain strings in the schema, not an enum: drf-spectacular names an enum after
    the field that holds it, so `role`, `roles` and `required_roles` would give one choice set
    three names and fail `spectacular --fail-on-warn`. `RoleEnum` (from `role`) lists the words.
    """
    kwargs.setdefault("help_text", "Council roles (the words of RoleEnum).")
    return serializers.ListField(child=serializers.CharField(), **kwargs)


class AssignmentSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="reviewer.username", read_only=True)

    class Meta:
        model = Assignment
        fields = ("reviewer", "username", "role", "voting", "recused", "recusal_reason")
        extra_kwargs = {
            "voting": {
                "help_text": "false for a verifier: verifies the checklist items of a role that "
                "does not vote on the review, and never votes."
            }
        }


class WaiverSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="item.code", read_only=True)
    waived_by_username = serializers.CharField(source="waived_by.username", read_only=True)

    class Meta:
        model = ChecklistWaiver
        fields = (
            "item",
            "code",
            "revision",
            "reason",
            "waived_by",
            "waived_by_username",
            "waived_at",
        )
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer):
    """The outcome of a decided review, automatic or recorded by the chair, with the checklist
    items the chair waived to approve (read with `reviews.api.with_details`)."""

    by_chair = serializers.BooleanField(source="decided_by_chair", read_only=True)
    decided_by_username = serializers.CharField(
        source="decided_by.username", allow_null=True, default=None, read_only=True
    )
    waivers = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = (
            "outcome", "by_chair", "rationale", "decided_at", "decided_by", "decided_by_username",
            "waivers",
        )  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {"decided_by": {"help_text": "The chair's id; null for a computed outcome."}}

    @extend_schema_field(WaiverSerializer(many=True))
    def get_waivers(self, review) -> list[dict]:
        judged = [w for w in review.waivers.all() if w.revision == review.revision]
        # djangorestframework-stubs type `many=True` as the serializer itself, whose data is a
        # ReturnDict: at run time it is a ListSerializer and its data a list.
        return WaiverSerializer(judged, many=True).data  # type: ignore[return-value]


class PolicySerializer(serializers.ModelSerializer):
    tier = serializers.CharField(
        read_only=True, help_text="The risk tier the policy applies to (a `risk_tier` value)."
    )

    class Meta:
        model = ReviewPolicy
        fields = ("tier", "version", "sla_working_days", "rereview_months")


class ChecklistTemplateRefSerializer(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.IntegerField()


def has_decision(review: Review) -> bool:
    """A review has a decision once it is decided with an outcome (a withdrawal closes without)."""
    return review.state == ReviewState.DECIDED and bool(review.outcome)


def decision_of(review: Review) -> dict | None:
    return DecisionSerializer(review).data if has_decision(review) else None


class ReviewSerializer(serializers.ModelSerializer):
    """Read with `reviews.api.with_details`: one query for the rows, one for the assignments and
    one for the waivers."""

    use_case_reference = serializers.CharField(source="use_case.reference", read_only=True)
    # Declared: a read-only model field would lose its blank value in the schema.
    outcome = serializers.ChoiceField(
        choices=Outcome.choices,
        allow_blank=True,
        read_only=True,
        help_text='"" until the review is decided, and for a review closed by a withdrawal.',
    )
    required_roles = role_list(read_only=True)
    assignments = AssignmentSerializer(many=True, read_only=True)
    decision = serializers.SerializerMethodField()
    proposed_outcome = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    policy = PolicySerializer(read_only=True)
    checklist_template = ChecklistTemplateRefSerializer(read_only=True)

    class Meta:
        model = Review
        fields = (
            "id", "use_case", "use_case_reference", "revision", "state", "outcome",
            "proposed_outcome", "required_roles", "assignments", "decision", "due_date",
            "overdue", "opened_at", "policy", "checklist_template",
        )  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(
        serializers.ChoiceField(
            choices=[Outcome.REJECTED],
            allow_null=True,
            help_text='"rejected" while every required role has voted and a reject waits for '
            "the chair to confirm or overturn it (the review stays open); null otherwise.",
        )
    )
    def get_proposed_outcome(self, review) -> str | None:
        return review.proposed_outcome or None

    @extend_schema_field(DecisionSerializer(allow_null=True))
    def get_decision(self, review) -> dict | None:
        return decision_of(review)

    def get_overdue(self, review) -> bool:
        return review.state == ReviewState.OPEN and review.due_date < timezone.localdate()


class DecisionEnvelopeSerializer(serializers.Serializer):
    """`GET reviews/{id}/decision/` never answers 404 for a visible review: null until decided."""

    decision = DecisionSerializer(allow_null=True)


class WaiverInputSerializer(serializers.Serializer):
    item = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, help_text="Id of an applicable required checklist item."
    )
    # Blank passes here: the service names the item whose reason is missing.
    reason = serializers.CharField(allow_blank=True, max_length=NOTE_MAX)


class DecisionInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    # Blank passes here so the service answers with its own message, after its role checks.
    rationale = serializers.CharField(allow_blank=True, max_length=TEXT_MAX)
    # max_length goes to the list (many=True), which djangorestframework-stubs do not model.
    waivers = WaiverInputSerializer(  # type: ignore[call-arg]
        many=True,
        required=False,
        default=list,
        max_length=WAIVERS_MAX,
        help_text="With an approval: a reason for each applicable required item not verified.",
    )


class RecuseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=NOTE_MAX)


class ReassignInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=CouncilRole.choices)
    reviewer = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), help_text="User id."
    )


# ---- checklist -------------------------------------------------------------------------------


class VerificationSerializer(serializers.ModelSerializer):
    comment = serializers.CharField(source="verification_comment", read_only=True)
    verified_by_username = serializers.CharField(
        source="verified_by.username", allow_null=True, default=None, read_only=True
    )

    class Meta:
        model = ChecklistAnswer
        fields = ("verdict", "comment", "verified_by", "verified_by_username", "verified_at")
        read_only_fields = fields


class ReferenceSerializer(serializers.Serializer):
    framework = serializers.CharField(help_text="Key of the framework, e.g. eu_ai_act, gdpr.")
    # A declared field: the metaclass takes it out of the class, so it does not replace the
    # Field.label attribute that djangorestframework-stubs see.
    label = serializers.CharField(help_text="The framework's name.")  # type: ignore[assignment]
    ref = serializers.CharField(help_text="Article, paragraph and point, or the framework's id.")
    basis = serializers.CharField(
        help_text='"obligation" (the law requires it), "good_practice", or "" (template v1).'
    )
    binds = serializers.CharField(
        help_text="The lowest review tier (minimal, limited, high) at which the reference makes "
        'the item mandatory; "" for template v1.'
    )
    party = serializers.CharField(help_text='"provider" for a provider\'s duty, else "".')
    note = serializers.CharField(help_text="What the reference covers, when it needs saying.")


class VendorEvidenceSerializer(serializers.Serializer):
    """What a vendor's assessment says about the item (reviews.selectors.VendorEvidence):
    evidence beside the team's answer, never a verification."""

    vendor = serializers.CharField(source="vendor.name", help_text="The vendor's name.")
    vendor_id = serializers.IntegerField(source="vendor.pk")
    facts = serializers.ListField(
        child=serializers.CharField(), help_text="The assessment's facts, a sentence each."
    )
    assessed_on = serializers.DateField(source="vendor.assessed_on", allow_null=True)
    next_assessment_due = serializers.DateField(
        source="vendor.next_assessment_due", allow_null=True
    )
    lapsed = serializers.BooleanField(
        help_text="Never assessed, or past its next due date: check the facts before relying "
        "on them."
    )


class ChecklistItemSerializer(serializers.ModelSerializer):
    """An applicable item with the team's answer on the judged revision.

    The context holds the answers as {item id: ChecklistAnswer}, read in one query, the
    review's `tier`, at which `required` is judged, and what the vendors' assessments say as
    {item id: [VendorEvidence]} (`vendor_evidence`). Items are read with their template.
    """

    references = ReferenceSerializer(source="reference_rows", many=True, read_only=True)
    # A declared field, taken out of the class by the metaclass: it does not replace the
    # Field.required attribute that djangorestframework-stubs see.
    required = serializers.SerializerMethodField(  # type: ignore[assignment]
        help_text="Mandatory at this review's tier: verified, or waived by the chair to approve."
    )
    answer = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()
    verification = serializers.SerializerMethodField()
    version = serializers.SerializerMethodField(
        help_text="The answer's version (null before the first): send it with a new answer."
    )
    vendor_evidence = serializers.SerializerMethodField(
        help_text="What the assessments of the use case's vendors say about the item (empty "
        "for an item they do not answer): evidence for the verifier, never a verification."
    )

    class Meta:
        model = ChecklistItem
        fields = (
            "id", "code", "section", "text", "guidance", "role", "required", "references",
            "answer", "evidence", "verification", "version", "vendor_evidence",
        )  # fmt: skip
        read_only_fields = fields

    def _answer(self, item) -> ChecklistAnswer | None:
        return self.context["answers"].get(item.pk)

    def get_required(self, item) -> bool:
        return item.required_at(self.context["tier"])

    @extend_schema_field(serializers.ChoiceField(choices=AnswerChoice.choices, allow_null=True))
    def get_answer(self, item) -> str | None:
        row = self._answer(item)
        return row.answer if row else None

    def get_evidence(self, item) -> str | None:
        row = self._answer(item)
        return row.evidence if row else None

    @extend_schema_field(VerificationSerializer(allow_null=True))
    def get_verification(self, item) -> dict | None:
        row = self._answer(item)
        return VerificationSerializer(row).data if row and row.verdict else None

    def get_version(self, item) -> int | None:
        row = self._answer(item)
        return row.version if row else None

    @extend_schema_field(VendorEvidenceSerializer(many=True))
    def get_vendor_evidence(self, item) -> list[dict]:
        evidence = self.context["vendor_evidence"].get(item.pk, [])
        # At run time `many=True` gives a ListSerializer, whose data is a list.
        return VendorEvidenceSerializer(evidence, many=True).data  # type: ignore[return-value]


class ChecklistAnswerInputSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=AnswerChoice.choices)
    evidence = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=TEXT_MAX
    )
    version = serializers.IntegerField(
        min_value=0,
        required=False,
        default=None,
        help_text="The `version` of the answer you read (0 when it had none): if someone "
        "answered since, nothing is saved and the answer says who and when (409). Without it, "
        "the answer is saved whatever happened since.",
    )


class ChecklistVerifyInputSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    comment = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=NOTE_MAX
    )


# ---- votes -----------------------------------------------------------------------------------


class VoteConditionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Condition
        fields = ("id", "text", "blocking", "due_date", "status")
        read_only_fields = fields


class VoteSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="reviewer.username", read_only=True)
    roles = role_list(read_only=True, help_text="The required roles the vote counts for.")
    conditions = VoteConditionSerializer(many=True, read_only=True)

    class Meta:
        model = Vote
        fields: tuple[str, ...] = (
            "id", "reviewer", "username", "roles", "choice", "reasons", "conditions",
            "revision", "current", "cast_at",
        )  # fmt: skip
        read_only_fields = fields


class VoteResultSerializer(VoteSerializer):
    """The vote just cast, and the review after it (the vote may have decided it)."""

    review = ReviewSerializer(read_only=True)

    class Meta(VoteSerializer.Meta):
        fields = (*VoteSerializer.Meta.fields, "review")
        read_only_fields = fields


class ConditionInputSerializer(serializers.Serializer):
    # Blank passes here: the service names the problem under `conditions`.
    text = serializers.CharField(allow_blank=True, max_length=NOTE_MAX)
    blocking = serializers.BooleanField(default=True, help_text="Must be met before go-live.")
    due_date = serializers.DateField(
        allow_null=True, required=False, default=None, validators=[date_in_range]
    )


class VoteInputSerializer(serializers.Serializer):
    choice = serializers.ChoiceField(choices=VoteChoice.choices)
    reasons = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        max_length=TEXT_MAX,
        help_text="Required for request_changes and reject.",
    )
    # max_length goes to the list (many=True), which djangorestframework-stubs do not model.
    conditions = ConditionInputSerializer(  # type: ignore[call-arg]
        many=True,
        required=False,
        max_length=CONDITIONS_MAX,
        help_text=f"Required for approve_with_conditions, only then; at most {CONDITIONS_MAX}.",
    )


# ---- conditions and comments -----------------------------------------------------------------


class EvidenceFileSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True, help_text="In bytes.")
    sha256 = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True, help_text="Where to download it (signed in).")


def _username(source: str, help_text: str) -> serializers.CharField:
    return serializers.CharField(
        source=f"{source}.username",
        allow_null=True,
        default=None,
        read_only=True,
        help_text=help_text,
    )


class ConditionSerializer(serializers.ModelSerializer):
    use_case = serializers.IntegerField(source="review.use_case_id", read_only=True)
    use_case_reference = serializers.CharField(source="review.use_case.reference", read_only=True)
    owner_username = _username("owner", "Who is responsible for meeting it.")
    claimed_by_username = _username("claimed_by", "Who last marked it met.")
    sent_back_by_username = _username("sent_back_by", "Who last sent it back to the team.")
    closed_by_username = _username("closed_by", "Who confirmed it met or waived it.")
    evidence_file = serializers.SerializerMethodField(
        help_text="The evidence file: its name, size, SHA-256 and download URL; null without one."
    )

    class Meta:
        model = Condition
        fields = (
            "id", "review", "use_case", "use_case_reference", "text", "owner", "owner_username",
            "due_date", "blocking", "status", "confirming_role", "evidence", "evidence_file",
            "claimed_by_username", "claimed_at", "sent_back_comment", "sent_back_by_username",
            "sent_back_at", "waiver_reason", "closed_by_username", "created_at", "closed_at",
        )  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "status": {
                "help_text": "open; claimed: marked met by the team, awaiting the confirmation "
                "of `confirming_role` (or the chair); met; waived."
            },
        }

    @extend_schema_field(EvidenceFileSerializer(allow_null=True))
    def get_evidence_file(self, condition: Condition) -> dict | None:
        if not condition.evidence_file:
            return None
        url = reverse("reviews:condition_file", args=[condition.review_id, condition.pk])
        request = self.context.get("request")
        return {
            "name": condition.evidence_file_name,
            "size": condition.evidence_file_size,
            "sha256": condition.evidence_file_sha256,
            "url": request.build_absolute_uri(url) if request is not None else url,
        }


class ConditionMeetInputSerializer(serializers.Serializer):
    evidence = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        max_length=TEXT_MAX,
        help_text="How it is met: a few words or a link. Required unless a file is sent.",
    )
    file = serializers.FileField(
        required=False,
        help_text="An evidence file (multipart/form-data); the types and size of checklist "
        "evidence files.",
    )


class ConditionConfirmInputSerializer(serializers.Serializer):
    # A plain string in the schema: an enum named after `verdict` would clash with the checklist's
    # (see role_list); the service names a wrong word under `verdict` (400).
    verdict = serializers.CharField(
        max_length=16,
        help_text=f"One of: {', '.join(ConfirmVerdict.values)}. confirmed: it is met; "
        "sent_back: open again for the team, with the comment.",
    )
    comment = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        max_length=NOTE_MAX,
        help_text="Required for sent_back: what is missing.",
    )


class ConditionWaiveInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=NOTE_MAX)


class CommentSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="author.username", read_only=True)

    class Meta:
        model = Comment
        fields = ("id", "author", "username", "body", "is_question", "created_at")
        read_only_fields = ("id", "author", "username", "created_at")
        extra_kwargs = {"body": {"allow_blank": True, "max_length": TEXT_MAX}}


class VoteListQuerySerializer(serializers.Serializer):
    history = serializers.BooleanField(
        default=False,
        help_text="true: every vote of every revision, with `current`; default: current votes of "
        "the judged revision.",
    )
