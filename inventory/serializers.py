"""The inventory as the API reads and takes it. Every rule lives in inventory.services."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from common.limits import LIST_MAX, NAME_MAX, TEXT_MAX, date_in_range

from .choices import Certification, DataResidency, ModelType, TrainsOnOurData
from .models import AiModel, ModelVersion, Vendor
from .services import VENDOR_FIELDS


def _day() -> serializers.DateField:
    return serializers.DateField(required=False, allow_null=True, validators=[date_in_range])


class VendorSerializer(serializers.ModelSerializer):
    """A vendor and its assessment, answered once for every team."""

    assessment_lapsed = serializers.BooleanField(
        read_only=True, help_text="Never assessed, or past the next assessment's due date."
    )
    sub_processors = serializers.ListField(child=serializers.CharField(), read_only=True)
    certifications = serializers.ListField(
        child=serializers.ChoiceField(choices=Certification.choices), read_only=True
    )
    # Declared so that the schema admits the empty answer (not given yet).
    website = serializers.CharField(read_only=True, help_text="A URL, or empty.")
    data_residency = serializers.ChoiceField(
        choices=DataResidency.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Vendor
        fields = ("id", *VENDOR_FIELDS, "assessment_lapsed", "version", "created_at", "updated_at")
        read_only_fields = fields


class VendorInputSerializer(serializers.Serializer):
    """What `POST vendors/` and `PUT`/`PATCH vendors/{id}/` take."""

    name = serializers.CharField(max_length=NAME_MAX)
    website = serializers.URLField(max_length=200, required=False, allow_blank=True)
    # Anyone by id: who may keep an assessment is the service's rule, 400 in its words.
    owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), required=False, allow_null=True
    )
    dpa_signed = serializers.BooleanField(required=False)
    dpa_signed_on = _day()
    sub_processors = serializers.ListField(
        child=serializers.CharField(max_length=NAME_MAX), required=False, max_length=LIST_MAX
    )
    data_residency = serializers.ChoiceField(
        choices=DataResidency.choices, required=False, allow_blank=True
    )
    data_residency_detail = serializers.CharField(
        max_length=NAME_MAX, required=False, allow_blank=True
    )
    trains_on_our_data = serializers.ChoiceField(choices=TrainsOnOurData.choices, required=False)
    certifications = serializers.ListField(
        child=serializers.ChoiceField(choices=Certification.choices),
        required=False,
        max_length=LIST_MAX,
    )
    security_review = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    security_reviewed_on = _day()
    assessed_on = _day()
    next_assessment_due = _day()
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        write_only=True,
        help_text="On a change: the `version` you read (or send its ETag as If-Match): if the "
        "vendor was saved since, nothing is saved and the answer says who changed what (409, or "
        "412 for If-Match). Without either, the change is saved whatever happened since.",
    )

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: ["Not a field of a vendor."] for name in unknown}
            )
        if "certifications" in attrs:
            attrs["certifications"] = list(dict.fromkeys(attrs["certifications"]))
        return attrs


class AiModelSerializer(serializers.ModelSerializer):
    vendor_name = serializers.CharField(
        source="vendor.name", read_only=True, allow_null=True, default=None
    )
    type = serializers.ChoiceField(source="model_type", choices=ModelType.choices, read_only=True)

    class Meta:
        model = AiModel
        fields = (
            "id", "vendor", "vendor_name", "name", "type", "general_purpose", "model_card_url",
            "proposed", "recorded_at",
        )  # fmt: skip
        read_only_fields = fields


class AiModelInputSerializer(serializers.Serializer):
    """What `POST models/` and `PATCH models/{id}/` take. A team member's model is proposed,
    for the council to confirm."""

    vendor = serializers.PrimaryKeyRelatedField(
        queryset=Vendor.objects.all(),
        allow_null=True,
        help_text="The vendor's id; null for a model built in-house.",
    )
    name = serializers.CharField(max_length=NAME_MAX)
    type = serializers.ChoiceField(source="model_type", choices=ModelType.choices)
    general_purpose = serializers.BooleanField(
        required=False, help_text="A general-purpose AI model (EU AI Act, Art. 3(63))."
    )
    model_card_url = serializers.URLField(max_length=200, required=False, allow_blank=True)

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: ["Not a field of a model."] for name in unknown}
            )
        return attrs


class ModelVersionSerializer(serializers.ModelSerializer):
    recorded_by_username = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = ModelVersion
        fields: tuple[str, ...] = (
            "id", "model", "version", "notes", "released_on", "recorded_at", "recorded_by",
            "recorded_by_username", "proposed",
        )  # fmt: skip
        read_only_fields: tuple[str, ...] = fields


class ModelVersionInputSerializer(serializers.Serializer):
    """What `POST models/{id}/versions/` takes. A team member's version is proposed."""

    version = serializers.CharField(max_length=NAME_MAX)
    notes = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    released_on = _day()
    roll_out = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Put the version in place on every deployment of the model now, opening a "
        "change review of each (council only; not for a proposed version).",
    )


class FanOutEntrySerializer(serializers.Serializer):
    """A deployment a roll-out reached, and the change review now judging the new version."""

    id = serializers.IntegerField(source="deployment.pk")
    reference = serializers.CharField(source="deployment.reference")
    name = serializers.CharField(source="deployment.name")
    team = serializers.CharField(source="deployment.use_case.team.name")
    review = serializers.IntegerField(source="review.pk", allow_null=True, default=None)


class ModelVersionRolledOutSerializer(ModelVersionSerializer):
    """A version and the deployments its roll-out reached (empty when not rolled out)."""

    deployments = FanOutEntrySerializer(many=True, read_only=True)

    class Meta(ModelVersionSerializer.Meta):
        fields = (*ModelVersionSerializer.Meta.fields, "deployments")
        read_only_fields = fields


class ModelVersionPageSerializer(serializers.Serializer):
    """One page of a model's versions, as every list of the API pages (for the schema)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ModelVersionSerializer(many=True)
