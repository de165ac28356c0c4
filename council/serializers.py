from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import CouncilRole, Team


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ("id", "name", "slug", "description")


class MemberSerializer(serializers.Serializer):
    """A council member or auditor: names and roles only, for any signed-in user."""

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    full_name = serializers.CharField(source="get_full_name", read_only=True)
    roles = serializers.SerializerMethodField()

    # Plain strings in the schema, like reviews.serializers.role_list (one enum name per choice set).
    @extend_schema_field(
        serializers.ListField(
            child=serializers.CharField(), help_text="Council roles (the words of RoleEnum)."
        )
    )
    def get_roles(self, user) -> list[str]:
        # `held_roles` is prefetched by the view with today's active role assignments.
        held = {assignment.role for assignment in user.held_roles}
        return [role for role in CouncilRole.values if role in held]
