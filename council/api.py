from rest_framework import viewsets

from .models import Team
from .serializers import TeamSerializer


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    """Teams of the organisation (names only: who is in which team is not public to everyone)."""

    queryset = Team.objects.all()
    serializer_class = TeamSerializer
    filterset_fields = ["slug"]
