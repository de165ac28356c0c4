"""Pages of council review: my queue, the review page and its forms, the chair's pipeline.

Views parse input, call one service or selector, and render; they never assign a state. A
refused action (`ActionForbidden`) answers 403, an illegal transition comes back as a message on
the review page, a service's `ValidationError` re-renders the page (400) with the messages next
to the fields. Each form endpoint first checks that the user is someone the page offers that form
to, so a read-only visitor (an auditor) gets 403 whatever they post; the service checks again.

Every page reads in a constant number of queries: rows are fetched in bulk, never per item.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, F, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from common.pages import back_to, refusals_answered
from council.models import CouncilRole, RoleAssignment, role_labels
from council.selectors import is_chair
from usecases.forms import answer_names
from usecases.selectors import usecase_is_editor

from . import rules, services
from .diff import answers_diff
from .forms import (
    ChecklistAnswerForm,
    ChecklistVerifyForm,
    CommentForm,
    ConditionMeetForm,
    ConditionWaiveForm,
    DecisionForm,
    ReassignForm,
    RecuseForm,
    VoteForm,
)
from .models import (
    Assignment,
    ChecklistAnswer,
    ChecklistSection,
    ConditionStatus,
    ReviewState,
    Verdict,
    Vote,
)
from .selectors import (
    applicable_items,
    conflicted,
    not_conflicted,
    review_get_visible,
    review_pipeline,
    review_queue,
    seat_roles,
    unverified_required_items,
    verifier_roles,
    votes_by_role,
)

ROLE_LABELS = dict(CouncilRole.choices)


def _review_url(review, anchor: str = "") -> str:
    url = reverse("reviews:detail", args=[review.pk])
    return f"{url}#{anchor}" if anchor else url


_refusals_answered = refusals_answered(back_to("reviews:detail"))


# ---- my review queue ---------------------------------------------------------------------------


@require_GET
def queue(request):
    user = request.user
    today = timezone.localdate()
    mine = review_queue(user=user)
    # Everything below reads for all the queue's reviews at once (subqueries, not id lists).
    in_queue = mine.values("pk")
    my_roles = defaultdict(list)
    for review_id, role in (
        Assignment.objects.filter(review__in=in_queue, reviewer=user, recused=False)
        .order_by("role")
        .values_list("review_id", "role")
    ):
        my_roles[review_id].append(role)
    voted = set(
        Vote.objects.filter(
            review__in=in_queue, reviewer=user, current=True, revision=F("review__revision")
        ).values_list("review_id", flat=True)
    )
    my_item_role = Assignment.objects.filter(
        review=OuterRef("review"), reviewer=user, recused=False, role=OuterRef("item__role")
    )
    to_verify = dict(
        ChecklistAnswer.objects.filter(
            review__in=in_queue, revision=F("review__revision"), verdict=""
        )
        .filter(Exists(my_item_role))
        .order_by()
        .values("review_id")
        .annotate(n=Count("id"))
        .values_list("review_id", "n")
    )
    rows = []
    for review in mine:
        roles = my_roles.get(review.pk, [])
        rows.append(
            {
                "review": review,
                "roles": role_labels(roles),
                "deadline": rules.deadline(review.due_date, today),
                "vote_missing": review.pk not in voted
                and any(role in review.required_roles for role in roles),
                "to_verify": to_verify.get(review.pk, 0),
            }
        )
    return render(request, "reviews/queue.html", {"rows": rows})


# ---- the chair's pipeline ----------------------------------------------------------------------

PIPELINE_GROUPS = (
    ("awaiting_assignment", "Awaiting assignment", "A required role has no active reviewer."),
    ("voting", "Voting", "Every role has a reviewer; not every required role has voted yet."),
    (
        "ready",
        "Ready for a chair decision",
        "Every required role has voted, but the votes and the checklist did not settle it, or a "
        "reject proposes a rejection that only the chair confirms or overturns.",
    ),
)


@require_GET
def pipeline(request):
    if not is_chair(request.user):
        raise PermissionDenied("Only the chair sees the council's pipeline.")
    today = timezone.localdate()
    reviews = list(review_pipeline())
    open_reviews = review_pipeline().values("pk")
    reviewers = defaultdict(dict)  # review id -> role -> (reviewer id, username)
    for review_id, role, reviewer_id, username in Assignment.objects.filter(
        review__in=open_reviews, recused=False
    ).values_list("review_id", "role", "reviewer_id", "reviewer__username"):
        reviewers[review_id][role] = (reviewer_id, username)
    voters = defaultdict(set)
    for review_id, reviewer_id in Vote.objects.filter(
        review__in=open_reviews, current=True, revision=F("review__revision")
    ).values_list("review_id", "reviewer_id"):
        voters[review_id].add(reviewer_id)

    groups = {key: [] for key, _, _ in PIPELINE_GROUPS}
    for review in reviews:
        assigned = reviewers[review.pk]
        votes = {
            role: "voted"
            for role, (reviewer_id, _) in assigned.items()
            if role in review.required_roles and reviewer_id in voters[review.pk]
        }
        unassigned = [role for role in review.required_roles if role not in assigned]
        waiting = [
            f"{ROLE_LABELS.get(role, role)} ({assigned[role][1]})"
            for role in review.required_roles
            if role in assigned and role not in votes
        ]
        if unassigned:
            key = "awaiting_assignment"
        elif rules.all_required_voted(required=review.required_roles, votes=votes):
            key = "ready"
        else:
            key = "voting"
        groups[key].append(
            {
                "review": review,
                "age": (today - timezone.localdate(review.opened_at)).days,
                "deadline": rules.deadline(review.due_date, today),
                "unassigned": role_labels(unassigned),
                "waiting": waiting,
                "voted": len(votes),
                "required": len(review.required_roles),
            }
        )
    context = {
        "groups": [
            {"key": key, "title": title, "hint": hint, "rows": groups[key]}
            for key, title, hint in PIPELINE_GROUPS
        ],
        "total": len(reviews),
    }
    return render(request, "reviews/pipeline.html", context)


# ---- the review page ---------------------------------------------------------------------------


@dataclass
class Viewer:
    """What the signed-in user is to this review: decides which forms the page offers."""

    pk: int
    is_editor: bool
    is_chair: bool
    roles: set[str] = field(default_factory=set)  # roles of their active assignments
    verifies: set[str] = field(default_factory=set)  # those of them without a vote
    conflicted: bool = False
    can_comment: bool = False

    @property
    def reviews(self) -> bool:
        return bool(self.roles)


def _viewer(user, review, assignments) -> Viewer:
    mine = [a for a in assignments if not a.recused and a.reviewer_id == user.pk]
    viewer = Viewer(
        pk=user.pk,
        is_editor=usecase_is_editor(user=user, use_case=review.use_case),
        is_chair=is_chair(user),
        roles={a.role for a in mine},
        verifies={a.role for a in mine if not a.voting},
    )
    if viewer.roles or viewer.is_chair:
        viewer.conflicted = conflicted(user=user, use_case=review.use_case)
    viewer.can_comment = services.can_comment(user=user, review=review)
    return viewer


@require_GET
def review_detail(request, pk):
    return _render_review(request, review_get_visible(user=request.user, pk=pk))


def _render_review(request, review, *, bound=None, status=200):
    """The whole page. `bound` holds the one posted form that failed, keyed like the page's."""
    bound = bound or {}
    user = request.user
    use_case = review.use_case
    is_open = review.state == ReviewState.OPEN
    today = timezone.localdate()
    assignments = list(review.assignments.select_related("reviewer"))
    viewer = _viewer(user, review, assignments)
    votes = list(review.votes.select_related("reviewer").order_by("-cast_at"))
    current_by_role = votes_by_role(review, assignments=assignments, votes=votes)
    all_voted = rules.all_required_voted(required=review.required_roles, votes=current_by_role)
    revisions = {
        r.number: r
        for r in use_case.revisions.filter(number__in=[review.revision - 1, review.revision])
    }
    judged = revisions.get(review.revision)
    items = applicable_items(review, judged.answers)
    checklist = _checklist(review, viewer, is_open, bound, items)

    context = {
        "review": review,
        "use_case": use_case,
        "judged": judged,
        "viewer": viewer,
        "my_roles": role_labels(r for r in review.required_roles if r in viewer.roles),
        "my_verifier_roles": role_labels(sorted(viewer.verifies, key=rules.ROLE_ORDER.index)),
        "is_open": is_open,
        "today": today,
        "deadline": rules.deadline(review.due_date, today) if is_open else "",
        "required_roles": role_labels(review.required_roles),
        "role_rows": _role_rows(review, assignments, votes),
        "verifier_rows": _verifier_rows(review, assignments, items),
        "recused": [a for a in assignments if a.recused],
        "vote_history": votes,
        "voted_count": len(current_by_role),
        "checklist": checklist,
        "waivers": list(
            review.waivers.filter(revision=review.revision).select_related("item", "waived_by")
        ),
        "diff": _diff(revisions, review.revision),
        "comments": list(review.comments.select_related("author")),
    }
    context.update(_conditions(review, viewer, bound))
    context.update(_forms(review, viewer, is_open, all_voted, votes, bound, items, checklist))
    context["error_links"] = [link for form in bound.values() for link in form.error_links()]
    return render(request, "reviews/detail.html", context, status=status)


def _role_rows(review, assignments, votes) -> list[dict]:
    """One row per required role: its active reviewer and their current vote on this revision."""
    active = {a.role: a for a in assignments if not a.recused}
    current = {v.reviewer_id: v for v in votes if v.current and v.revision == review.revision}
    return [
        {
            "role": ROLE_LABELS.get(role, role),
            "assignment": active.get(role),
            "vote": current.get(active[role].reviewer_id) if role in active else None,
        }
        for role in review.required_roles
    ]


def _verifier_rows(review, assignments, items) -> list[dict]:
    """One row per role that verifies items without a vote: its verifier (or none yet)."""
    active = {a.role: a for a in assignments if not a.recused and not a.voting}
    return [
        {
            "role": ROLE_LABELS.get(role, role),
            "assignment": active.get(role),
            "items": [item.code for item in items if item.role == role],
        }
        for role in verifier_roles(review, items)
    ]


def _checklist(review, viewer, is_open, bound, items) -> dict:
    """Applicable items by section, with the team's answers, verdicts, progress and forms."""
    answers = {
        a.item_id: a
        for a in ChecklistAnswer.objects.filter(
            review=review, revision=review.revision
        ).select_related("answered_by", "verified_by")
    }
    can_answer = is_open and viewer.is_editor
    tier = review.policy.tier
    by_section = defaultdict(list)
    for item in items:
        answer = answers.get(item.pk)
        can_verify = (
            is_open and item.role in viewer.roles and not viewer.conflicted and answer is not None
        )
        row = {
            "item": item,
            "anchor": f"item-{item.code}",
            "mine": is_open and item.role in viewer.roles,
            "required": item.required_at(tier),
            "answer": answer,
            "verified": answer is not None and answer.verdict == Verdict.VERIFIED,
            "answer_form": None,
            "verify_form": None,
        }
        if can_answer:
            row["answer_form"] = bound.get(("answer", item.pk)) or ChecklistAnswerForm(
                prefix=f"answer-{item.code}",
                initial={"answer": answer.answer, "evidence": answer.evidence} if answer else {},
            )
        if can_verify:
            row["verify_form"] = bound.get(("verify", item.pk)) or ChecklistVerifyForm(
                prefix=f"verify-{item.code}",
                initial={"comment": answer.verification_comment},
            )
        by_section[item.section].append(row)

    sections = []
    for value, label in ChecklistSection.choices:
        rows = by_section.get(value)
        if not rows:
            continue
        required = [r for r in rows if r["required"]]
        sections.append(
            {
                "slug": value,
                "title": label,
                "rows": rows,
                "required": len(required),
                "verified": sum(r["verified"] for r in required),
            }
        )
    required = sum(s["required"] for s in sections)
    verified = sum(s["verified"] for s in sections)
    return {
        "sections": sections,
        "required": required,
        "verified": verified,
        "items": sum(len(s["rows"]) for s in sections),
        "percent": round(100 * verified / required) if required else 100,
        "unverified": [
            row["item"]
            for s in sections
            for row in s["rows"]
            if row["required"] and not row["verified"]
        ],
    }


def _conditions(review, viewer, bound) -> dict:
    """Conditions of the current votes on the judged revision, and earlier ones as history."""
    current, earlier = [], []
    for condition in review.conditions.select_related("owner", "vote__reviewer"):
        vote = condition.vote
        is_current = vote is None or (vote.current and vote.revision == review.revision)
        is_open = condition.status == ConditionStatus.OPEN
        row = {
            "condition": condition,
            "by_role": role_labels(vote.roles) if vote else [],
            "meet_form": None,
            "waive_form": None,
        }
        if is_open and viewer.is_editor:
            row["meet_form"] = bound.get(("meet", condition.pk)) or ConditionMeetForm(
                prefix=f"meet-{condition.pk}"
            )
        if is_open and viewer.is_chair:
            row["waive_form"] = bound.get(("waive", condition.pk)) or ConditionWaiveForm(
                prefix=f"waive-{condition.pk}"
            )
        (current if is_current else earlier).append(row)
    return {"conditions": current, "earlier_conditions": earlier}


def _diff(revisions, number):
    """What changed from revision N-1 to N; None for the first revision."""
    if number <= 1 or number not in revisions or number - 1 not in revisions:
        return None
    before, after = revisions[number - 1].answers, revisions[number].answers
    return answers_diff(before, after, names=answer_names([before, after]))


def _role_holders(review, roles) -> dict[str, list]:
    """Active holders of each of the roles who are not conflicted, in one query.

    The service still refuses a conflicted choice; this only keeps them out of the list.
    """
    holders = defaultdict(list)
    for held in (
        RoleAssignment.objects.active()
        .filter(
            not_conflicted(review.use_case, user_field="user_id"),
            role__in=roles,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__username")
    ):
        if held.user not in holders[held.role]:
            holders[held.role].append(held.user)
    return holders


def _forms(review, viewer, is_open, all_voted, votes, bound, items, checklist) -> dict:
    forms = {
        "vote_form": None,
        "recuse_form": None,
        "comment_form": None,
        "decision_form": None,
        "reassign_form": None,
    }
    if is_open and viewer.roles - viewer.verifies and not viewer.conflicted:
        mine = next(
            (
                v
                for v in votes
                if v.reviewer_id == viewer.pk and v.current and v.revision == review.revision
            ),
            None,
        )
        initial = {"choice": mine.choice, "reasons": mine.reasons} if mine else {}
        forms["vote_form"] = bound.get("vote") or VoteForm(prefix="vote", initial=initial)
    if is_open and viewer.reviews:
        forms["recuse_form"] = bound.get("recuse") or RecuseForm(prefix="recuse")
    if viewer.can_comment:
        forms["comment_form"] = bound.get("comment") or CommentForm(prefix="comment")
    if is_open and viewer.is_chair:
        if all_voted and not viewer.conflicted:
            forms["decision_form"] = bound.get("decision") or DecisionForm(
                prefix="decision", waivable=checklist["unverified"]
            )
        roles = seat_roles(review, items)
        forms["reassign_form"] = bound.get("reassign") or ReassignForm(
            prefix="reassign", roles=roles, holders=_role_holders(review, roles)
        )
    return forms


# ---- the review page's forms -------------------------------------------------------------------


def _handle(request, review, key, form, act, *, success, to: str):
    """Validate the form, run the service; on success redirect to `to`, else re-render (400)."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, success(form.cleaned_data) if callable(success) else success)
            return redirect(to)
    return _render_review(request, review, bound={key: form}, status=400)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _active_roles(user, review, *, voting: bool | None = None) -> set[str]:
    """The roles of the user's active seats on the review (`voting`: only those that vote)."""
    seats = review.assignments.filter(reviewer=user, recused=False)
    if voting is not None:
        seats = seats.filter(voting=voting)
    return set(seats.values_list("role", flat=True))


def _item(review, item_pk):
    return get_object_or_404(review.checklist_template.items, pk=item_pk)


@require_POST
@_refusals_answered
def checklist_answer(request, pk, item_pk):
    review = review_get_visible(user=request.user, pk=pk)
    item = _item(review, item_pk)
    _require(
        usecase_is_editor(user=request.user, use_case=review.use_case),
        "Only the owning team or the business owner answers the checklist.",
    )
    form = ChecklistAnswerForm(request.POST, prefix=f"answer-{item.code}")
    return _handle(
        request,
        review,
        ("answer", item.pk),
        form,
        lambda data: services.checklist_answer(
            actor=request.user,
            review=review,
            item_id=item.pk,
            answer=data["answer"],
            evidence=data["evidence"],
        ),
        success=f"Answer to {item.code} saved.",
        to=_review_url(review, f"item-{item.code}"),
    )


@require_POST
@_refusals_answered
def checklist_verify(request, pk, item_pk):
    review = review_get_visible(user=request.user, pk=pk)
    item = _item(review, item_pk)
    _require(
        item.role in _active_roles(request.user, review),
        f"Only the assigned {item.get_role_display()} reviewer or verifier verifies this item.",
    )
    form = ChecklistVerifyForm(request.POST, prefix=f"verify-{item.code}")
    return _handle(
        request,
        review,
        ("verify", item.pk),
        form,
        lambda data: services.checklist_verify(
            actor=request.user,
            review=review,
            item_id=item.pk,
            verdict=data["verdict"],
            comment=data["comment"],
        ),
        success=lambda data: f"{item.code} {Verdict(data['verdict']).label.lower()}.",
        to=_review_url(review, f"item-{item.code}"),
    )


@require_POST
@_refusals_answered
def vote(request, pk):
    review = review_get_visible(user=request.user, pk=pk)
    _require(
        bool(_active_roles(request.user, review, voting=True)),
        "Only reviewers assigned to a required role can vote on this review; verifiers do not vote.",
    )
    form = VoteForm(request.POST, prefix="vote")
    return _handle(
        request,
        review,
        "vote",
        form,
        lambda data: services.vote_cast(
            actor=request.user,
            review=review,
            choice=data["choice"],
            reasons=data["reasons"],
            conditions=form.conditions(),
        ),
        success="Your vote is recorded.",
        to=_review_url(review, "votes"),
    )


@require_POST
@_refusals_answered
def recuse(request, pk):
    review = review_get_visible(user=request.user, pk=pk)
    _require(
        bool(_active_roles(request.user, review)),
        "You are not an active reviewer of this use case.",
    )
    form = RecuseForm(request.POST, prefix="recuse")
    return _handle(
        request,
        review,
        "recuse",
        form,
        lambda data: services.review_recuse(
            actor=request.user, review=review, reason=data["reason"]
        ),
        success=f"You have stepped back from the review of {review.use_case.reference}.",
        # A confidential use case may no longer be visible once recused: go back to the queue.
        to=reverse("reviews:queue"),
    )


@require_POST
@_refusals_answered
def condition_meet(request, pk, condition_pk):
    review = review_get_visible(user=request.user, pk=pk)
    condition = get_object_or_404(review.conditions, pk=condition_pk)
    _require(
        usecase_is_editor(user=request.user, use_case=review.use_case),
        "Only the owning team or the business owner marks a condition met.",
    )
    form = ConditionMeetForm(request.POST, prefix=f"meet-{condition.pk}")
    return _handle(
        request,
        review,
        ("meet", condition.pk),
        form,
        lambda data: services.condition_meet(
            actor=request.user, condition=condition, evidence=data["evidence"]
        ),
        success="The condition is marked met.",
        to=_review_url(review, f"condition-{condition.pk}"),
    )


@require_POST
@_refusals_answered
def condition_waive(request, pk, condition_pk):
    review = review_get_visible(user=request.user, pk=pk)
    condition = get_object_or_404(review.conditions, pk=condition_pk)
    _require(is_chair(request.user), "Only the chair can waive a condition.")
    form = ConditionWaiveForm(request.POST, prefix=f"waive-{condition.pk}")
    return _handle(
        request,
        review,
        ("waive", condition.pk),
        form,
        lambda data: services.condition_waive(
            actor=request.user, condition=condition, reason=data["reason"]
        ),
        success="The condition is waived.",
        to=_review_url(review, f"condition-{condition.pk}"),
    )


@require_POST
@_refusals_answered
def comment(request, pk):
    review = review_get_visible(user=request.user, pk=pk)
    _require(
        services.can_comment(user=request.user, review=review),
        "Only the team, the assigned reviewers and the chair comment on a review.",
    )
    form = CommentForm(request.POST, prefix="comment")
    return _handle(
        request,
        review,
        "comment",
        form,
        lambda data: services.comment_add(
            actor=request.user,
            review=review,
            body=data["body"],
            is_question=data["is_question"],
        ),
        success="Comment posted.",
        to=_review_url(review, "comments"),
    )


@require_POST
@_refusals_answered
def decide(request, pk):
    review = review_get_visible(user=request.user, pk=pk)
    _require(is_chair(request.user), "Only the chair can record a decision.")
    form = DecisionForm(request.POST, prefix="decision", waivable=unverified_required_items(review))
    return _handle(
        request,
        review,
        "decision",
        form,
        lambda data: services.decision_record_by_chair(
            actor=request.user,
            review=review,
            outcome=data["outcome"],
            rationale=data["rationale"],
            waivers=form.waivers(),
        ),
        success="Your decision is recorded.",
        to=_review_url(review),
    )


@require_POST
@_refusals_answered
def reassign(request, pk):
    review = review_get_visible(user=request.user, pk=pk)
    _require(is_chair(request.user), "Only the chair can reassign reviewers.")
    roles = seat_roles(review)
    form = ReassignForm(
        request.POST, prefix="reassign", roles=roles, holders=_role_holders(review, roles)
    )
    return _handle(
        request,
        review,
        "reassign",
        form,
        lambda data: services.review_reassign(
            actor=request.user,
            review=review,
            role=data["role"],
            reviewer=form.users[data["reviewer"]],
        ),
        success="The role is reassigned.",
        to=_review_url(review, "votes"),
    )
