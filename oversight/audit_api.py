"""`GET /api/v1/audit-events/` and its export, for auditors and the chair (SPEC sections 7-8)."""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated

from audit.bundle import audit_bundle
from audit.models import AuditEvent
from council.permissions import AuditorOrChair

from .audit_filters import AuditEventFilter
from .audit_serializers import AuditEventSerializer, AuditExportParams
from .exports import audit_export
from .exports_api import EXPORT_RESPONSES, IgnoreFormatNegotiation, export_response, signed

AUDIT_EXPORT_RESPONSES = {
    **{
        key: value
        for key, value in EXPORT_RESPONSES.items()
        if not (isinstance(key, tuple) and key[1].endswith("sheet"))
    },
    (200, "application/zip"): OpenApiResponse(
        OpenApiTypes.BINARY,
        description="format=bundle: events.jsonl, checkpoints.jsonl, manifest.json,"
        " manifest.sig, public_key.pem and verify.py (docs/audit-format.md).",
    ),
}


class AuditEventViewSet(IgnoreFormatNegotiation, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The audit trail, oldest first; filters by object, actor, action and a date range."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    permission_classes = [IsAuthenticated, AuditorOrChair]
    queryset = AuditEvent.objects.order_by("seq")

    @extend_schema(
        operation_id="audit_events_export",
        # The list's filters apply here too; django-filter's schema hook only covers `list`.
        parameters=[
            AuditExportParams,
            OpenApiParameter("object_type", OpenApiTypes.STR),
            OpenApiParameter("object_id", OpenApiTypes.STR),
            OpenApiParameter("actor", OpenApiTypes.INT, description="User id."),
            OpenApiParameter("actor_username", OpenApiTypes.STR, description="Username."),
            OpenApiParameter("action", OpenApiTypes.STR),
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day, inclusive."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, inclusive."),
        ],
        responses=AUDIT_EXPORT_RESPONSES,
    )
    @action(detail=False, methods=["get"], url_path="export", pagination_class=None)
    def export(self, request):
        params = AuditExportParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        filterset = AuditEventFilter(request.query_params, queryset=self.get_queryset())
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        filters = {k: str(v) for k, v in filterset.form.cleaned_data.items() if v not in (None, "")}
        if params.validated_data["format"] == "bundle":
            bundle = audit_bundle(user=request.user, events=filterset.qs, filters=filters)
            response = FileResponse(
                bundle.file,
                content_type="application/zip",
                as_attachment=True,
                filename=bundle.filename,
            )
            return signed(response, bundle.manifest, bundle.signature)
        export = audit_export(
            user=request.user,
            fmt=params.validated_data["format"],
            events=filterset.qs,
            filters=filters,
        )
        return export_response(export)
