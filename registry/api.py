"""The registry API (SPEC sections 6 and 11).

Thin views: reads go through registry.selectors (what the user may see, 404 otherwise), writes
through registry.services, which hold every rule and raise ValidationError (400),
ActionForbidden (403) or TransitionNotAllowed (409); common.api renders them.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

import workflows
from common.api import (
    IF_MATCH_PARAMETER,
    STALE_EDIT_RESPONSES,
    IdempotentPostMixin,
    VersionedMixin,
    version_read,
)
from common.errors import refuse
from council.permissions import AuditorsReadOnly
from usecases.selectors import usecase_list_visible

from . import services
from .filters import DeploymentFilter
from .models import Deployment
from .selectors import (
    deployment_list_visible,
    deployments_listed,
    kpi_results,
    registry_import_refusal,
    unresolved_incidents_count,
)
from .serializers import (
    DeploymentCreateSerializer,
    DeploymentSerializer,
    DeploymentUpdateSerializer,
    ImportInputSerializer,
    ImportReportSerializer,
    IncidentSerializer,
    IncidentUpdateSerializer,
    KpiMeasurementSerializer,
    KpiSerializer,
    StageInputSerializer,
)

# The errors every write can answer, so clients see them in the schema.
WRITE_ERRORS = {
    400: OpenApiResponse(description="Invalid input: {field: [messages]}."),
    403: OpenApiResponse(description="Not allowed to do this on an entry you can see."),
    404: OpenApiResponse(description="No such entry, or you may not see it."),
    409: OpenApiResponse(description="The state of the use case or entry does not allow it."),
}


def with_counts(queryset):
    """Everything DeploymentSerializer reads, in one query whatever the number of rows; the
    open incidents counted per row (a subquery), so that a page of the list reads its own rows
    only, in the order an index keeps."""
    return (
        queryset.select_related("use_case")
        .prefetch_related("model_versions")
        .annotate(open_incidents=unresolved_incidents_count())
    )


class DeploymentViewSet(
    IdempotentPostMixin,
    VersionedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The registry of deployed AI: the entries of the use cases the caller may see."""

    serializer_class = DeploymentSerializer
    filterset_class = DeploymentFilter
    permission_classes = [IsAuthenticated, AuditorsReadOnly]
    # Numeric ids only, so `registry/export/` (SPEC section 8) never reads as an entry.
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        entries = with_counts(deployment_list_visible(user=self.request.user))
        if self.action == "list":
            entries = deployments_listed(entries, shown_of_use_case=("reference", "team"))
        return entries.order_by("reference")

    def get_object(self):
        """The entry, 404 when the user may not see it; then the auditor check on writes."""
        deployment = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, deployment)
        return deployment

    def entry_data(self, deployment: Deployment) -> dict:
        """The entry as the API shows it, re-read after a write changed it."""
        return DeploymentSerializer(get_object_or_404(self.get_queryset(), pk=deployment.pk)).data

    @extend_schema(
        request={"multipart/form-data": ImportInputSerializer},
        responses={
            200: ImportReportSerializer,
            201: ImportReportSerializer,
            400: OpenApiResponse(
                description="The file cannot be read: `{file: [messages]}`; or, when importing, "
                "rows have errors: the report (as for 200) lists them, and nothing is imported.",
            ),
            403: WRITE_ERRORS[403],
        },
        description="Import an existing inventory (CSV or XLSX, the template's columns). Each "
        "row becomes a use case and a registry entry marked `legacy`, with the council's first "
        "review open; owners are matched by e-mail or username, vendors and models matched or "
        "created. `dry_run=true` (the default) reports per row `{row, status, errors: {column: "
        "[messages]}, reference}` and imports nothing (200); `dry_run=false` imports the whole "
        "file (201) or nothing when a row has an error (400). Rows imported before are "
        "`unchanged`: importing the same file twice changes nothing. The chair only.",
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        pagination_class=None,
        filterset_class=None,
        serializer_class=ImportInputSerializer,
    )
    def import_file(self, request):
        self.check_permissions(request)
        refuse(registry_import_refusal(user=request.user))  # before reading the upload
        payload = ImportInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        checked = workflows.registry_import_check(
            actor=request.user, upload=payload.validated_data["file"]
        )
        if payload.validated_data["dry_run"]:
            return Response(ImportReportSerializer(checked).data)
        if checked.rows_with_errors:
            return Response(
                ImportReportSerializer(checked).data, status=status.HTTP_400_BAD_REQUEST
            )
        done = workflows.registry_import_run(actor=request.user, registry_import=checked)
        return Response(ImportReportSerializer(done).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DeploymentCreateSerializer,
        responses={201: DeploymentSerializer, **WRITE_ERRORS},
        description="Enter an approved use case of your team in the registry once its blocking "
        "conditions are met (400 lists the open ones; 409 when the use case is not approved). "
        "The entry starts in `pilot`; its reference, risk tier, approval and review dates "
        "come from the use case and its decision.",
    )
    def create(self, request):
        payload = DeploymentCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data.pop("stage", None)
        use_case_id = data.pop("use_case")
        # Missing and invisible use cases answer the same, so existence never leaks.
        use_case = usecase_list_visible(user=request.user).filter(pk=use_case_id).first()
        if use_case is None:
            return Response({"use_case": ["No such use case."]}, status=status.HTTP_400_BAD_REQUEST)
        deployment = workflows.deployment_create(actor=request.user, use_case=use_case, data=data)
        return Response(self.entry_data(deployment), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DeploymentUpdateSerializer,
        parameters=[IF_MATCH_PARAMETER],
        responses={200: DeploymentSerializer, **WRITE_ERRORS, **STALE_EDIT_RESPONSES},
        description="Change any of the facts the team types (400 names any other field). A "
        "material change (`model_version`, `vendor`, `channels`, `markets`, `data_categories`, "
        "`human_oversight`, `customer_disclosure`) opens a change review of the use case, whose "
        "reason names the fields and any change of the EU AI Act class or internal tier; the "
        "entry keeps its stage meanwhile. 409 for a retired entry. Only the use case's team or "
        "business owner. Send the `version` read (or its ETag as If-Match) so that a change "
        "someone saved since is never silently undone; without it the change is saved anyway.",
    )
    def partial_update(self, request, pk=None):
        deployment = self.get_object()
        payload = DeploymentUpdateSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        deployment = workflows.deployment_update(
            actor=request.user,
            deployment=deployment,
            data=data,
            version=version_read(request, data.pop("version", None)),
        )
        return Response(self.entry_data(deployment))

    @extend_schema(
        request=StageInputSerializer,
        responses={
            200: DeploymentSerializer,
            202: OpenApiResponse(
                DeploymentSerializer,
                description="Requested, not moved: a high-tier entry goes from pilot to "
                "production once the council approves the change review (`requested_stage`).",
            ),
            **WRITE_ERRORS,
        },
        description="Move the entry to another stage (409 when the move is not allowed, e.g. "
        "out of `retired`, or already requested). For a high-tier entry, pilot to production is "
        "a request: 202, the entry stays in pilot with `requested_stage` set until the council "
        "approves. Leaving pilot for production needs `results` (the pilot's results judged "
        "against the success criteria: `met`, `partly_met`, `not_met`) and `results_summary` "
        "(400 without them); they are kept as `pilot_results` with the KPIs as they stood. Only "
        "the use case's team or business owner.",
    )
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def stage(self, request, pk=None):
        deployment = self.get_object()
        payload = StageInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        deployment = workflows.deployment_change_stage(
            actor=request.user, deployment=deployment, **payload.validated_data
        )
        moved = deployment.stage == payload.validated_data["stage"]
        return Response(
            self.entry_data(deployment),
            status=status.HTTP_200_OK if moved else status.HTTP_202_ACCEPTED,
        )

    @extend_schema(methods=["get"], responses=IncidentSerializer(many=True))
    @extend_schema(
        methods=["post"],
        request=IncidentSerializer,
        responses={201: IncidentSerializer, **WRITE_ERRORS},
        description="Anyone who can see the entry reports an incident; a `critical` one "
        "suspends the entry at once.",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        filterset_class=None,
        serializer_class=IncidentSerializer,
    )
    def incidents(self, request, pk=None):
        """GET: the incidents of the entry, newest first. POST: report one."""
        deployment = self.get_object()
        if request.method == "GET":
            incidents = deployment.incidents.select_related("reported_by")
            return Response(IncidentSerializer(incidents, many=True).data)
        payload = IncidentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        incident = workflows.incident_report(
            actor=request.user, deployment=deployment, **payload.validated_data
        )
        return Response(IncidentSerializer(incident).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=IncidentUpdateSerializer,
        responses={200: IncidentSerializer, **WRITE_ERRORS},
        description="Follow an incident up: `investigating`, then `resolved` with a written "
        "`resolution` (resolved is final; 409 for a move that is not allowed). Only the use "
        "case's team or business owner and the chair.",
    )
    @action(
        detail=True,
        methods=["patch"],
        url_path=r"incidents/(?P<incident_id>\d+)",
        pagination_class=None,
        filterset_class=None,
    )
    def incident(self, request, pk=None, incident_id=None):
        deployment = self.get_object()
        incident = get_object_or_404(deployment.incidents, pk=incident_id)
        payload = IncidentUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        incident = services.incident_update(
            actor=request.user, incident=incident, **payload.validated_data
        )
        return Response(IncidentSerializer(incident).data)

    @extend_schema(
        methods=["GET"],
        responses={200: KpiSerializer(many=True)},
        description="The entry's KPIs, each with its latest value and where it stands.",
    )
    @extend_schema(
        methods=["POST"],
        request=KpiSerializer,
        responses={201: KpiSerializer, **WRITE_ERRORS},
        description="Track a KPI: `name`, `unit`, `direction` (`higher` or `lower` is better), "
        "`baseline` and `target` (beyond the baseline in that direction). Only the use case's "
        "team or business owner; 409 for a retired entry.",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        filterset_class=None,
        serializer_class=KpiSerializer,
    )
    def kpis(self, request, pk=None):
        deployment = self.get_object()
        if request.method == "GET":
            return Response(KpiSerializer(kpi_results(deployment), many=True).data)
        payload = KpiSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        kpi = services.kpi_define(
            actor=request.user, deployment=deployment, **payload.validated_data["kpi"]
        )
        (result,) = [result for result in kpi_results(deployment) if result.kpi.pk == kpi.pk]
        return Response(KpiSerializer(result).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        responses={200: KpiMeasurementSerializer(many=True)},
        description="The values measured for one KPI of the entry, oldest first.",
    )
    @extend_schema(
        methods=["POST"],
        request=KpiMeasurementSerializer,
        responses={201: KpiMeasurementSerializer, **WRITE_ERRORS},
        description="Record a measured `value` on `measured_on` (one value a day, not in the "
        "future), e.g. from a reporting job. Only the use case's team or business owner.",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path=r"kpis/(?P<kpi_id>\d+)/measurements",
        pagination_class=None,
        filterset_class=None,
        serializer_class=KpiMeasurementSerializer,
    )
    def kpi_measurements(self, request, pk=None, kpi_id=None):
        deployment = self.get_object()
        kpi = get_object_or_404(deployment.kpis, pk=kpi_id)
        if request.method == "GET":
            return Response(KpiMeasurementSerializer(kpi.measurements.all(), many=True).data)
        payload = KpiMeasurementSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        measurement = services.kpi_measure(actor=request.user, kpi=kpi, **payload.validated_data)
        return Response(KpiMeasurementSerializer(measurement).data, status=status.HTTP_201_CREATED)
