"""The inventory API: `vendors/`, `models/` and `models/{id}/versions/` (SPEC section 11).

Thin views: everyone signed in reads; writes go through inventory.services, which hold every
rule and raise ValidationError (400) or ActionForbidden (403); common.api renders them.
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
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

from . import services
from .filters import AiModelFilter, VendorFilter
from .selectors import (
    model_edit_refusal,
    models_visible,
    proposal_refusal,
    vendor_create_refusal,
    vendor_edit_refusal,
    vendors_visible,
    versions_of,
)
from .serializers import (
    AiModelInputSerializer,
    AiModelSerializer,
    FanOutEntrySerializer,
    ModelVersionInputSerializer,
    ModelVersionPageSerializer,
    ModelVersionRolledOutSerializer,
    ModelVersionSerializer,
    VendorInputSerializer,
    VendorSerializer,
)

WRITE_ERRORS = {
    400: OpenApiResponse(description="Invalid input: {field: [messages]}."),
    403: OpenApiResponse(description="Not allowed: the council keeps the inventory."),
}


class VendorViewSet(
    IdempotentPostMixin,
    VersionedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Vendors and their assessments, answered once for every team that uses their models."""

    serializer_class = VendorSerializer
    filterset_class = VendorFilter
    permission_classes = [IsAuthenticated, AuditorsReadOnly]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return vendors_visible().order_by("name", "id")

    def vendor_data(self, vendor) -> dict:
        """The vendor as the API shows it, re-read after a write (with its lapse worked out)."""
        return VendorSerializer(get_object_or_404(self.get_queryset(), pk=vendor.pk)).data

    @extend_schema(
        request=VendorInputSerializer,
        responses={201: VendorSerializer, **WRITE_ERRORS},
        description="Enter a vendor and its assessment (council members and the chair). Names "
        "are unique in any case.",
    )
    def create(self, request):
        # Refused before the input is read: a team learns it may not, not what it typed wrong.
        refuse(vendor_create_refusal(user=request.user))
        payload = VendorInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data.pop("version", None)
        vendor = services.vendor_create(actor=request.user, data=data)
        return Response(self.vendor_data(vendor), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=VendorInputSerializer,
        parameters=[IF_MATCH_PARAMETER],
        responses={200: VendorSerializer, **WRITE_ERRORS, **STALE_EDIT_RESPONSES},
        description="Change any answer of the vendor or its assessment (council members and "
        "the chair; never a team). Send the `version` read (or its ETag as If-Match) so that "
        "a change someone saved since is never silently undone.",
    )
    def partial_update(self, request, pk=None):
        vendor = self.get_object()
        refuse(vendor_edit_refusal(user=request.user))
        payload = VendorInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        vendor = workflows.vendor_update(
            actor=request.user,
            vendor=vendor,
            data=data,
            version=version_read(request, data.pop("version", None)),
        )
        return Response(self.vendor_data(vendor))


class AiModelViewSet(
    IdempotentPostMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Models, of a vendor or built in-house, and their versions."""

    serializer_class = AiModelSerializer
    filterset_class = AiModelFilter
    permission_classes = [IsAuthenticated, AuditorsReadOnly]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return models_visible().order_by("name", "id")

    @extend_schema(
        request=AiModelInputSerializer,
        responses={201: AiModelSerializer, **WRITE_ERRORS},
        description="Enter a model. The council's is in the inventory at once; a team "
        "member's is `proposed` until the council confirms it.",
    )
    def create(self, request):
        refuse(proposal_refusal(user=request.user))
        payload = AiModelInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        model = services.model_create(actor=request.user, data=payload.validated_data)
        return Response(AiModelSerializer(model).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=AiModelInputSerializer,
        responses={200: AiModelSerializer, **WRITE_ERRORS},
        description="Correct a model's facts (council members and the chair).",
    )
    def partial_update(self, request, pk=None):
        model = self.get_object()
        refuse(model_edit_refusal(user=request.user))
        payload = AiModelInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        model = services.model_update(actor=request.user, model=model, data=payload.validated_data)
        return Response(AiModelSerializer(model).data)

    @extend_schema(
        request=None,
        responses={200: AiModelSerializer, **WRITE_ERRORS},
        description="Confirm a model a team proposed (council members and the chair; 409 "
        "when it is confirmed already).",
    )
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def confirm(self, request, pk=None):
        model = services.model_confirm(actor=request.user, model=self.get_object())
        return Response(AiModelSerializer(model).data)

    @extend_schema(
        methods=["get"],
        parameters=[
            OpenApiParameter("page", int, description="A page number within the results."),
            OpenApiParameter("page_size", int, description="Versions a page (up to 500)."),
        ],
        responses=ModelVersionPageSerializer,
    )
    @extend_schema(
        methods=["post"],
        request=ModelVersionInputSerializer,
        responses={201: ModelVersionRolledOutSerializer, **WRITE_ERRORS},
        description="Record a new version of the model: the council's is recorded at once, a "
        "team member's is `proposed` until the council confirms it. With `roll_out: true` "
        "(council only) it is rolled out at once: see `versions/{version_id}/roll-out/`; the "
        "answer lists the deployments it reached.",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filterset_class=None,
        serializer_class=ModelVersionSerializer,
    )
    def versions(self, request, pk=None):
        """GET: the model's versions, newest first. POST: record one."""
        model = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(versions_of(model))
            return self.get_paginated_response(ModelVersionSerializer(page, many=True).data)
        refuse(proposal_refusal(user=request.user))
        payload = ModelVersionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        fan_out = workflows.model_version_record(
            actor=request.user, model=model, data=data, roll_out=data.pop("roll_out", False)
        )
        return Response(_rolled_out(fan_out), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: ModelVersionRolledOutSerializer, **WRITE_ERRORS},
        description="Roll a confirmed version out: it takes the place of the model's version on "
        "every deployment that runs the model, whichever team owns it, and a change review of "
        "each one's use case opens in the same transaction (one already under way judges it "
        "too). The answer lists them. Council members and the chair; 409 for a proposed one.",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"versions/(?P<version_id>\d+)/roll-out",
        pagination_class=None,
        filterset_class=None,
    )
    def roll_out_version(self, request, pk=None, version_id=None):
        version = get_object_or_404(self.get_object().versions, pk=version_id)
        return Response(
            _rolled_out(workflows.model_version_roll_out(actor=request.user, version=version))
        )

    @extend_schema(
        request=ModelVersionInputSerializer,
        responses={200: ModelVersionSerializer, **WRITE_ERRORS},
        description="Correct a version's name, notes or release day (council members and the "
        "chair).",
    )
    @action(
        detail=True,
        methods=["patch"],
        url_path=r"versions/(?P<version_id>\d+)",
        pagination_class=None,
        filterset_class=None,
    )
    def version(self, request, pk=None, version_id=None):
        version = get_object_or_404(self.get_object().versions, pk=version_id)
        refuse(model_edit_refusal(user=request.user))
        payload = ModelVersionInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        version = services.version_update(
            actor=request.user, version=version, data=payload.validated_data
        )
        return Response(ModelVersionSerializer(version).data)

    @extend_schema(
        request=None,
        responses={200: ModelVersionSerializer, **WRITE_ERRORS},
        description="Confirm a version a team proposed (council members and the chair; 409 "
        "when it is confirmed already).",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"versions/(?P<version_id>\d+)/confirm",
        pagination_class=None,
        filterset_class=None,
    )
    def confirm_version(self, request, pk=None, version_id=None):
        model = self.get_object()
        version = get_object_or_404(model.versions, pk=version_id)
        version = services.version_confirm(actor=request.user, version=version)
        return Response(ModelVersionSerializer(version).data)


def _rolled_out(fan_out: workflows.FanOut) -> dict:
    return {
        **ModelVersionSerializer(fan_out.version).data,
        "deployments": FanOutEntrySerializer(fan_out.rows, many=True).data,
    }
