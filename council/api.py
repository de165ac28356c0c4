import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from rest_framework import mixins, viewsets

from .models import CouncilRole, RoleAssignment, Team
from .serializers import MemberSerializer, TeamSerializer


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    """Teams of the organisation (names only: who is in which team is not public to everyone)."""

    queryset = Team.objects.all()
    serializer_class = TeamSerializer
    filterset_fields = ["slug"]


class MemberFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(
        choices=CouncilRole.choices, method="holding", label="Holds this role today"
    )

    class Meta:
        model = get_user_model()
        fields = ["role"]

    def holding(self, queryset, name, value):
        return queryset.filter(
            pk__in=RoleAssignment.objects.active().filter(role=value).values("user_id")
        )


class MemberViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Active council members and auditors with the roles they hold today (names and roles only:
    any signed-in user may list them, e.g. to know who reviews what)."""

    serializer_class = MemberSerializer
    filterset_class = MemberFilter

    def get_queryset(self):
        # Two queries whatever the number of members: the users, then their roles of today.
        holders = RoleAssignment.objects.active().values("user_id")
        return (
            get_user_model()
            .objects.filter(pk__in=holders, is_active=True)
            .prefetch_related(
                Prefetch(
                    "role_assignments",
                    queryset=RoleAssignment.objects.active(),
                    to_attr="held_roles",
                )
            )
            .order_by("username")
        )
