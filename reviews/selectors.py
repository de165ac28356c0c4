"""Reads for council review: eligibility, four eyes, the state of a review."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from common.errors import ActionForbidden
from council.models import RoleAssignment, TeamMembership
from council.selectors import is_chair, user_active_roles
from usecases.choices import State as UseCaseState
from usecases.models import UseCase
from usecases.selectors import usecase_is_editor, usecase_list_visible

from . import rules
from .models import (
    Assignment,
    ChecklistAnswer,
    ChecklistItem,
    Condition,
    Review,
    ReviewState,
    Verdict,
    Vote,
)


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


def eligible_reviewers(
    *, role: str, use_case: UseCase, exclude_ids: Iterable[int | None] = ()
) -> QuerySet[User]:
    """Active holders of the role who are not conflicted, least loaded first."""
    holders = RoleAssignment.objects.active().filter(role=role).values("user_id")
    return (
        User.objects.filter(not_conflicted(use_case), pk__in=holders, is_active=True)
        .exclude(pk__in=[pk for pk in exclude_ids if pk])
        .annotate(
            open_reviews=Count(
                "review_assignments",
                filter=Q(
                    review_assignments__recused=False,
                    review_assignments__review__state=ReviewState.OPEN,
                ),
            )
        )
        .order_by("open_reviews", "pk")
    )


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
    return Review.objects.filter(use_case__in=usecase_list_visible(user=user).values("pk"))


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
        .order_by("due_date", "opened_at")
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


def _four_eyes(standing: Standing, doing: str) -> ActionForbidden | None:
    if not standing.conflicted:
        return None
    return ActionForbidden(
        f"Four eyes: you cannot {doing} a use case you submitted, own, or whose team you belong to."
    )


def _chair_only(standing: Standing, doing: str) -> ActionForbidden | None:
    return None if standing.is_chair else ActionForbidden(f"Only the chair can {doing}.")


def checklist_answer_refusal(standing: Standing) -> ActionForbidden | None:
    if standing.is_editor:
        return None
    return ActionForbidden("Only the owning team or the business owner answers the checklist.")


def checklist_verify_refusal(standing: Standing, item: ChecklistItem) -> ActionForbidden | None:
    """The reviewer or verifier seated for the item's role, unless four eyes keeps them off."""
    refusal = _four_eyes(standing, "verify checklist items of")
    if refusal is None and item.role not in standing.roles:
        refusal = ActionForbidden(
            f"Only the assigned {item.get_role_display()} reviewer or verifier verifies this item."
        )
    return refusal


def vote_refusal(standing: Standing) -> ActionForbidden | None:
    """A reviewer of a required role votes; a verifier does not."""
    refusal = _four_eyes(standing, "vote on")
    if refusal is None and not standing.voting_roles:
        if standing.seats and not any(a.voting for a in standing.seats):
            return ActionForbidden(
                "You verify checklist items on this review: verifiers comment but do not vote."
            )
        refusal = ActionForbidden(
            "Only reviewers assigned to a required role they still hold can vote on this review."
        )
    return refusal


def recuse_refusal(standing: Standing) -> ActionForbidden | None:
    if standing.seats:
        return None
    return ActionForbidden("You are not an active reviewer of this use case.")


def condition_meet_refusal(standing: Standing) -> ActionForbidden | None:
    if standing.is_editor:
        return None
    return ActionForbidden("Only the owning team or the business owner marks a condition met.")


def condition_waive_refusal(standing: Standing) -> ActionForbidden | None:
    return _chair_only(standing, "waive a condition")


def comment_refusal(standing: Standing) -> ActionForbidden | None:
    """The team and business owner, the assigned reviewers and the chair talk on a review."""
    if standing.is_editor or standing.seats or standing.is_chair:
        return None
    return ActionForbidden(
        "Only the team, the assigned reviewers and the chair comment on a review."
    )


def decision_refusal(standing: Standing) -> ActionForbidden | None:
    return _chair_only(standing, "record a decision") or _four_eyes(standing, "decide")


def reassign_refusal(standing: Standing) -> ActionForbidden | None:
    return _chair_only(standing, "reassign reviewers")
