from rest_framework import serializers

from audit.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id", "seq", "at", "actor", "actor_username", "action", "object_type", "object_id",
            "object_ref", "changes", "prev_hash", "hash",
        ]  # fmt: skip
        read_only_fields = fields


class AuditExportParams(serializers.Serializer):
    format = serializers.ChoiceField(
        choices=["csv", "json", "bundle"],
        default="csv",
        help_text="bundle: a zip an auditor verifies offline with the verify.py inside it.",
    )
