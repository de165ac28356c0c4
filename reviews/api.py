"""The council review API (SPEC sections 5 and 11).

Thin views: reads go through reviews.selectors (what the user may see, 404 otherwise), writes
through reviews.services, which hold every rule and raise ValidationError (400),
ActionForbidden (403) or TransitionNotAllowed (409); common.api renders them.
"""

from django.db.models import F, Prefetch
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

import workflows
from common.api import IdempotentPostMixin, StaleEditSerializer
from council.permissions import AuditorsReadOnly

from . import services
from .filters import ConditionFilter, ReviewFilter
from .models import Assignment, ChecklistAnswer, ChecklistWaiver, Condition, Review, Vote
from .selectors import (
    applicable_items,
    condition_list_visible,
    review_get_visible,
    review_list_visible,
    vendor_evidence,
)
from .serializers import (
    ChecklistAnswerInputSerializer,
    ChecklistItemSerializer,
    ChecklistVerifyInputSerializer,
    CommentSerializer,
    ConditionConfirmInputSerializer,
    ConditionMeetInputSerializer,
    ConditionSerializer,
    ConditionWaiveInputSerializer,
    DecisionEnvelopeSerializer,
    DecisionInputSerializer,
    ReassignInputSerializer,
    RecuseInputSerializer,
    ReviewSerializer,
    VoteInputSerializer,
    VoteListQuerySerializer,
    VoteResultSerializer,
    VoteSerializer,
    has_decision,
)

ITEM_ID = OpenApiParameter(
    "item_id", int, OpenApiParameter.PATH, description="Id of the checklist item."
)
# The errors every write can answer, so clients see them in the schema.
WRITE_ERRORS = {
    400: OpenApiResponse(description="Invalid input: {field: [messages]}."),
    403: OpenApiResponse(description="Not allowed to do this on a review you can see."),
    404: OpenApiResponse(description="No such object, or you may not see it."),
    409: OpenApiResponse(description="The state of the review or condition does not allow it."),
}


def with_details(queryset):
    """Everything ReviewSerializer reads, in three queries whatever the number of rows."""
    return queryset.select_related(
        "use_case", "policy", "checklist_template", "decided_by"
    ).prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.select_related("reviewer")),
        Prefetch("waivers", queryset=ChecklistWaiver.objects.select_related("item", "waived_by")),
    )


def review_detail(review: Review) -> dict:
    """The review as the API shows it, re-read after a write changed its assignments or state."""
    return ReviewSerializer(with_details(Review.objects.all()).get(pk=review.pk)).data


def checklist_data(review: Review, items) -> list[dict]:
    # One query for every answer of the judged revision, matched to the items in memory.
    answers = {
        row.item_id: row
        for row in ChecklistAnswer.objects.filter(
            review=review, revision=review.revision
        ).select_related("verified_by")
    }
    context = {
        "answers": answers,
        "tier": review.policy.tier,
        "vendor_evidence": vendor_evidence(review, items),
    }
    # djangorestframework-stubs type `many=True` as the serializer itself (data: a ReturnDict);
    # at run time it is a ListSerializer whose data is a list.
    return ChecklistItemSerializer(items, many=True, context=context).data  # type: ignore[return-value]


def checklist_entry(review: Review, row: ChecklistAnswer) -> dict:
    """One item with the answer a write just saved."""
    context = {
        "answers": {row.item_id: row},
        "tier": review.policy.tier,
        "vendor_evidence": vendor_evidence(review, [row.item]),
    }
    return ChecklistItemSerializer(row.item, context=context).data


def decision_body(review: Review) -> dict:
    """The decision, re-read with its waivers after a write."""
    review = with_details(Review.objects.all()).get(pk=review.pk)
    decision = review if has_decision(review) else None
    return DecisionEnvelopeSerializer({"decision": decision}).data


class ReviewViewSet(IdempotentPostMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Council reviews of the use cases the caller may see; one review follows a use case
    across its revisions."""

    serializer_class = ReviewSerializer
    filterset_class = ReviewFilter
    permission_classes = [IsAuthenticated, AuditorsReadOnly]

    def get_queryset(self):
        visible = review_list_visible(user=self.request.user)
        return with_details(visible).order_by("-opened_at", "-id")

    def get_object(self):
        """The review, 404 when the user may not see it; then the auditor check on writes."""
        review = review_get_visible(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, review)
        return review

    def retrieve(self, request, pk=None):
        return Response(ReviewSerializer(get_object_or_404(self.get_queryset(), pk=pk)).data)

    # ---- checklist ---------------------------------------------------------------------------

    @extend_schema(responses=ChecklistItemSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def checklist(self, request, pk=None):
        """The checklist items that apply to the judged revision, with the team's answers."""
        review = self.get_object()
        return Response(checklist_data(review, applicable_items(review)))

    @extend_schema(
        parameters=[ITEM_ID],
        request=ChecklistAnswerInputSerializer,
        responses={
            200: ChecklistItemSerializer,
            **WRITE_ERRORS,
            409: OpenApiResponse(
                StaleEditSerializer,
                description="The review is not open, or someone answered the item since the "
                "`version` sent: nothing is saved; the answer then says who and when.",
            ),
        },
        # drf-spectacular shows every PATCH body as partial; this one always records an answer.
        description="`answer` is required (400 without it); `not_applicable` needs `evidence` "
        "justifying it. A changed answer must be verified again. Send the answer's `version` "
        "as read so that an answer saved since is never overwritten unseen.",
    )
    @action(
        detail=True,
        methods=["patch"],
        url_path=r"checklist/(?P<item_id>\d+)",
        pagination_class=None,
        filterset_class=None,
    )
    def checklist_answer(self, request, pk=None, item_id=None):
        """The owning team answers an item (a changed answer must be verified again)."""
        review = self.get_object()
        payload = ChecklistAnswerInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        row = services.checklist_answer(
            actor=request.user, review=review, item_id=int(item_id), **payload.validated_data
        )
        return Response(checklist_entry(review, row))

    @extend_schema(
        parameters=[ITEM_ID],
        request=ChecklistVerifyInputSerializer,
        responses={200: ChecklistItemSerializer, **WRITE_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"checklist/(?P<item_id>\d+)/verify",
        pagination_class=None,
        filterset_class=None,
    )
    def checklist_verify(self, request, pk=None, item_id=None):
        """The assigned reviewer or verifier of the item's role verifies or rejects the answer."""
        review = self.get_object()
        payload = ChecklistVerifyInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        row = workflows.checklist_verify(
            actor=request.user, review=review, item_id=int(item_id), **payload.validated_data
        )
        return Response(checklist_entry(review, row))

    # ---- votes and decision ------------------------------------------------------------------

    @extend_schema(
        methods=["get"], parameters=[VoteListQuerySerializer], responses=VoteSerializer(many=True)
    )
    @extend_schema(
        methods=["post"],
        request=VoteInputSerializer,
        responses={201: VoteResultSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def votes(self, request, pk=None):
        """GET: the current votes on the judged revision (`?history=true`: every vote).
        POST: cast or change the caller's vote; the answer says where the review stands."""
        review = self.get_object()
        if request.method == "GET":
            query = VoteListQuerySerializer(data=request.query_params)
            query.is_valid(raise_exception=True)
            votes = Vote.objects.filter(review=review)
            if not query.validated_data["history"]:
                votes = votes.filter(revision=review.revision, current=True)
            votes = votes.select_related("reviewer").prefetch_related("conditions")
            return Response(
                VoteSerializer(votes.order_by("revision", "cast_at", "id"), many=True).data
            )
        payload = VoteInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        vote = workflows.vote_cast(
            actor=request.user,
            review=review,
            choice=payload.validated_data["choice"],
            reasons=payload.validated_data["reasons"],
            conditions=payload.validated_data.get("conditions", []),
        )
        vote.review = with_details(Review.objects.all()).get(pk=review.pk)
        return Response(VoteResultSerializer(vote).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], responses=DecisionEnvelopeSerializer)
    @extend_schema(
        methods=["post"],
        request=DecisionInputSerializer,
        responses={201: DecisionEnvelopeSerializer, **WRITE_ERRORS},
        description="The chair decides with a written rationale once every required role voted "
        "(409 before): confirms a proposed rejection (`proposed_outcome`), overturns it, or "
        "settles what the votes left open. The decision is marked as a chair decision. An "
        "approval needs every applicable required checklist item verified or listed in "
        "`waivers` with a reason; otherwise 400 with `waivers` naming each item.",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def decision(self, request, pk=None):
        """GET: the decision, `null` while the review is open (never a 404 for a visible review)."""
        review = self.get_object()
        if request.method == "GET":
            return Response(decision_body(review))
        payload = DecisionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        review = workflows.decision_record_by_chair(
            actor=request.user, review=review, **payload.validated_data
        )
        return Response(decision_body(review), status=status.HTTP_201_CREATED)

    # ---- comments and reviewers --------------------------------------------------------------

    @extend_schema(methods=["get"], responses=CommentSerializer(many=True))
    @extend_schema(
        methods=["post"],
        request=CommentSerializer,
        responses={201: CommentSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def comments(self, request, pk=None):
        """The thread of the review; the team, its reviewers and the chair write in it."""
        review = self.get_object()
        if request.method == "GET":
            comments = review.comments.select_related("author").order_by("created_at", "id")
            return Response(CommentSerializer(comments, many=True).data)
        payload = CommentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        comment = services.comment_add(actor=request.user, review=review, **payload.validated_data)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RecuseInputSerializer, responses={200: ReviewSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def recuse(self, request, pk=None):
        """An assigned reviewer steps back with a reason; the next eligible member takes the role."""
        review = self.get_object()
        payload = RecuseInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        workflows.review_recuse(actor=request.user, review=review, **payload.validated_data)
        return Response(review_detail(review))

    @extend_schema(
        request=ReassignInputSerializer, responses={200: ReviewSerializer, **WRITE_ERRORS}
    )
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def reassign(self, request, pk=None):
        """The chair puts another holder of the role on the review."""
        review = self.get_object()
        payload = ReassignInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.review_reassign(actor=request.user, review=review, **payload.validated_data)
        return Response(review_detail(review))


class ConditionViewSet(
    IdempotentPostMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Conditions of approvals, on the reviews the caller may see."""

    serializer_class = ConditionSerializer
    filterset_class = ConditionFilter
    permission_classes = [IsAuthenticated, AuditorsReadOnly]

    def get_queryset(self):
        return (
            condition_list_visible(user=self.request.user)
            .select_related("review__use_case", "owner", "claimed_by", "sent_back_by", "closed_by")
            .order_by(F("due_date").asc(nulls_last=True), "id")
        )

    def get_object(self):
        condition = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, condition)
        return condition

    def _shown(self, condition: Condition) -> dict:
        """The condition after a write, re-read with who did what."""
        return ConditionSerializer(
            self.get_queryset().get(pk=condition.pk), context=self.get_serializer_context()
        ).data

    @extend_schema(
        request={
            "application/json": ConditionMeetInputSerializer,
            "multipart/form-data": ConditionMeetInputSerializer,
        },
        responses={200: ConditionSerializer, **WRITE_ERRORS},
        description="The owning team marks the condition met with its evidence: `evidence` "
        "(text), `file` (multipart/form-data; the types and size of checklist evidence files) or "
        "both. It becomes `claimed`: the holder of `confirming_role` on the review, or the "
        "chair, confirms it (`confirm/`); until then a blocking condition still blocks go-live. "
        "409 unless it is open.",
    )
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def meet(self, request, pk=None):
        """The owning team shows how the condition is met."""
        condition = self.get_object()
        payload = ConditionMeetInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        condition = services.condition_meet(
            actor=request.user,
            condition=condition,
            evidence=payload.validated_data["evidence"],
            upload=payload.validated_data.get("file"),
        )
        return Response(self._shown(condition))

    @extend_schema(
        request=ConditionConfirmInputSerializer,
        responses={200: ConditionSerializer, **WRITE_ERRORS},
        description="The council role that set the condition (`confirming_role`, its holder "
        "assigned to the review today) or the chair: `confirmed` makes it `met`; `sent_back` "
        "(a `comment` required) opens it again for the team, the comment kept. Never the team, "
        "nor whoever marked it met (403). 409 unless it is `claimed`.",
    )
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def confirm(self, request, pk=None):
        """The council confirms a condition the team marked met, or sends it back."""
        condition = self.get_object()
        payload = ConditionConfirmInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        condition = services.condition_confirm(
            actor=request.user, condition=condition, **payload.validated_data
        )
        return Response(self._shown(condition))

    @extend_schema(
        request=ConditionWaiveInputSerializer, responses={200: ConditionSerializer, **WRITE_ERRORS}
    )
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def waive(self, request, pk=None):
        """The chair waives a condition with a reason."""
        condition = self.get_object()
        payload = ConditionWaiveInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        condition = services.condition_waive(
            actor=request.user, condition=condition, **payload.validated_data
        )
        return Response(self._shown(condition))
