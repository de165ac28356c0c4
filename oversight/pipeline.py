"""The chair's pipeline (SPEC sections 5 and 11b): every open review, grouped by what it waits for,
the chair's own work first, each row saying in words why it needs the chair.

Groups: ready for a chair decision (every required role voted and nothing settled it), awaiting
assignment (a required seat is empty), voting. A row with an empty seat, or a seat whose reviewer
has not voted by the due date, offers the members free to take it (reviews.selectors
`seat_candidates`).

Pages of 50 rows. Each review keeps its group (`Review.group`, kept by reviews.services, see
reviews.groups), so the database orders the rows, group first, from an index; one query counts
each group; everything else is read for the page's rows only, each fact in one query, never one per
row, so a page reads the same queries whatever the number of reviews.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from council.models import role_labels
from reviews import rules
from reviews.models import (
    Assignment,
    ChecklistAnswer,
    ChecklistItem,
    Outcome,
    Review,
    ReviewGroup,
    ReviewState,
    Verdict,
    Vote,
)
from reviews.selectors import SeatCandidate, seat_candidates
from usecases.models import UseCaseRevision

# The chair's own work first (ReviewGroup's order): a decision, then a seat to fill; voting
# waits for the reviewers. Each group's key (the filter's value), the group, what it means.
GROUPS = (
    (
        "ready",
        ReviewGroup.READY,
        "Every required role has voted, but the votes and the checklist did not settle it, or a "
        "reject proposes a rejection that only the chair confirms or overturns.",
    ),
    (
        "awaiting_assignment",
        ReviewGroup.AWAITING_ASSIGNMENT,
        "A required role has no active reviewer.",
    ),
    (
        "voting",
        ReviewGroup.VOTING,
        "Every role has a reviewer; not every required role has voted yet.",
    ),
)
GROUP_RANK = {key: group for key, group, _ in GROUPS}
GROUP_KEYS: dict[int, str] = {group: key for key, group, _ in GROUPS}
PAGE_SIZE = 50
# Members offered for each seat of a row, least loaded first (the review page offers them all).
SEAT_OFFERS = 10


SORTS = {  # in the catalogue (gettext_noop), shown in the page's language
    "due": gettext_noop("Due date, soonest first"),
    "age": gettext_noop("Age, oldest first"),
    "tier": gettext_noop("Risk tier, highest first"),
}
_TIER_RANK = {tier: rank for rank, tier in enumerate(reversed(rules.TIERS))}


@dataclass(frozen=True)
class PipelineChoice:
    """What the chair asked to see: filters and the order (the GET form's cleaned values)."""

    tier: str = ""
    team_id: int | None = None
    overdue_only: bool = False
    group: str = ""
    sort: str = "due"

    @property
    def filtered(self) -> bool:
        return bool(self.tier or self.team_id or self.overdue_only or self.group)


@dataclass
class _Seats:
    """One review's voting seats: role -> (reviewer id, name), and the roles that voted."""

    seated: dict[str, tuple[int, str]] = field(default_factory=dict)
    voted: dict[str, str] = field(default_factory=dict)  # role -> choice
    rejected_by: list[str] = field(default_factory=list)  # "Legal (leo)"
    abstained: list[str] = field(default_factory=list)


@dataclass
class PipelineRow:
    review: Review
    group: str
    age: int
    deadline: str
    voted: int
    required: int
    why: list[str]
    # Seats the chair may fill from the row: role -> the members free to take it.
    offer: dict[str, list[SeatCandidate]] = field(default_factory=dict)

    @property
    def seats_offered(self) -> list[tuple[str, list[SeatCandidate]]]:
        """(role label, members free to take it), in the review's order of roles."""
        return list(zip(role_labels(self.offer), self.offer.values(), strict=True))

    @property
    def seats_unfillable(self) -> list[str]:
        """Labels of the offered seats nobody free of a conflict could take."""
        return [label for label, members in self.seats_offered if not members]


@dataclass(frozen=True)
class PipelineGroup:
    key: str
    title: str
    hint: str
    rows: list[PipelineRow]  # the group's rows on this page
    count: int  # the group's rows on every page
    first_page: int  # the page its rows start on


@dataclass(frozen=True)
class Pipeline:
    groups: list[PipelineGroup]
    total: int  # open reviews, whatever the filters
    sort_label: str
    page: Page

    @property
    def shown(self) -> int:
        """The rows matching the filters, on every page."""
        return sum(group.count for group in self.groups)


def review_pipeline(
    *, choice: PipelineChoice, today: date, viewer: User, page_number: str | None = None
) -> Pipeline:
    """One page of the open reviews matching the choice, grouped (chair's work first) and
    sorted; `viewer` (the chair) is told where their own vote is awaited."""
    open_reviews = Review.objects.filter(state=ReviewState.OPEN)
    placed = _filtered(open_reviews, choice, today)
    counts = _group_counts(placed)
    shown_keys = [key for key, _, _ in GROUPS if not choice.group or choice.group == key]
    if choice.group:
        placed = placed.filter(group=GROUP_RANK[choice.group])
    sort = choice.sort if choice.sort in SORTS else "due"
    paginator = Paginator(placed.order_by("group", *_SORT_ORDER[sort], "pk"), PAGE_SIZE)
    paginator.count = sum(counts[key] for key in shown_keys)  # known: no second count
    page = paginator.get_page(page_number)
    rows = _rows(list(page.object_list), today, viewer)
    starts = _first_pages(shown_keys, counts)
    groups = [
        PipelineGroup(
            key,
            group.label,
            hint,
            [row for row in rows if row.group == key],
            counts[key],
            starts[key],
        )
        for key, group, hint in GROUPS
        if key in shown_keys
    ]
    unfiltered = not (choice.tier or choice.team_id or choice.overdue_only)
    total = sum(counts.values()) if unfiltered else open_reviews.count()
    return Pipeline(groups=groups, total=total, sort_label=gettext(SORTS[sort]), page=page)


def _rows(reviews: list[Review], today: date, viewer: User) -> list[PipelineRow]:
    """The page's rows, each saying why it waits and which seats the chair may fill."""
    seats = _seats_of([review.pk for review in reviews])
    rows = [_row(review, seats[review.pk], today, viewer.pk) for review in reviews]
    _explain_ready([row for row in rows if row.group == "ready"], seats)
    _offer_seats([row for row in rows if row.offer])
    return rows


def _filtered(reviews: QuerySet[Review], choice: PipelineChoice, today: date) -> QuerySet[Review]:
    if choice.tier:
        reviews = reviews.filter(use_case__risk_tier=choice.tier)
    if choice.team_id:
        reviews = reviews.filter(use_case__team_id=choice.team_id)
    if choice.overdue_only:
        reviews = reviews.filter(due_date__lt=today)
    return reviews.select_related("use_case", "use_case__team", "policy")


def _group_counts(reviews: QuerySet[Review]) -> dict[str, int]:
    """Group key -> its reviews matching the filters: one query, from the group index."""
    ranked = dict(
        reviews.order_by().values("group").annotate(n=Count("pk")).values_list("group", "n")
    )
    return {key: ranked.get(rank, 0) for key, rank in GROUP_RANK.items()}


def _first_pages(keys: list[str], counts: dict[str, int]) -> dict[str, int]:
    """The page each group's rows start on (groups in order, PAGE_SIZE rows a page)."""
    starts, before = {}, 0
    for key in keys:
        starts[key] = before // PAGE_SIZE + 1
        before += counts[key]
    return starts


def _voter(role: str, username: str) -> str:
    (label,) = role_labels([role])
    return f"{label} ({username})"


def _seats_of(review_ids: list[int]) -> defaultdict[int, _Seats]:
    """The active seats and the current votes on the judged revision, in two queries."""
    seats: defaultdict[int, _Seats] = defaultdict(_Seats)
    for review_id, role, reviewer_id, username in Assignment.objects.filter(
        review_id__in=review_ids, recused=False
    ).values_list("review_id", "role", "reviewer_id", "reviewer__username"):
        seats[review_id].seated[role] = (reviewer_id, username)
    for review_id, reviewer_id, choice in Vote.objects.filter(
        review_id__in=review_ids, current=True, revision=F("review__revision")
    ).values_list("review_id", "reviewer_id", "choice"):
        review_seats = seats[review_id]
        for role, (seated_id, username) in review_seats.seated.items():
            if seated_id != reviewer_id:
                continue
            review_seats.voted[role] = choice
            if choice == "reject":
                review_seats.rejected_by.append(_voter(role, username))
            elif choice == "abstain":
                review_seats.abstained.append(_voter(role, username))
    return seats


def _row(review: Review, seats: _Seats, today: date, viewer_id: int) -> PipelineRow:
    required = review.required_roles
    votes = {role: seats.voted[role] for role in required if role in seats.voted}
    empty = [role for role in required if role not in seats.seated]
    late = [role for role in required if role in seats.seated and role not in votes]
    overdue = review.due_date < today
    assert review.group is not None  # every open review has one (reviews.groups)
    return PipelineRow(
        review=review,
        group=GROUP_KEYS[review.group],
        age=(today - timezone.localdate(review.opened_at)).days,
        deadline=rules.deadline(review.due_date, today),
        voted=len(votes),
        required=len(required),
        why=_why_waiting(review, seats, empty, late, today, viewer_id),
        offer={role: [] for role in empty + (late if overdue else [])},
    )


def _why_waiting(
    review: Review, seats: _Seats, empty: list[str], late: list[str], today: date, viewer_id: int
) -> list[str]:
    """Empty seats, the chair's own vote, and the votes awaited from others, in words."""
    why = [f"No {label} reviewer: assign one" for label in role_labels(empty)]
    overdue = _overdue_words(review.due_date, today)
    mine = [role for role in late if seats.seated[role][0] == viewer_id]
    if mine:
        roles = ", ".join(role_labels(mine))
        why.append(f"{overdue}: your vote as {roles}" if overdue else f"Your vote as {roles}")
    others = [role for role in late if role not in mine]
    if not others:
        return why
    waiting = ", ".join(_voter(role, seats.seated[role][1]) for role in others)
    if overdue:
        why.append(f"{overdue}: waiting for {waiting}")
    elif why:
        why.append(f"Waiting for {waiting} to vote")
    else:
        why.append(f"Nothing for you yet: waiting for {waiting} to vote")
    return why


def _overdue_words(due: date, today: date) -> str:
    """'' before the due date; past it over a weekend, no working day is late yet."""
    if due >= today:
        return ""
    days = rules.working_days_between(due, today)
    if not days:
        return f"Past its due date ({due:%d %b})"
    return f"Overdue by {days} working day{'' if days == 1 else 's'}"


def _explain_ready(rows: list[PipelineRow], seats: defaultdict[int, _Seats]) -> None:
    """Why a review every role voted on is still open: a proposed rejection, an abstention, or
    required checklist items not verified (three queries for all the rows)."""
    unverified = _unverified_required_counts([row.review for row in rows])
    for row in rows:
        review_seats = seats[row.review.pk]
        if row.review.proposed_outcome == Outcome.REJECTED:
            by = ", ".join(review_seats.rejected_by) or "a reviewer"
            row.why.append(f"Rejection proposed by {by}: confirm or overturn it")
            continue
        if review_seats.abstained:
            row.why.append(
                f"Every role voted; {', '.join(review_seats.abstained)} abstained: "
                "the decision is yours"
            )
        count = unverified.get(row.review.pk, 0)
        if count:
            row.why.append(
                f"Every role voted; {count} required checklist item{'' if count == 1 else 's'} "
                "not verified: verify or waive them"
            )
        if not row.why:
            row.why.append("Every role voted: the decision is yours")


def _unverified_required_counts(reviews: list[Review]) -> dict[int, int]:
    """Review id -> its applicable items required at its tier and not verified on the judged
    revision (as reviews.selectors `unverified_required_items`, for many reviews at once)."""
    if not reviews:
        return {}
    ids = [review.pk for review in reviews]
    answers = {
        use_case_id: answers
        for use_case_id, answers in UseCaseRevision.objects.filter(
            use_case__reviews__in=ids, number=F("use_case__reviews__revision")
        ).values_list("use_case_id", "answers")
    }
    items: defaultdict[int, list[ChecklistItem]] = defaultdict(list)
    for item in ChecklistItem.objects.filter(
        template_id__in={review.checklist_template_id for review in reviews}
    ):
        items[item.template_id].append(item)
    verified = set(
        ChecklistAnswer.objects.filter(
            review_id__in=ids, revision=F("review__revision"), verdict=Verdict.VERIFIED
        ).values_list("review_id", "item_id")
    )
    return {
        review.pk: sum(
            1
            for item in items[review.checklist_template_id]
            if item.required_at(review.policy.tier)
            and rules.item_applies(
                applies_when=item.applies_when,
                applies_when_any=item.applies_when_any,
                answers=answers.get(review.use_case_id, {}),
            )
            and (review.pk, item.pk) not in verified
        )
        for review in reviews
    }


def _offer_seats(rows: list[PipelineRow]) -> None:
    candidates = seat_candidates(
        [row.review for row in rows],
        {row.review.pk: list(row.offer) for row in rows},
        limit=SEAT_OFFERS,
    )
    for row in rows:
        row.offer = candidates[row.review.pk]


def _tier_rank() -> Case:
    return Case(
        *(When(use_case__risk_tier=tier, then=Value(rank)) for tier, rank in _TIER_RANK.items()),
        default=Value(len(_TIER_RANK)),
        output_field=IntegerField(),
    )


# Within a group; the opening time, then the id, settle ties so that pages never overlap.
_SORT_ORDER = {
    "due": ("due_date", "opened_at"),
    "age": ("opened_at",),
    "tier": (_tier_rank(), "due_date", "opened_at"),
}
