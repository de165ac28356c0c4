"""Reads for council review: eligibility, four eyes, the state of a review."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import Coalesce, RowNumber
from django.http import Http404
from django.utils.translation import gettext, gettext_noop, ngettext

from common.errors import ActionForbidden, StaleEdit
from common.forms import person_label
from council.models import CouncilRole, RoleAssignment, TeamMembership, role_labels
from council.selectors import auditor_write_refusal, is_chair, user_active_roles
from inventory.models import Vendor
from inventory.selectors import vendors_visible
from usecases.choices import State as UseCaseState
from usecases.models import UseCase, UseCaseRevision
from usecases.selectors import (
    usecase_conflicted_q,
    usecase_is_editor,
    usecase_visible_q,
)
from usecases.services import answers_of

from . import rules
from .models import (
    Assignment,
    ChecklistAnswer,
    ChecklistItem,
    Condition,
    ConditionStatus,
    Outcome,
    Review,
    ReviewPolicy,
    ReviewState,
    Verdict,
    Vote,
    VoteChoice,
)
from .vendor_evidence import FACT_FIELDS, answers_item, fact_sentences


def conflicted(*, user: User, use_case: UseCase) -> bool:
    """Four eyes: nobody judges a use case they submitted, own, or whose team they belong to."""
    if user.pk in {use_case.created_by_id, use_case.business_owner_id}:
        return True
    if use_case.revisions.filter(submitted_by=user).exists():
        return True
    return TeamMembership.objects.active().filter(user=user, team_id=use_case.team_id).exists()


def standing_conditions() -> QuerySet[Condition]:
    """Conditions of the votes that stand: current votes on the revision their review judges.

    Votes on an earlier revision stay `current` for that revision (history), so their
    conditions no longer bind once the team has submitted a new one.
    """
    return Condition.objects.filter(vote__current=True, vote__revision=F("review__revision"))


def usecase_settled_in_service(use_case: UseCase) -> bool:
    """Deployed, and no council review is open or waiting for the team's next revision: the
    council's last word on the use case stands, and it is approval."""
    return (
        use_case.state == UseCaseState.DEPLOYED
        and not use_case.reviews.filter(state=ReviewState.OPEN).exists()
    )


def not_conflicted(use_case: UseCase, *, user_field: str = "pk") -> Q:
    """Four eyes as a query condition on the users at `user_field`: not in the owning team, not
    a submitter of any revision, not its creator or business owner (see `conflicted`)."""
    team_members = (
        TeamMembership.objects.active().filter(team_id=use_case.team_id).values("user_id")
    )
    submitters = use_case.revisions.values("submitted_by_id")
    named = [pk for pk in (use_case.created_by_id, use_case.business_owner_id) if pk]
    return ~(
        Q(**{f"{user_field}__in": team_members})
        | Q(**{f"{user_field}__in": submitters})
        | Q(**{f"{user_field}__in": named})
    )


def free_roles(use_case: UseCase) -> QuerySet[RoleAssignment]:
    """The council roles held today by people who may review the use case: active accounts,
    not conflicted (four eyes), and not auditors (who change nothing, so would sit without a
    voice, even when they hold another role too)."""
    auditors = RoleAssignment.objects.active().filter(role=CouncilRole.AUDITOR).values("user_id")
    return (
        RoleAssignment.objects.active()
        .filter(not_conflicted(use_case, user_field="user"), user__is_active=True)
        .exclude(user__in=auditors)
    )


def eligible_reviewers(
    *, role: str, use_case: UseCase, exclude_ids: Iterable[int | None] = ()
) -> QuerySet[User]:
    """The people free to review the use case in the role (`free_roles`), least loaded first."""
    holders = free_roles(use_case).filter(role=role).values("user_id")
    return (
        User.objects.filter(pk__in=holders)
        .exclude(pk__in=[pk for pk in exclude_ids if pk])
        .annotate(open_reviews=Coalesce("seat_load__open_seats", 0))  # reviews.loads
        .order_by("open_reviews", "pk")
    )


@dataclass(frozen=True)
class SeatCandidate:
    """A member free to take a seat of a review, with their load: the open reviews they sit on."""

    role: str
    user: User
    open_reviews: int

    @property
    def value(self) -> str:
        """The seat and the member in one choice: a member can only be offered for their role."""
        return f"{self.role}:{self.user.pk}"

    @property
    def label(self) -> str:
        """The member and their load, as the pickers list them."""
        count = self.open_reviews
        return ngettext(
            "%(person)s (%(count)d open review)", "%(person)s (%(count)d open reviews)", count
        ) % {"person": person_label(self.user), "count": count}


def seat_candidates(
    reviews: Iterable[Review], roles: Mapping[int, Iterable[str]], *, limit: int | None = None
) -> dict[int, dict[str, list[SeatCandidate]]]:
    """Review id -> role -> the members free to take that seat, least loaded first (SPEC 5:
    balancing), never the member seated now nor one who stepped back from the review. Free as
    `free_roles` says: an active account holding the role today, not an auditor, not conflicted
    (four eyes, as `not_conflicted`). The service still refuses a conflicted choice; this only
    keeps them off the list. `limit`: the first so many of each seat (the pipeline's rows): only
    that many holders of each role, plus as many as a review may keep off, are read.

    `roles`: review id -> the roles to offer. Four queries, whatever the number of reviews.
    """
    reviews = list(reviews)
    conflicted_ids = _conflicted_ids([review.use_case for review in reviews])
    sitting = _sitting([review.pk for review in reviews])
    kept_off = max(
        (len(conflicted_ids[review.use_case_id] | sitting.on(review.pk)) for review in reviews),
        default=0,
    )
    ranked = _free_holders(
        {role for review in reviews for role in roles.get(review.pk, ())},
        first=None if limit is None else limit + kept_off,
    )

    def free(review: Review, role: str) -> list[SeatCandidate]:
        offered = (
            SeatCandidate(role=role, user=user, open_reviews=load)
            for user, load in ranked.get(role, [])
            if user.pk not in conflicted_ids[review.use_case_id]
            and sitting.offers(review.pk, role, user.pk)
        )
        return list(islice(offered, limit))

    return {
        review.pk: {role: free(review, role) for role in roles.get(review.pk, ())}
        for review in reviews
    }


def _free_holders(roles: set[str], first: int | None) -> dict[str, list[tuple[User, int]]]:
    """Role -> the active accounts holding it today, auditors left out, with their load, least
    loaded first (then by username); the first `first` of each role, or all."""
    auditors = RoleAssignment.objects.active().filter(role=CouncilRole.AUDITOR).values("user_id")
    held: QuerySet[Any] = (
        RoleAssignment.objects.active()
        .filter(role__in=roles, user__is_active=True)
        .exclude(user__in=auditors)
        .annotate(load=Coalesce("user__seat_load__open_seats", 0))
        .select_related("user")
    )
    if first is not None:
        held = held.annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("role"),
                order_by=(F("load").asc(), F("user__username").asc()),
            )
        ).filter(rank__lte=first)
    holders: dict[str, list[tuple[User, int]]] = {}
    seen: set[tuple[str, int]] = set()  # a role held twice (two periods) lists its holder once
    for row in held.order_by("load", "user__username"):
        if (row.role, row.user_id) not in seen:
            seen.add((row.role, row.user_id))
            holders.setdefault(row.role, []).append((row.user, row.load))
    return holders


def _conflicted_ids(use_cases: list[UseCase]) -> defaultdict[int, set[int]]:
    """Use case id -> the users four eyes keeps off it (see `not_conflicted`), in two queries."""
    conflicted_by: defaultdict[int, set[int]] = defaultdict(set)
    teams: defaultdict[int, list[int]] = defaultdict(list)
    for use_case in use_cases:
        named = (use_case.created_by_id, use_case.business_owner_id)
        conflicted_by[use_case.pk].update(pk for pk in named if pk)
        teams[use_case.team_id].append(use_case.pk)
    for team_id, user_id in (
        TeamMembership.objects.active().filter(team_id__in=teams).values_list("team_id", "user_id")
    ):
        for use_case_id in teams[team_id]:
            conflicted_by[use_case_id].add(user_id)
    for use_case_id, user_id in UseCaseRevision.objects.filter(
        use_case_id__in=[use_case.pk for use_case in use_cases], submitted_by__isnull=False
    ).values_list("use_case_id", "submitted_by_id"):
        conflicted_by[use_case_id].add(user_id)
    return conflicted_by


@dataclass
class _Sitting:
    """Who sits on the reviews now, and who stepped back from them: neither is offered a seat."""

    seated: dict[tuple[int, str], int] = field(default_factory=dict)  # (review, role) -> user
    stepped_back: defaultdict[int, set[int]] = field(default_factory=lambda: defaultdict(set))

    def offers(self, review_id: int, role: str, user_id: int) -> bool:
        return (
            self.seated.get((review_id, role)) != user_id
            and user_id not in self.stepped_back[review_id]
        )

    def on(self, review_id: int) -> set[int]:
        """Everyone seated on the review or who stepped back from it: at most these are kept
        off one of its seats."""
        seated = {user for (review, _), user in self.seated.items() if review == review_id}
        return seated | self.stepped_back[review_id]


def _sitting(review_ids: list[int]) -> _Sitting:
    sitting = _Sitting()
    for review_id, role, reviewer_id, recused in Assignment.objects.filter(
        review_id__in=review_ids
    ).values_list("review_id", "role", "reviewer_id", "recused"):
        if recused:
            sitting.stepped_back[review_id].add(reviewer_id)
        else:
            sitting.seated[review_id, role] = reviewer_id
    return sitting


def item_applies(item: ChecklistItem, answers: Mapping[str, Any]) -> bool:
    """The item's applicability rule holds for the answers (SPEC: answers only, never roles)."""
    return rules.item_applies(
        applies_when=item.applies_when, applies_when_any=item.applies_when_any, answers=answers
    )


def judged_answers(review: Review) -> dict[str, Any]:
    answers: dict[str, Any] = review.use_case.revisions.get(number=review.revision).answers
    return answers


def applicable_items(
    review: Review, answers: Mapping[str, Any] | None = None
) -> list[ChecklistItem]:
    """Items of the review's template whose rule matches the judged revision's answers.

    Which roles vote does not matter: an item whose role does not vote gets a verifier
    (`verifier_roles`). `answers`: the judged revision's answers, when the caller has them.
    """
    answers = judged_answers(review) if answers is None else answers
    # With their template: its header names the frameworks of the items' references.
    items = ChecklistItem.objects.filter(template_id=review.checklist_template_id).select_related(
        "template"
    )
    return [item for item in items if item_applies(item, answers)]


def verifier_roles(review: Review, items: list[ChecklistItem] | None = None) -> list[str]:
    """Roles that verify an applicable item but do not vote on the review: each gets a verifier.

    `items`: the applicable items, when the caller has them.
    """
    items = applicable_items(review) if items is None else items
    roles = {item.role for item in items} - set(review.required_roles)
    return sorted(roles, key=rules.ROLE_ORDER.index)


def seat_roles(review: Review, items: list[ChecklistItem] | None = None) -> list[str]:
    """Every role with a seat on the review: the voting roles, then the verifying ones."""
    return [*review.required_roles, *verifier_roles(review, items)]


# ---- before submitting: the seats nobody could take ----------------------------------------------


def seat_roles_of(use_case: UseCase) -> list[str]:
    """The seats the review of the use case's current answers would have (as `seat_roles`): the
    roles the active policy of its tier calls to vote, then those that verify an applicable item
    of the active checklist. None while no policy reviews its tier (a prohibited use case)."""
    policy = ReviewPolicy.objects.filter(tier=use_case.risk_tier, active=True).first()
    if policy is None:
        return []
    voting = rules.required_roles(policy_roles=policy.required_roles, functions=use_case.functions)
    answers = answers_of(use_case)
    items = ChecklistItem.objects.filter(template__active=True)
    verifying = {item.role for item in items if item_applies(item, answers)} - set(voting)
    return [*voting, *sorted(verifying, key=rules.ROLE_ORDER.index)]


@dataclass(frozen=True)
class SeatGap:
    """A seat of the review that no council member is free to take (four eyes, or nobody holds
    the role): submitting still opens the review, which waits for the chair to seat someone."""

    role: str
    # The business owner, when they hold the role: naming someone else may fill the seat.
    owner: User | None

    @property
    def label(self) -> str:
        return gettext(CouncilRole(self.role).label)

    @property
    def why(self) -> str:
        if self.owner is not None:
            return gettext(
                "No %(role)s member is free to review this use case: its business owner, "
                "%(owner)s, holds that role and four eyes keeps people off the use cases they "
                "own, and no other %(role)s member is free of a conflict."
            ) % {
                "role": self.label,
                "owner": self.owner.get_full_name() or self.owner.get_username(),
            }
        return gettext(
            "No %(role)s member is free to review this use case: nobody holds the role today, "
            "or each one is in the owning team, submitted it or owns it (four eyes)."
        ) % {"role": self.label}

    @property
    def before_submitting(self) -> str:
        """The warning next to the submit button."""
        if self.owner is not None:
            return gettext(
                "%(why)s Name another business owner before you submit; otherwise the review "
                "waits without a %(role)s reviewer until the chair seats one."
            ) % {"why": self.why, "role": self.label}
        return gettext(
            "%(why)s If you submit, the review waits without a %(role)s reviewer until the chair "
            "seats one (an administrator may first have to give someone the role)."
        ) % {"why": self.why, "role": self.label}

    @property
    def once_submitted(self) -> str:
        """What the team is told once the review has opened with the seat empty."""
        return gettext(
            "%(why)s The review waits without a %(role)s reviewer until the chair seats one."
        ) % {"why": self.why, "role": self.label}


def review_seat_gaps(use_case: UseCase) -> list[SeatGap]:
    """The seats of the use case's review that nobody free of a conflict could take, so that
    submitting can warn the team, before and after (workflows.usecase_submit_check)."""
    roles = seat_roles_of(use_case)
    free = set(free_roles(use_case).filter(role__in=roles).values_list("role", flat=True))
    owner = use_case.business_owner
    owner_roles = user_active_roles(owner) if owner is not None else frozenset()
    return [
        SeatGap(role=role, owner=owner if role in owner_roles else None)
        for role in roles
        if role not in free
    ]


def current_votes_by_role(review: Review) -> dict[str, str]:
    """Role -> choice of its active reviewer's current vote on the judged revision."""
    return votes_by_role(
        review,
        assignments=review.assignments.filter(recused=False),
        votes=Vote.objects.filter(review=review, revision=review.revision, current=True),
    )


def votes_by_role(
    review: Review, *, assignments: Iterable[Assignment], votes: Iterable[Vote]
) -> dict[str, str]:
    """The same from assignments and votes already read (any revision, recused or not)."""
    current = {
        v.reviewer_id: v.choice for v in votes if v.current and v.revision == review.revision
    }
    return {
        a.role: current[a.reviewer_id]
        for a in assignments
        if not a.recused and a.reviewer_id in current and a.role in review.required_roles
    }


def unverified_required_items(review: Review) -> list[ChecklistItem]:
    """Applicable items mandatory at the review's tier whose answer on the judged revision is
    not verified: what blocks an approval, and what a chair approval must waive."""
    tier = review.policy.tier
    required = [item for item in applicable_items(review) if item.required_at(tier)]
    verified = set(
        ChecklistAnswer.objects.filter(
            review=review,
            revision=review.revision,
            verdict=Verdict.VERIFIED,
            item_id__in=[item.pk for item in required],
        ).values_list("item_id", flat=True)
    )
    return [item for item in required if item.pk not in verified]


def checklist_complete(review: Review) -> bool:
    return not unverified_required_items(review)


def review_list_visible(*, user: User | AnonymousUser) -> QuerySet[Review]:
    """Reviews of the use cases the user may see (same rules, one query)."""
    return Review.objects.filter(usecase_visible_q(user, through="use_case"))


def condition_list_visible(*, user: User | AnonymousUser) -> QuerySet[Condition]:
    """Conditions of the reviews the user may see: the rule tested on each condition's own use
    case (joined), not against every review the user may see, so that a page and its capped
    count read their own rows only."""
    return Condition.objects.filter(usecase_visible_q(user, through="review__use_case"))


def review_get_visible(*, user: User | AnonymousUser, pk: int | str) -> Review:
    try:
        return (
            review_list_visible(user=user)
            .select_related("use_case", "use_case__team", "policy")
            .get(pk=pk)
        )
    except (Review.DoesNotExist, ValueError, TypeError):
        raise Http404("No such review.") from None


def review_queue(*, user: User) -> QuerySet[Review]:
    """Open reviews where the user is an active reviewer: what needs them, soonest due first."""
    mine = Assignment.objects.filter(reviewer=user, recused=False).values("review_id")
    return (
        Review.objects.filter(pk__in=mine, state=ReviewState.OPEN)
        .select_related("use_case", "use_case__team")
        .order_by("due_date", "opened_at", "pk")  # pk: pages never share or skip a review
    )


# ---- who may do what on a review: the error the action would meet, or None --------------------
# (see common.errors.refuse). Each rule reads the user's `Standing`, so a page that asks them all,
# item by item, reads no more than a service that asks one.


@dataclass
class Standing:
    """What one user is to one review, each fact read on first use and kept."""

    user: User
    review: Review
    # The review's assignments when the caller has read them already (a page), else read on use.
    assignments: Iterable[Assignment] | None = None

    @property
    def pk(self) -> int | None:
        return self.user.pk

    @cached_property
    def seats(self) -> list[Assignment]:
        """The user's active (not recused) assignments on the review."""
        if self.assignments is None:
            return list(self.review.assignments.filter(reviewer_id=self.user.pk, recused=False))
        return [a for a in self.assignments if not a.recused and a.reviewer_id == self.user.pk]

    @cached_property
    def roles(self) -> set[str]:
        return {a.role for a in self.seats}

    @cached_property
    def verifies(self) -> set[str]:
        """The roles of the user's seats that verify checklist items without a vote."""
        return {a.role for a in self.seats if not a.voting}

    @cached_property
    def voting_roles(self) -> list[str]:
        """The roles the user votes for: a voting seat whose council role they still hold."""
        held = user_active_roles(self.user)
        return [a.role for a in self.seats if a.voting and a.role in held]

    @cached_property
    def is_editor(self) -> bool:
        return usecase_is_editor(user=self.user, use_case=self.review.use_case)

    @cached_property
    def is_chair(self) -> bool:
        return is_chair(self.user)

    @cached_property
    def conflicted(self) -> bool:
        return conflicted(user=self.user, use_case=self.review.use_case)

    @cached_property
    def read_only(self) -> ActionForbidden | None:
        """An auditor's refusal: asked first by every rule below, whatever seat or team."""
        return auditor_write_refusal(self.user)


def _four_eyes(standing: Standing, doing: str) -> ActionForbidden | None:
    if not standing.conflicted:
        return None
    return ActionForbidden(
        gettext(
            "Four eyes: you cannot %(doing)s a use case you submitted, own, or whose team you "
            "belong to."
        )
        % {"doing": doing}
    )


def _chair_only(standing: Standing, doing: str) -> ActionForbidden | None:
    return (
        None
        if standing.is_chair
        else ActionForbidden(gettext("Only the chair can %(doing)s.") % {"doing": doing})
    )


def checklist_answer_refusal(standing: Standing) -> ActionForbidden | None:
    refusal = standing.read_only
    if refusal is None and not standing.is_editor:
        refusal = ActionForbidden(
            gettext("Only the owning team or the business owner answers the checklist.")
        )
    return refusal


def checklist_answer_saved(review: Review, item: ChecklistItem) -> ChecklistAnswer | None:
    """The team's answer to `item` on the revision under review, if any."""
    return (
        ChecklistAnswer.objects.select_related("answered_by")
        .filter(review=review, item=item, revision=review.revision)
        .first()
    )


def checklist_answer_stale_refusal(
    answer: ChecklistAnswer | None, read_version: int | None
) -> StaleEdit | None:
    """None when a new answer was read at the saved one's version (0: none saved yet), or names
    none (a client that does not ask); otherwise who answered since and when, and the version
    to save over."""
    if answer is None or read_version is None or read_version == answer.version:
        return None
    by = answer.answered_by
    return StaleEdit(
        noun=gettext_noop("answer"),
        version=answer.version,
        changed_by=by.get_full_name() or by.get_username(),
        changed_at=answer.answered_at,
    )


def checklist_verify_refusal(standing: Standing, item: ChecklistItem) -> ActionForbidden | None:
    """The reviewer or verifier seated for the item's role, unless four eyes keeps them off."""
    refusal = standing.read_only or _four_eyes(standing, gettext("verify checklist items of"))
    if refusal is None and item.role not in standing.roles:
        refusal = ActionForbidden(
            gettext("Only the assigned %(role)s reviewer or verifier verifies this item.")
            % {"role": gettext(item.get_role_display())}
        )
    return refusal


def vote_refusal(standing: Standing) -> ActionForbidden | None:
    """A reviewer of a required role votes; a verifier does not."""
    refusal = standing.read_only or _four_eyes(standing, gettext("vote on"))
    if refusal is None and not standing.voting_roles:
        if standing.seats and not any(a.voting for a in standing.seats):
            return ActionForbidden(
                gettext(
                    "You verify checklist items on this review: verifiers comment but do not vote."
                )
            )
        refusal = ActionForbidden(
            gettext(
                "Only reviewers assigned to a required role they still hold can vote on this review."
            )
        )
    return refusal


def recuse_refusal(standing: Standing) -> ActionForbidden | None:
    refusal = standing.read_only
    if refusal is None and not standing.seats:
        refusal = ActionForbidden(gettext("You are not an active reviewer of this use case."))
    return refusal


def condition_meet_refusal(standing: Standing) -> ActionForbidden | None:
    refusal = standing.read_only
    if refusal is None and not standing.is_editor:
        refusal = ActionForbidden(
            gettext("Only the owning team or the business owner marks a condition met.")
        )
    return refusal


def condition_waive_refusal(standing: Standing) -> ActionForbidden | None:
    return standing.read_only or _chair_only(standing, gettext("waive a condition"))


def condition_confirm_refusal(standing: Standing, condition: Condition) -> ActionForbidden | None:
    """The council role that set the condition confirms it is met or sends it back: its holder
    seated on the review today, or the chair. Four eyes: never the team, nor whoever marked it
    met."""
    refusal = standing.read_only
    if refusal is None and (standing.is_editor or standing.conflicted):
        refusal = ActionForbidden(
            gettext(
                "Four eyes: the team does not confirm its own conditions; the council role that "
                "set the condition does."
            )
        )
    if refusal is None and condition.claimed_by_id == standing.pk:
        refusal = ActionForbidden(
            gettext("Four eyes: you marked this condition met, so someone else confirms it.")
        )
    if refusal is None and not _confirms_for(standing, condition.confirming_role):
        role = gettext(CouncilRole(condition.confirming_role).label)
        refusal = ActionForbidden(
            gettext(
                "Only the %(role)s reviewer assigned to this review, or the chair, confirms this "
                "condition."
            )
            % {"role": role}
        )
    return refusal


def _confirms_for(standing: Standing, role: str) -> bool:
    """Seated on the review in the role and holding it still, or the chair."""
    held = user_active_roles(standing.user)
    return standing.is_chair or (role in standing.roles and role in held)


def condition_confirmers(condition: Condition) -> list[User]:
    """Who may confirm the condition (as `condition_confirm_refusal`): the holders of its role
    seated on the review, every chair for a condition the chair set, and the chairs again when
    nobody holds the seat any more."""
    use_case = condition.review.use_case
    role = condition.confirming_role
    others = [condition.claimed_by_id]
    seated = condition.review.assignments.filter(recused=False, role=role).values("reviewer_id")
    holders = eligible_reviewers(role=role, use_case=use_case, exclude_ids=others)
    if role != CouncilRole.CHAIR:
        holders = holders.filter(pk__in=seated)
    confirmers = list(holders)
    if not confirmers and role != CouncilRole.CHAIR:
        confirmers = list(
            eligible_reviewers(role=CouncilRole.CHAIR, use_case=use_case, exclude_ids=others)
        )
    return confirmers


def conditions_to_confirm(user: User) -> QuerySet[Condition]:
    """Conditions awaiting confirmation that the user may confirm, in one query: those of a role
    the user holds and is seated for on the review, and, for the chair, those the chair set
    (the rules of `condition_confirm_refusal`)."""
    if auditor_write_refusal(user) is not None:
        return Condition.objects.none()
    held = user_active_roles(user)
    seated = Assignment.objects.filter(
        review_id=OuterRef("review_id"),
        reviewer_id=user.pk,
        recused=False,
        role=OuterRef("confirming_role"),
    )
    # The reviews where the user sits: the database starts from those few.
    my_reviews = Assignment.objects.filter(reviewer_id=user.pk, recused=False).values("review_id")
    mine = Q(Exists(seated), confirming_role__in=held, review__in=my_reviews)
    if CouncilRole.CHAIR in held:
        mine |= Q(confirming_role=CouncilRole.CHAIR)
    return (
        standing_conditions()
        .filter(mine, status=ConditionStatus.CLAIMED)
        .exclude(claimed_by_id=user.pk)
        .exclude(usecase_conflicted_q(user, through="review__use_case"))
    )


def comment_refusal(standing: Standing) -> ActionForbidden | None:
    """The team and business owner, the assigned reviewers and the chair talk on a review."""
    refusal = standing.read_only
    if refusal is None and not (standing.is_editor or standing.seats or standing.is_chair):
        refusal = ActionForbidden(
            gettext("Only the team, the assigned reviewers and the chair comment on a review.")
        )
    return refusal


def decision_refusal(standing: Standing) -> ActionForbidden | None:
    return (
        standing.read_only
        or _chair_only(standing, gettext("record a decision"))
        or _four_eyes(standing, gettext("decide"))
    )


def reassign_refusal(standing: Standing) -> ActionForbidden | None:
    return standing.read_only or _chair_only(standing, gettext("reassign reviewers"))


# ---- the checklist page: who saves a section, what is counted, what a filter shows ------------


def checklist_section_refusal(
    standing: Standing, items: Iterable[ChecklistItem]
) -> ActionForbidden | None:
    """A section is saved by whom answers the checklist (the team) or verifies one of its
    items; anyone else meets the refusal of answering."""
    answering = checklist_answer_refusal(standing)
    if answering is None or standing.read_only is not None:
        return answering
    if any(checklist_verify_refusal(standing, item) is None for item in items):
        return None
    return answering


@dataclass(frozen=True)
class ChecklistCounts:
    """Progress of a section or of the whole checklist: answered of every item, verified of
    the required ones (what an approval needs), rejected answers waiting for the team."""

    items: int = 0
    answered: int = 0
    required: int = 0
    verified: int = 0
    rejected: int = 0

    def __add__(self, other: "ChecklistCounts") -> "ChecklistCounts":
        return ChecklistCounts(
            items=self.items + other.items,
            answered=self.answered + other.answered,
            required=self.required + other.required,
            verified=self.verified + other.verified,
            rejected=self.rejected + other.rejected,
        )

    @property
    def all_answered(self) -> bool:
        return self.answered == self.items

    @property
    def all_verified(self) -> bool:
        return self.verified == self.required


def checklist_counts(rows: Iterable[tuple[bool, ChecklistAnswer | None]]) -> ChecklistCounts:
    """Count (required, answer or None) pairs of applicable items."""
    total = ChecklistCounts()
    for required, answer in rows:
        verdict = answer.verdict if answer is not None else ""
        total += ChecklistCounts(
            items=1,
            answered=answer is not None,
            required=required,
            verified=required and verdict == Verdict.VERIFIED,
            rejected=verdict == Verdict.REJECTED,
        )
    return total


# The checklist page's filters (?show=…), in the order offered.
CHECKLIST_FILTERS = {
    "mine": "Mine",
    "unanswered": "Unanswered",
    "rejected": "Rejected",
}


def checklist_filter(value: object) -> str:
    """The filter asked for, or "" (every item) for anything else."""
    return value if isinstance(value, str) and value in CHECKLIST_FILTERS else ""


def checklist_item_shown(
    show: str, *, item: ChecklistItem, answer: ChecklistAnswer | None, standing: Standing
) -> bool:
    """Whether the filter `show` keeps the item. "mine": an item the user verifies, or, for the
    team, one waiting for its answer (not answered, or rejected)."""
    rejected = answer is not None and answer.verdict == Verdict.REJECTED
    if show == "unanswered":
        return answer is None
    if show == "rejected":
        return rejected
    if show == "mine":
        if item.role in standing.roles:
            return True
        return standing.is_editor and (answer is None or rejected)
    return True


def checklist_verdict_order(
    entries: Iterable[tuple[ChecklistItem, ChecklistAnswer, str]], *, tier: str
) -> list[tuple[ChecklistItem, ChecklistAnswer, str]]:
    """(item, saved answer, new verdict) in the order to record them: a verdict that completes
    the required items may decide the review, after which nothing more is recorded on it, so
    the required items newly verified come last."""

    def completes(entry: tuple[ChecklistItem, ChecklistAnswer, str]) -> bool:
        item, answer, verdict = entry
        return (
            item.required_at(tier)
            and verdict == Verdict.VERIFIED
            and answer.verdict != Verdict.VERIFIED
        )

    return sorted(entries, key=completes)


# ---- the checklist's evidence from the inventory: the vendors' assessments ---------------------


@dataclass(frozen=True)
class VendorEvidence:
    """What a vendor's assessment says about one checklist item: evidence beside the team's
    answer, for the verifier to weigh; it verifies nothing."""

    vendor: Vendor
    facts: list[str]
    # Never assessed or past its next due date (inventory.selectors.lapsed_condition).
    lapsed: bool


def vendors_of_use_case(use_case_id: int) -> list[tuple[Vendor, bool]]:
    """(vendor, lapsed) for the vendors of the models whose versions the use case names, by
    name: one query, whatever the number of versions, models or vendors."""
    vendors = vendors_visible().filter(models__versions__use_cases=use_case_id).distinct()
    # `assessment_lapsed` is the inventory's rule (lapsed_condition), worked out by the database.
    return [(vendor, vendor.assessment_lapsed) for vendor in vendors]  # type: ignore[attr-defined]


def vendor_evidence(
    review: Review, items: Iterable[ChecklistItem]
) -> dict[int, list[VendorEvidence]]:
    """{item id: the evidence of each vendor of the use case} for the `items` a vendor's
    assessment answers (reviews.vendor_evidence); other items are left out. The vendors are
    read even when no item needs them, so the page's queries stay the same for every use case."""
    vendors = vendors_of_use_case(review.use_case_id)
    if not vendors:
        return {}
    facts = {
        vendor.pk: {name: getattr(vendor, name) for name in FACT_FIELDS} for vendor, _ in vendors
    }
    return {
        item.pk: [
            VendorEvidence(
                vendor=vendor, facts=fact_sentences(item.code, facts[vendor.pk]), lapsed=lapsed
            )
            for vendor, lapsed in vendors
        ]
        for item in items
        if answers_item(item.code)
    }


# ---- the use case page: what the council asked the team to change ------------------------------


@dataclass(frozen=True)
class ChangesRequested:
    """The decision that sent a use case back to its team, and what it asks."""

    review: Review
    # (who, roles, reasons) of each vote that requested changes on the judged revision.
    votes: list[tuple[str, list[str], str]]
    # The checklist answers a reviewer rejected, with what they said is missing.
    rejected: list[ChecklistAnswer]


def changes_requested_of(
    *, use_case: UseCase, user: User | AnonymousUser
) -> ChangesRequested | None:
    """When the latest review of the use case (which the user sees) requested changes: its
    rationale, the votes' reasons and the rejected checklist items; None otherwise."""
    review = (
        review_list_visible(user=user)
        .filter(use_case=use_case)
        .order_by("-opened_at")
        .select_related("decided_by")
        .first()
    )
    if review is None or review.outcome != Outcome.CHANGES_REQUESTED:
        return None
    votes = Vote.objects.filter(
        review=review,
        revision=review.revision,
        current=True,
        choice=VoteChoice.REQUEST_CHANGES,
    ).select_related("reviewer")
    rejected = (
        ChecklistAnswer.objects.filter(
            review=review, revision=review.revision, verdict=Verdict.REJECTED
        )
        .select_related("item", "verified_by")
        .order_by("item__position", "item__code")
    )
    return ChangesRequested(
        review=review,
        votes=[
            (
                vote.reviewer.get_full_name() or vote.reviewer.get_username(),
                role_labels(vote.roles),
                vote.reasons,
            )
            for vote in votes
        ],
        rejected=list(rejected),
    )
