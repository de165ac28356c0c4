from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.limits import LIST_MAX, MARKETS_MAX, NOTE_MAX, TEXT_MAX
from council.models import Team
from inventory.models import ModelVersion

from .choices import LIST_FIELDS, AttachmentKind
from .ids import beyond_stored_ids
from .markets import unknown_markets
from .models import Attachment, UseCase, UseCaseRevision
from .services import ANSWER_FIELDS, DERIVED_FIELDS

YES_NO_FIELDS = (
    "customer_facing",
    "significant_decisions",
    "vulnerable_groups",
    "outbound_contact",
)
# The free-text answers (the one-line ones take their length from the model).
LONG_TEXT_FIELDS = (
    "summary",
    "business_problem",
    "expected_benefits",
    "kpis",
    "pilot_plan",
    "customer_disclosure",
    "human_escalation",
    "art_6_3_grounds",
)


class UniqueChoiceList(serializers.ListField):
    """A multi-valued answer: distinct words of one enumeration."""

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        return list(dict.fromkeys(values))


class MarketList(serializers.ListField):
    """ISO 3166-1 alpha-2 country codes (or EU), upper case, each once."""

    child = serializers.CharField(max_length=2, min_length=2)

    def to_internal_value(self, data):
        values = list(dict.fromkeys(code.upper() for code in super().to_internal_value(data)))
        unknown = unknown_markets(values)
        if unknown:
            raise serializers.ValidationError(
                f"Not a country code: {', '.join(unknown)}. Use ISO codes such as IE, GB, DE, or EU."
            )
        return values


class ModelVersionIds(serializers.PrimaryKeyRelatedField):
    """A model version of the inventory by id; one past what a database stores does not exist."""

    def to_internal_value(self, data):
        if beyond_stored_ids(data):
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class UseCaseSerializer(serializers.ModelSerializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    # Anyone by id: who may be named is the service's rule (council.selectors), 400 in its words.
    business_owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), allow_null=True, required=False
    )
    risk_reasons = serializers.ListField(child=serializers.CharField(), read_only=True)
    dpia_reasons = serializers.ListField(child=serializers.CharField(), read_only=True)
    ai_act_reasons = serializers.ListField(child=serializers.CharField(), read_only=True)
    obligations = serializers.ListField(child=serializers.DictField(), read_only=True)
    markets = MarketList(required=False, max_length=MARKETS_MAX)
    # Any version of the inventory by id (everyone signed in reads them); one per model is the
    # service's rule (usecases.services.usecase_models_set), 400 in its words.
    model_versions = ModelVersionIds(
        many=True,
        required=False,
        queryset=ModelVersion.objects.all(),
        help_text="Ids of the inventory's model versions the use case means to use (one per "
        "model). Given, it replaces the ones named; left out, they stay.",
    )

    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="Counts the saves (also the ETag). On PUT or PATCH, the version you read (or "
        "send its ETag as If-Match): if the use case was saved since, nothing is saved and the "
        "answer says who changed what (409, or 412 for If-Match). Without either, the change "
        "is saved whatever happened since. Ignored on create.",
    )

    class Meta:
        model = UseCase
        fields: tuple[str, ...] = (
            "id", "reference", "state", "revision", *ANSWER_FIELDS, "model_versions",
            *DERIVED_FIELDS, "legacy", "created_at", "updated_at", "submitted_at", "version",
        )  # fmt: skip
        read_only_fields = (
            "id", "reference", "state", "revision", "risk_tier", "dpia_required", "ai_act_class",
            "legacy", "created_at", "updated_at", "submitted_at",
        )  # fmt: skip
        extra_kwargs = {
            **{name: {"allow_null": True, "required": False} for name in YES_NO_FIELDS},
            **{name: {"max_length": TEXT_MAX} for name in LONG_TEXT_FIELDS},
        }

    def get_fields(self):
        fields = super().get_fields()
        for name, choices in LIST_FIELDS.items():
            fields[name] = UniqueChoiceList(
                child=serializers.ChoiceField(choices=choices.choices),
                required=False,
                max_length=LIST_MAX,
            )
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            # The owning team is chosen at creation and may change while editable, never be emptied.
            fields["team"].required = False
        return fields


class RevisionSerializer(serializers.ModelSerializer):
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True)

    class Meta:
        model = UseCaseRevision
        fields = (
            "number", "answers", "ai_act_class", "ai_act_reasons", "risk_tier", "risk_reasons",
            "dpia_required", "dpia_reasons", "obligations", "attachments", "submitted_by", "submitted_at",
        )  # fmt: skip


class AttachmentSerializer(serializers.ModelSerializer):
    file = serializers.FileField(write_only=True)
    kind = serializers.ChoiceField(choices=AttachmentKind.choices, default=AttachmentKind.OTHER)
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = (
            "id", "kind", "file", "original_name", "content_type", "size", "sha256",
            "uploaded_by", "uploaded_at", "download_url",
        )  # fmt: skip
        read_only_fields = ("original_name", "content_type", "size", "sha256", "uploaded_at")

    def get_download_url(self, attachment) -> str:
        return f"/use-cases/{attachment.use_case_id}/attachments/{attachment.pk}/"


class SubmitCheckSerializer(serializers.Serializer):
    warnings = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Each seat of the council's review that nobody free of a conflict could take "
        "(four eyes), in words: what it means and what to do. Empty when every seat can be filled.",
    )


class SubmittedSerializer(UseCaseSerializer):
    """The use case just submitted, with what the team should know about its review."""

    warnings = serializers.SerializerMethodField()

    class Meta(UseCaseSerializer.Meta):
        fields = (*UseCaseSerializer.Meta.fields, "warnings")

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_warnings(self, use_case) -> list[str]:
        return self.context.get("warnings", [])


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX)


class SimilarMatchSerializer(serializers.Serializer):
    """A use case the caller may see that may be the same as this one, and why."""

    id = serializers.IntegerField(source="use_case.pk", read_only=True)
    reference = serializers.CharField(source="use_case.reference", read_only=True)
    title = serializers.CharField(source="use_case.title", read_only=True)
    team = serializers.IntegerField(source="use_case.team_id", read_only=True)
    team_name = serializers.CharField(read_only=True)
    state = serializers.CharField(source="use_case.state", read_only=True)
    reasons = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text='Why it matched: "same tool and vendor", "similar title", "same model" (it '
        "names one of the same inventory models, any version), one or more.",
    )


class SimilarUseCasesSerializer(serializers.Serializer):
    matches = SimilarMatchSerializer(many=True, source="shown", read_only=True)
    teams_elsewhere = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Teams with a use case that may match which the caller may not see (nothing "
        "more is said of it): ask the council.",
    )
