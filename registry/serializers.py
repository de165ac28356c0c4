from django.contrib.auth import get_user_model
from rest_framework import serializers

from common.limits import ID_MAX, LIST_MAX, MARKETS_MAX, NOTE_MAX, TEXT_MAX, date_in_range
from inventory.models import ModelVersion
from usecases.choices import Channel, DataCategory

from .models import (
    Deployment,
    Incident,
    IncidentStatus,
    KpiDirection,
    KpiMeasurement,
    PilotJudgement,
    Stage,
)
from .rules import KPI_STATUS_LABELS
from .selectors import is_overdue
from .services import EDITABLE_FIELDS, LINKED_VERSIONS, REQUESTABLE_STAGES

# The free-text facts of an entry (the one-line ones take their length from the model).
LONG_TEXT_FIELDS = ("human_oversight", "customer_disclosure", "monitoring_kpis")


class DeploymentSerializer(serializers.ModelSerializer):
    """A registry entry as every client reads it: the fields of SPEC section 6 and a few facts."""

    use_case_reference = serializers.CharField(source="use_case.reference", read_only=True)
    team = serializers.IntegerField(source="use_case.team_id", read_only=True)
    overdue = serializers.SerializerMethodField(
        help_text="Past its re-review date and still running (shown red)."
    )
    # Declared so the schema lists only what can be requested, and the empty value.
    requested_stage = serializers.ChoiceField(
        choices=[(stage, Stage(stage).label) for stage in REQUESTABLE_STAGES],
        allow_blank=True,
        read_only=True,
        help_text="A move waiting for the council's approval (a high-tier entry going to "
        "production); empty when none is.",
    )
    # Annotated by the viewset's queryset (registry.api.with_counts), never counted per row.
    open_incidents = serializers.IntegerField(
        read_only=True, help_text="Incidents not yet resolved."
    )

    class Meta:
        model = Deployment
        fields = (
            "id", "reference", "use_case", "use_case_reference", "team", "name", "vendor",
            "model_version", "model_versions", "channels", "markets", "stage", "requested_stage",
            "go_live_date",
            "business_owner",
            "technical_owner", "risk_tier", "human_oversight", "customer_disclosure",
            "data_categories", "monitoring_kpis", "last_review_date", "next_review_due",
            "published", "approval", "legacy", "overdue", "open_incidents", "pilot_results",
            "created_at", "updated_at", "version",
        )  # fmt: skip
        read_only_fields = fields

    def get_fields(self):
        fields = super().get_fields()
        fields["channels"] = serializers.ListField(
            child=serializers.ChoiceField(choices=Channel.choices), read_only=True
        )
        fields["markets"] = serializers.ListField(child=serializers.CharField(), read_only=True)
        fields["data_categories"] = serializers.ListField(
            child=serializers.ChoiceField(choices=DataCategory.choices), read_only=True
        )
        return fields

    def get_overdue(self, deployment) -> bool:
        return is_overdue(deployment)


class DeploymentInputSerializer(serializers.ModelSerializer):
    """The facts of a deployment the team types (services.EDITABLE_FIELDS), as the API takes them.

    Every rule (who, when, change control) lives in registry.services.
    """

    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices),
        allow_empty=False,
        max_length=LIST_MAX,
    )
    markets = serializers.ListField(
        child=serializers.CharField(max_length=64),
        allow_empty=False,
        max_length=MARKETS_MAX,
        help_text="Countries or regions, e.g. GB, IE, DE.",
    )
    data_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=DataCategory.choices),
        allow_empty=False,
        max_length=LIST_MAX,
    )
    # Anyone by id: who may be named is the service's rule (council.selectors), 400 in its words.
    business_owner = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all())
    technical_owner = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all())
    model_versions = serializers.PrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=ModelVersion.objects.all(),
        help_text="Ids of the inventory's model versions the tool runs on (one per model).",
    )

    class Meta:
        model = Deployment
        fields: tuple[str, ...] = (*EDITABLE_FIELDS, LINKED_VERSIONS)
        extra_kwargs = {
            **{name: {"max_length": TEXT_MAX} for name in LONG_TEXT_FIELDS},
            "go_live_date": {"validators": [date_in_range]},
        }

    def validate(self, attrs):
        # Distinct words, in the order given, as the use-case answers store them.
        for name in ("channels", "markets", "data_categories"):
            if name in attrs:
                attrs[name] = list(dict.fromkeys(attrs[name]))
        return attrs


class DeploymentUpdateSerializer(DeploymentInputSerializer):
    """What `PATCH registry/{id}/` takes: any of the editable facts; anything else is refused."""

    # Where to change what the team cannot edit here.
    NOT_HERE = {"stage": "Move the entry with registry/{id}/stage/."}

    version = serializers.IntegerField(
        min_value=1,
        required=False,
        write_only=True,
        help_text="The `version` you read (or send its ETag as If-Match): if the entry was saved "
        "since, nothing is saved and the answer says who changed what (409, or 412 for "
        "If-Match). Without either, the change is saved whatever happened since.",
    )

    class Meta(DeploymentInputSerializer.Meta):
        fields = (*EDITABLE_FIELDS, LINKED_VERSIONS, "version")

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {
                    name: [self.NOT_HERE.get(name, "Not an editable field of a registry entry.")]
                    for name in unknown
                }
            )
        return super().validate(attrs)


class DeploymentCreateSerializer(DeploymentInputSerializer):
    """What `POST registry/` takes: the approved use case and the facts of the deployment.

    The reference, risk tier, approval and review dates come from the use case and its decision;
    every rule (approved, blocking conditions met, only its team) lives in the service.
    """

    use_case = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, help_text="Id of an approved use case of your team."
    )
    stage = serializers.ChoiceField(
        choices=Stage.choices,
        required=False,
        help_text="Every entry starts in `pilot`; move it with `registry/{id}/stage/`.",
    )

    class Meta(DeploymentInputSerializer.Meta):
        fields = ("use_case", "stage", *EDITABLE_FIELDS, LINKED_VERSIONS)

    def validate_stage(self, value):
        if value != Stage.PILOT:
            raise serializers.ValidationError(
                "Every entry starts in pilot; move it with registry/{id}/stage/."
            )
        return value


class StageInputSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=NOTE_MAX, default=""
    )
    results = serializers.ChoiceField(
        choices=PilotJudgement.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to leave pilot for production: the pilot's results judged against "
        "the success criteria of the use case.",
    )
    results_summary = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=TEXT_MAX,
        default="",
        help_text="Required with `results`: what the pilot showed.",
    )


class IncidentSerializer(serializers.ModelSerializer):
    reported_by_username = serializers.CharField(source="reported_by.username", read_only=True)
    resolved_by_username = serializers.CharField(
        source="resolved_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Incident
        fields = (
            "id", "kind", "severity", "description", "status", "resolution", "reported_by",
            "reported_by_username", "reported_at", "resolved_at", "resolved_by",
            "resolved_by_username",
        )  # fmt: skip
        read_only_fields = (
            "id", "status", "resolution", "reported_by", "reported_at", "resolved_at",
            "resolved_by",
        )  # fmt: skip
        extra_kwargs = {"description": {"max_length": TEXT_MAX}}


class IncidentUpdateSerializer(serializers.Serializer):
    """Follow an incident up: `investigating`, then `resolved` with a written resolution."""

    status = serializers.ChoiceField(
        choices=[s for s in IncidentStatus.choices if s[0] != IncidentStatus.OPEN]
    )
    resolution = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=TEXT_MAX,
        default="",
        help_text="Required to resolve: what was found and what was done.",
    )


class KpiSerializer(serializers.Serializer):
    """A KPI of the entry with its latest value and where it stands (registry.selectors.KpiResult);
    POST takes `name`, `unit`, `direction`, `baseline` and `target`."""

    id = serializers.IntegerField(source="kpi.pk", read_only=True)
    name = serializers.CharField(source="kpi.name", max_length=200)
    unit = serializers.CharField(
        source="kpi.unit", max_length=32, required=False, allow_blank=True, default=""
    )
    direction = serializers.ChoiceField(source="kpi.direction", choices=KpiDirection.choices)
    baseline = serializers.DecimalField(source="kpi.baseline", max_digits=16, decimal_places=4)
    target = serializers.DecimalField(source="kpi.target", max_digits=16, decimal_places=4)
    latest = serializers.DecimalField(
        max_digits=16, decimal_places=4, read_only=True, allow_null=True
    )
    measured_on = serializers.DateField(read_only=True, allow_null=True)
    measurements = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(
        choices=list(KPI_STATUS_LABELS.items()),
        read_only=True,
        help_text="`met` (target reached), `improving` (better than the baseline), `not_met`, "
        "`not_measured`.",
    )


class KpiMeasurementSerializer(serializers.ModelSerializer):
    class Meta:
        model = KpiMeasurement
        fields = ("id", "value", "measured_on", "note", "recorded_by", "recorded_at")
        read_only_fields = ("id", "recorded_by", "recorded_at")


class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A CSV (UTF-8) or XLSX file with the template's columns "
        "(`/registry/import/template.csv`)."
    )
    dry_run = serializers.BooleanField(
        default=True,
        help_text="true (the default): check every row and report, importing nothing; false: "
        "import the file when no row has an error.",
    )


class ImportRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row's number in the spreadsheet (header: 1).")
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=["valid", "created", "unchanged", "error"])
    reference = serializers.CharField(
        allow_blank=True, help_text="The registry entry the row became (or was before)."
    )

    def get_fields(self):
        # `errors` names a Serializer property: the field is added here, not as an attribute.
        fields = super().get_fields()
        fields["errors"] = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="{column: [messages]}; empty when the row is right.",
        )
        return fields


class ImportReportSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    file = serializers.CharField(source="original_name")
    sha256 = serializers.CharField()
    status = serializers.CharField()
    rows = serializers.IntegerField()
    rows_with_errors = serializers.IntegerField()
    rows_new = serializers.IntegerField(help_text="Rows not in the registry before this import.")
    results = ImportRowSerializer(source="report", many=True)
