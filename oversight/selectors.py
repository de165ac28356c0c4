"""Reads for the home page (the chair's pipeline reads in oversight/pipeline.py)."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from audit.selectors import exports_recent
from common.paging import CappedCount, capped_counts
from council.models import COUNCIL_ROLES, CouncilRole
from council.selectors import user_active_roles
from registry.models import Deployment, Stage
from reviews import rules
from reviews.models import (
    Assignment,
    ChecklistAnswer,
    Comment,
    ConditionStatus,
    Outcome,
    Review,
    ReviewGroup,
    ReviewState,
    Verdict,
    Vote,
)
from reviews.selectors import conditions_to_confirm, standing_conditions
from usecases.choices import State
from usecases.models import UseCase, UseCaseRevision
from usecases.selectors import (
    EDITABLE_STATES,
    usecase_conflicted_q,
    usecase_list_visible,
    usecase_mine_q,
    usecase_visible_by_state,
)

ROLE_LABELS = dict(CouncilRole.choices)
# The home page's counts stop here ("100+"): a summary, read in a few milliseconds whatever the
# volume; the pages they link to count up to `common.paging.COUNT_CAP`.
HOME_COUNT_CAP = 100


def usecase_dashboard(*, user: User, limit: int = 10) -> dict[str, Any]:
    """What needs the user on the home page, in a constant number of queries whatever the volume."""
    visible = usecase_list_visible(user=user)
    # One row more than shown tells whether to offer "see all" without a count query.
    # Theirs, so visible to them: the visibility rule would only hide the few rows from the
    # database's estimates.
    waiting = UseCase.objects.filter(usecase_mine_q(user), state__in=EDITABLE_STATES)
    needs_me = list(waiting.select_related("team")[: limit + 1])
    submitted_by_me = UseCaseRevision.objects.filter(submitted_by=user).values("use_case_id")
    recently_submitted = visible.filter(pk__in=submitted_by_me).order_by("-submitted_at", "-id")
    # Counted up to HOME_COUNT_CAP each, in one query: a count never reads every visible use
    # case; the lists they link to count further.
    counts = capped_counts(usecase_visible_by_state(user), cap=HOME_COUNT_CAP)
    return {
        "needs_me": needs_me[:limit],
        "needs_me_more": len(needs_me) > limit,
        "recently_submitted": list(recently_submitted[:limit]),
        "counts_by_state": [
            (State(state), CappedCount(rows, HOME_COUNT_CAP))
            for state, rows in counts.items()
            if rows
        ],
        "visible_total": CappedCount(sum(counts.values()), HOME_COUNT_CAP),
    }


# ---- the home page: what waits for each role the user holds -------------------------------------
# Each kind is one or two queries whatever the volume; rows are grouped and sorted in Python.

HOME_SHOWN_PER_KIND = 10


@dataclass(frozen=True)
class Waiting:
    """One thing waiting for the user, and where to do it."""

    label: str
    url: str
    due: date | None = None
    detail: str = ""
    overdue: bool = False


@dataclass(frozen=True)
class WaitingKind:
    """The things of one kind waiting for the user, soonest due first (undated ones last)."""

    key: str
    role: str
    title: str
    items: list[Waiting]  # all of them, or the first ones when `total` says how many there are
    total: int  # past `HOME_COUNT_CAP`: maybe counted up to the cap only

    @property
    def count(self) -> CappedCount:
        return CappedCount(self.total, HOME_COUNT_CAP)

    @property
    def shown(self) -> list[Waiting]:
        return self.items[:HOME_SHOWN_PER_KIND]

    @property
    def more(self) -> str:
        """How many more than shown ("90+" past the count's cap), or "" for none."""
        extra = max(min(self.total, HOME_COUNT_CAP) - HOME_SHOWN_PER_KIND, 0)
        if not extra:
            return ""
        return f"{extra}+" if self.count.capped else str(extra)


def _soonest_first(items: Iterable[Waiting]) -> list[Waiting]:
    # Stable: undated items keep the order they were read in (exports newest first).
    return sorted(items, key=lambda w: (w.due is None, w.due or date.max))


@dataclass(frozen=True)
class _Found:
    """The things of one kind the home page shows, soonest due first, and how many there are:
    a kind that may hold any number of them (every open review, every entry) is read for its
    first ones only, with one count."""

    items: list[Waiting]
    total: int


def _every(items: Iterable[Waiting]) -> _Found:
    ordered = _soonest_first(items)
    return _Found(ordered, len(ordered))


def _review_url(review_id: int, anchor: str = "") -> str:
    url = reverse("reviews:detail", args=[review_id])
    return f"{url}#{anchor}" if anchor else url


def _review_label(reference: str, title: str) -> str:
    return f"{reference} · {title or '(untitled)'}"


def _open_current(prefix: str = "review__") -> Q:
    """On an open review, on the revision it judges now."""
    return Q(**{f"{prefix}state": ReviewState.OPEN, "revision": F(f"{prefix}revision")})


# ---- reviewers


def _first_reviews(rows: QuerySet[Any]) -> tuple[list[int], int]:
    """The reviews `rows` (rows of a review) point to: the first ones shown, soonest due first,
    and how many there are, counted only when there may be more than shown."""
    reviews = (
        rows.order_by("review__due_date", "review_id")
        .values_list("review_id", "review__due_date")
        .distinct()
    )
    first = [review_id for review_id, _ in reviews[:HOME_SHOWN_PER_KIND]]
    total = len(first) if len(first) < HOME_SHOWN_PER_KIND else reviews.count()
    return first, total


def _my_open_reviews(user: User) -> QuerySet[Any, Any]:
    """The open reviews where the user holds a seat (a subquery its reviewer index serves)."""
    return Assignment.objects.filter(
        reviewer=user, recused=False, review__state=ReviewState.OPEN
    ).values("review_id")


def votes_to_cast(user: User, today: date) -> _Found:
    """Open reviews where the user holds a voting seat of a role they still hold, and has not
    voted on the revision under review."""
    voted = Vote.objects.filter(
        review=OuterRef("review"),
        reviewer=user,
        current=True,
        revision=OuterRef("review__revision"),
    )
    seats = Assignment.objects.filter(
        reviewer=user,
        recused=False,
        voting=True,
        review__state=ReviewState.OPEN,
        role__in=user_active_roles(user),
    ).exclude(Exists(voted))
    first, total = _first_reviews(seats)
    roles: dict[int, list[str]] = defaultdict(list)
    facts: dict[int, tuple[date, str, str]] = {}
    for review_id, role, due, reference, title in seats.filter(review_id__in=first).values_list(
        "review_id",
        "role",
        "review__due_date",
        "review__use_case__reference",
        "review__use_case__title",
    ):
        roles[review_id].append(ROLE_LABELS.get(role, role))
        facts[review_id] = (due, reference, title)
    items = [
        Waiting(
            label=_review_label(reference, title),
            url=_review_url(review_id, "vote-form"),
            due=due,
            detail=f"Your vote as {', '.join(roles[review_id])}",
            overdue=due < today,
        )
        for review_id, (due, reference, title) in facts.items()
    ]
    return _Found(_soonest_first(items), total)


def answers_to_verify(user: User, today: date) -> _Found:
    """Answers on the revision under review that nobody has verified or rejected yet, of items
    whose role the user holds a seat for on that review (reviewer or verifier)."""
    seated = Assignment.objects.filter(
        review=OuterRef("review"), reviewer=user, recused=False, role=OuterRef("item__role")
    )
    answers = ChecklistAnswer.objects.filter(
        _open_current(), Exists(seated), verdict="", review__in=_my_open_reviews(user)
    )
    first, total = _first_reviews(answers)
    rows = (
        answers.filter(review_id__in=first)
        .values(
            "review_id",
            "review__due_date",
            "review__use_case__reference",
            "review__use_case__title",
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    items = [
        Waiting(
            label=_review_label(row["review__use_case__reference"], row["review__use_case__title"]),
            url=_review_url(row["review_id"], "checklist"),
            due=row["review__due_date"],
            detail=f"{row['n']} answer{pluralize(row['n'])} to verify",
            overdue=row["review__due_date"] < today,
        )
        for row in rows
    ]
    return _Found(_soonest_first(items), total)


# ---- the chair


@dataclass
class _OpenReview:
    review: Review
    seated: dict[str, str] = field(default_factory=dict)  # voting role -> reviewer's username
    voted_roles: set[str] = field(default_factory=set)


def _chair_waiting(user: User, today: date) -> tuple[_Found, _Found]:
    """The decisions waiting for the chair and the stuck assignments, among the open reviews the
    chair may decide (four eyes: not their team's, owned or submitted by them, tested on each
    review's use case). Each review keeps its pipeline group (`Review.group`, reviews.groups):
    both kinds are counted up to the cap in one query and only the soonest due of each are
    read, with their seats and votes."""
    placed = (
        Review.objects.filter(state=ReviewState.OPEN)
        .exclude(usecase_conflicted_q(user, through="use_case"))
        .select_related("use_case")
    )
    ready = Q(group=ReviewGroup.READY)
    unseated = Q(group=ReviewGroup.AWAITING_ASSIGNMENT)
    overdue = Q(group=ReviewGroup.VOTING, due_date__lt=today)
    totals = capped_counts(
        {"ready": placed.filter(ready), "stuck": placed.filter(unseated | overdue)},
        cap=HOME_COUNT_CAP,
    )
    # The soonest due of each group apart, in the order of the open reviews' index
    # (`review_open_group_idx`: the pipeline's): each reads its first few rows of it, where both
    # stuck groups at once, or another order, read every open review.
    first = [
        _OpenReview(review)
        for kind in (ready, unseated, overdue)
        for review in placed.filter(kind).order_by("due_date", "opened_at", "pk")[
            :HOME_SHOWN_PER_KIND
        ]
    ]
    _seats_and_votes(first)
    return (
        _Found(_soonest_first(chair_decisions(first, today)), totals["ready"]),
        _Found(_soonest_first(stuck_assignments(first, today)), totals["stuck"]),
    )


def _seats_and_votes(entries: list[_OpenReview]) -> None:
    """Each review's voting seats and the roles that voted on it, in two queries."""
    reviews = {entry.review.pk: entry for entry in entries}
    for review_id, role, username in Assignment.objects.filter(
        review_id__in=reviews, recused=False, voting=True
    ).values_list("review_id", "role", "reviewer__username"):
        reviews[review_id].seated[role] = username
    for review_id, roles in Vote.objects.filter(
        _open_current(), review_id__in=reviews, current=True
    ).values_list("review_id", "roles"):
        reviews[review_id].voted_roles.update(roles)


def _waiting_on_review(entry: _OpenReview, detail: str, today: date, anchor: str) -> Waiting:
    review = entry.review
    return Waiting(
        label=_review_label(review.use_case.reference, review.use_case.title),
        url=_review_url(review.pk, anchor),
        due=review.due_date,
        detail=detail,
        overdue=review.due_date < today,
    )


def chair_decisions(entries: list[_OpenReview], today: date) -> list[Waiting]:
    """Reviews every required role has voted on that are still open: a proposed rejection to
    confirm or overturn, or votes and checklist that did not settle it."""
    waiting = []
    for entry in entries:
        votes = {role: "voted" for role in entry.voted_roles}
        if not rules.all_required_voted(required=entry.review.required_roles, votes=votes):
            continue
        detail = (
            "Rejection proposed: confirm or overturn it"
            if entry.review.proposed_outcome == Outcome.REJECTED
            else "Every required role voted: the decision is yours"
        )
        waiting.append(_waiting_on_review(entry, detail, today, "chair"))
    return waiting


def stuck_assignments(entries: list[_OpenReview], today: date) -> list[Waiting]:
    """Required seats nobody holds (nobody free could take them), and votes past the review's
    due date."""
    waiting = []
    for entry in entries:
        required = entry.review.required_roles
        empty = [ROLE_LABELS.get(role, role) for role in required if role not in entry.seated]
        if empty:
            detail = f"No reviewer for {', '.join(empty)}: seat someone"
            waiting.append(_waiting_on_review(entry, detail, today, "votes"))
            continue
        late = [
            f"{ROLE_LABELS.get(role, role)} ({entry.seated[role]})"
            for role in required
            if role not in entry.voted_roles
        ]
        if late and entry.review.due_date < today:
            detail = f"Past its due date, waiting for {', '.join(late)}"
            waiting.append(_waiting_on_review(entry, detail, today, "votes"))
    return waiting


# ---- the team (and the business owner of a use case)


def _mine(user: User) -> QuerySet[UseCase]:
    """The use cases of the user's teams or that they own (a subquery)."""
    return UseCase.objects.filter(usecase_mine_q(user))


def questions_to_answer(user: User, today: date) -> list[Waiting]:
    """Questions to the team on open reviews of the user's use cases that nobody of the team
    (its members, the business owner) has replied to since they were asked."""
    use_case = "review__use_case__"
    replied = Comment.objects.filter(
        Q(author__team_memberships__team_id=OuterRef(f"{use_case}team_id"))
        | Q(author_id=OuterRef(f"{use_case}business_owner_id")),
        review_id=OuterRef("review_id"),
        created_at__gt=OuterRef("created_at"),
        is_question=False,
    )
    questions = (
        Comment.objects.filter(
            is_question=True, review__state=ReviewState.OPEN, review__use_case__in=_mine(user)
        )
        .exclude(Exists(replied))
        .select_related("review__use_case", "author")
    )
    return [
        Waiting(
            label=_review_label(q.review.use_case.reference, q.review.use_case.title),
            url=_review_url(q.review_id, f"comment-{q.pk}"),
            due=q.review.due_date,
            detail=f"{q.author.get_full_name() or q.author.get_username()} asks: "
            f"{Truncator(q.body).chars(120)}",
            overdue=q.review.due_date < today,
        )
        for q in questions
    ]


def rejected_answers(user: User, today: date) -> list[Waiting]:
    """Checklist answers a reviewer rejected on the revision under review, per review."""
    rows = ChecklistAnswer.objects.filter(
        _open_current(), verdict=Verdict.REJECTED, review__use_case__in=_mine(user)
    ).values_list(
        "review_id",
        "item__code",
        "review__due_date",
        "review__use_case__reference",
        "review__use_case__title",
    )
    codes: dict[int, list[str]] = defaultdict(list)
    facts: dict[int, tuple[date, str, str]] = {}
    for review_id, code, due, reference, title in rows:
        codes[review_id].append(code)
        facts[review_id] = (due, reference, title)
    return [
        Waiting(
            label=_review_label(reference, title),
            url=_review_url(review_id, "checklist"),
            due=due,
            detail=f"{len(codes[review_id])} answer{pluralize(len(codes[review_id]))} rejected: "
            f"{', '.join(sorted(codes[review_id]))}",
            overdue=due < today,
        )
        for review_id, (due, reference, title) in facts.items()
    ]


def conditions_due(user: User, today: date) -> list[Waiting]:
    """Open conditions of the votes that stand on the user's use cases (one marked met waits for
    the council, not the team; one sent back is open again and says why)."""
    conditions = (
        standing_conditions()
        .filter(status=ConditionStatus.OPEN, review__use_case__in=_mine(user))
        .select_related("review__use_case")
    )
    return [
        Waiting(
            label=_review_label(c.review.use_case.reference, c.review.use_case.title),
            url=_review_url(c.review_id, f"condition-{c.pk}"),
            due=c.due_date,
            detail=("Sent back: " if c.sent_back_comment else "")
            + ("Blocks go-live: " if c.blocking else "")
            + Truncator(c.text).chars(120),
            overdue=c.due_date is not None and c.due_date < today,
        )
        for c in conditions
    ]


def conditions_awaiting_me(user: User) -> list[Waiting]:
    """Conditions the team marked met that the user may confirm (reviews.selectors
    `conditions_to_confirm`), the longest waiting first."""
    conditions = conditions_to_confirm(user).select_related("review__use_case")
    return [
        Waiting(
            label=_review_label(c.review.use_case.reference, c.review.use_case.title),
            url=_review_url(c.review_id, f"condition-{c.pk}"),
            due=c.due_date,
            detail=("Blocks go-live: " if c.blocking else "")
            + f"marked met on {c.claimed_at:%d %b %Y}: "
            + Truncator(c.text).chars(120),
        )
        for c in conditions.order_by("claimed_at")
    ]


# ---- owners of registry entries, auditors


def _overdue_rereview(entry: Deployment, today: date) -> Waiting:
    return Waiting(
        label=f"{entry.reference} · {entry.name}",
        url=reverse("registry:detail", args=[entry.pk]),
        due=entry.next_review_due,
        detail=f"Re-review was due {entry.next_review_due:%d %b %Y}",
        overdue=True,
    )


def overdue_rereviews(today: date, *, owner: User | None = None) -> _Found:
    """Entries in service whose periodic re-review is past due; only the owner's when given.
    The most overdue first, and how many there are."""
    entries = Deployment.objects.exclude(stage=Stage.RETIRED).filter(next_review_due__lt=today)
    if owner is not None:
        entries = entries.filter(Q(business_owner=owner) | Q(technical_owner=owner))
    first = list(entries.order_by("next_review_due", "pk")[:HOME_SHOWN_PER_KIND])
    # Counted only when there may be more than shown.
    total = len(first) if len(first) < HOME_SHOWN_PER_KIND else entries.count()
    return _Found([_overdue_rereview(entry, today) for entry in first], total)


def recent_exports() -> list[Waiting]:
    """The last exports, newest first, for the auditor to look over."""
    return [
        Waiting(
            label=export.label,
            url=reverse("audit:manifest", args=[export.seq]),
            detail=f"by {export.by} on {export.at:%d %b %Y, %H:%M}"
            + (f", {export.rows} rows" if export.rows is not None else ""),
        )
        for export in exports_recent(limit=HOME_SHOWN_PER_KIND)
    ]


def home_waiting(*, user: User, today: date | None = None) -> list[WaitingKind]:
    """What waits for the user in each role they hold, by kind, each kind soonest due first;
    only the kinds with something waiting. A constant number of queries whatever the volume."""
    today = today or timezone.localdate()
    roles = user_active_roles(user)
    kinds: list[tuple[str, str, str, _Found]] = []
    if roles & COUNCIL_ROLES:
        kinds += [
            ("votes", "reviewer", "Votes to cast", votes_to_cast(user, today)),
            ("verify", "reviewer", "Answers to verify", answers_to_verify(user, today)),
        ]
    if CouncilRole.CHAIR in roles:
        decisions, stuck = _chair_waiting(user, today)
        kinds += [
            ("decisions", "chair", "Decisions waiting for the chair", decisions),
            ("stuck", "chair", "Stuck assignments", stuck),
        ]
    if roles & COUNCIL_ROLES:
        kinds.append(
            ("confirm", "reviewer", "Conditions to confirm", _every(conditions_awaiting_me(user)))
        )
    if CouncilRole.AUDITOR not in roles:  # auditors change nothing: nothing to answer or meet
        kinds += [
            ("questions", "team", "Questions to answer", _every(questions_to_answer(user, today))),
            ("rejected", "team", "Rejected answers", _every(rejected_answers(user, today))),
            ("conditions", "team", "Conditions to meet", _every(conditions_due(user, today))),
            (
                "my-rereviews",
                "owner",
                "Overdue re-reviews of my entries",
                overdue_rereviews(today, owner=user),
            ),
        ]
    else:
        kinds += [
            ("exports", "auditor", "Recent exports", _every(recent_exports())),
            ("rereviews", "auditor", "Overdue re-reviews", overdue_rereviews(today)),
        ]
    return [
        WaitingKind(key=key, role=role, title=title, items=found.items, total=found.total)
        for key, role, title, found in kinds
        if found.total
    ]


def home_page(*, user: User) -> dict[str, Any]:
    """Everything the home page shows the user."""
    return {**usecase_dashboard(user=user), "waiting": home_waiting(user=user)}
