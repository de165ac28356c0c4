from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
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
from .filters import UseCaseFilter
from .selectors import (
    similar_use_cases,
    usecase_get_visible,
    usecase_list_visible,
    usecase_similar_refusal,
    usecase_submit_refusal,
)
from .serializers import (
    AttachmentSerializer,
    RevisionSerializer,
    SimilarUseCasesSerializer,
    SubmitCheckSerializer,
    SubmittedSerializer,
    UseCaseSerializer,
    WithdrawSerializer,
)
from .views_support import attachment_response

# An edit may name the version it read: a save since then refuses it (common.api.version_read).
_EDIT_SCHEMA = extend_schema(
    parameters=[IF_MATCH_PARAMETER],
    responses={200: UseCaseSerializer, **STALE_EDIT_RESPONSES},
)


@extend_schema_view(update=_EDIT_SCHEMA, partial_update=_EDIT_SCHEMA)
class UseCaseViewSet(
    IdempotentPostMixin,
    VersionedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """AI use cases the caller may see. Drafts are edited freely; `submit/` validates everything."""

    serializer_class = UseCaseSerializer
    filterset_class = UseCaseFilter
    permission_classes = [IsAuthenticated, AuditorsReadOnly]

    def get_queryset(self):
        return (
            usecase_list_visible(user=self.request.user)
            .select_related("team", "business_owner")
            .prefetch_related("model_versions")
        )

    def get_object(self):
        """The use case, 404 when the user may not see it; then the auditor check on writes."""
        use_case = usecase_get_visible(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, use_case)
        return use_case

    @transaction.atomic  # the answers and the model versions named: both or neither
    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)  # a new use case starts at 1
        versions = data.pop("model_versions", None)
        use_case = services.usecase_create(actor=self.request.user, data=data)
        serializer.instance = self._name_versions(use_case, versions)

    @transaction.atomic  # the answers and the model versions named: both or neither
    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        versions = data.pop("model_versions", None)
        use_case = services.usecase_update(
            actor=self.request.user,
            use_case=serializer.instance,
            data=data,
            version=version_read(self.request, data.pop("version", None)),
        )
        serializer.instance = self._name_versions(use_case, versions)

    def _name_versions(self, use_case, versions):
        """The versions given (None: not given, those named stay) become the ones it names."""
        if versions is None:
            return use_case
        return services.usecase_models_set(
            actor=self.request.user, use_case=use_case, versions=versions
        )

    @extend_schema(request=None, responses=SubmittedSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Validate every answer (400 lists each problem by field) and freeze a new revision.
        `warnings` names each seat of the review that nobody free of a conflict could take."""
        use_case = workflows.usecase_submit(actor=request.user, use_case=self.get_object())
        warnings = [gap.once_submitted for gap in workflows.usecase_submit_check(use_case)]
        return Response(SubmittedSerializer(use_case, context={"warnings": warnings}).data)

    @extend_schema(responses=SubmitCheckSerializer)
    @action(
        detail=True,
        methods=["get"],
        url_path="submit-check",
        pagination_class=None,
        filterset_class=None,
    )
    def submit_check(self, request, pk=None):
        """Before submitting: each seat of the council's review that nobody free of a conflict
        could take, say because the business owner is the only privacy member (four eyes).
        Submitting is not refused: the review then waits for the chair to seat someone."""
        use_case = self.get_object()
        refuse(usecase_submit_refusal(user=request.user, use_case=use_case))
        warnings = [gap.before_submitting for gap in workflows.usecase_submit_check(use_case)]
        return Response(SubmitCheckSerializer({"warnings": warnings}).data)

    @extend_schema(responses=SimilarUseCasesSerializer)
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def similar(self, request, pk=None):
        """Use cases this one may duplicate (same tool and vendor, a similar title, or the same
        inventory model), for its team and business owner; the ones the team already linked or
        checked are left out."""
        use_case = self.get_object()
        refuse(usecase_similar_refusal(user=request.user, use_case=use_case))
        found = similar_use_cases(use_case, user=request.user)
        return Response(SimilarUseCasesSerializer(found).data)

    @extend_schema(request=WithdrawSerializer, responses=UseCaseSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        payload = WithdrawSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        use_case = workflows.usecase_withdraw(
            actor=request.user,
            use_case=self.get_object(),
            reason=payload.validated_data.get("reason", ""),
        )
        return Response(UseCaseSerializer(use_case).data)

    @extend_schema(responses=RevisionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def revisions(self, request, pk=None):
        use_case = self.get_object()
        revisions = use_case.revisions.select_related("submitted_by")
        return Response(RevisionSerializer(revisions, many=True).data)

    @extend_schema(methods=["get"], responses=AttachmentSerializer(many=True))
    @extend_schema(
        methods=["post"], request=AttachmentSerializer, responses={201: AttachmentSerializer}
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        filterset_class=None,
        serializer_class=AttachmentSerializer,
    )
    def attachments(self, request, pk=None):
        use_case = self.get_object()
        if request.method == "GET":
            files = use_case.attachments.select_related("uploaded_by")
            return Response(AttachmentSerializer(files, many=True).data)
        payload = AttachmentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        attachment = services.attachment_add(
            actor=request.user,
            use_case=use_case,
            upload=payload.validated_data["file"],
            kind=payload.validated_data["kind"],
        )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["get"],
        responses={(200, "application/octet-stream"): bytes},
        description="Download the file.",
    )
    @action(
        detail=True,
        methods=["get", "delete"],
        url_path=r"attachments/(?P<attachment_id>\d+)",
        pagination_class=None,
        filterset_class=None,
        serializer_class=AttachmentSerializer,
    )
    def attachment(self, request, pk=None, attachment_id=None):
        use_case = self.get_object()
        attachment = get_object_or_404(use_case.attachments, pk=attachment_id)
        if request.method == "DELETE":
            services.attachment_remove(actor=request.user, attachment=attachment)
            return Response(status=status.HTTP_204_NO_CONTENT)
        return attachment_response(attachment)
