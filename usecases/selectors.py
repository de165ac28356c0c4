"""Reads of use cases, always through what the viewer may see (SPEC section 2)."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from common.errors import ActionForbidden
from council.models import COUNCIL_ROLES, CouncilRole, TeamMembership
from council.selectors import auditor_write_refusal, user_active_roles, user_active_team_ids

from .choices import State
from .models import UseCase

# Who sees every non-draft use case, confidential ones included.
SEE_ALL_SUBMITTED = {CouncilRole.CHAIR, CouncilRole.AUDITOR}
EDITABLE_STATES = {State.DRAFT, State.CHANGES_REQUESTED}


def usecase_list_visible(*, user: User | AnonymousUser) -> QuerySet[UseCase]:
    """Every use case the user may see, as one query (no per-row checks)."""
    if not user.is_authenticated:
        return UseCase.objects.none()
    roles = user_active_roles(user)
    my_teams = TeamMembership.objects.active().filter(user=user).values("team_id")
    # Per-object grants (assigned reviewers, explicit confidential access) live in guardian.
    granted = get_objects_for_user(
        user,
        "usecases.view_usecase",
        klass=UseCase.objects.all(),
        with_superuser=False,
        accept_global_perms=False,
    ).values("pk")
    submitted = ~Q(state=State.DRAFT)
    visible = Q(team_id__in=my_teams) | Q(business_owner=user) | (submitted & Q(pk__in=granted))
    if roles & SEE_ALL_SUBMITTED:
        visible |= submitted
    elif roles & COUNCIL_ROLES:
        visible |= submitted & Q(confidential=False)
    return UseCase.objects.filter(visible)


def usecase_get_visible(*, user: User | AnonymousUser, pk: int | str) -> UseCase:
    """The use case, or 404 when it does not exist or the user may not see it (same answer)."""
    try:
        return usecase_list_visible(user=user).select_related("team", "business_owner").get(pk=pk)
    except (UseCase.DoesNotExist, ValueError, TypeError):
        raise Http404("No such use case.") from None


def usecase_is_editor(*, user: User | AnonymousUser, use_case: UseCase) -> bool:
    """Its team's members and its business owner act for the use case."""
    return use_case.business_owner_id == user.pk or use_case.team_id in user_active_team_ids(user)


# ---- who may do what: the error the action would meet, or None (see common.errors.refuse) ----


def _not_editor(
    user: User | AnonymousUser, use_case: UseCase, doing: str
) -> ActionForbidden | None:
    """Its team or business owner acts for the use case, never an auditor (even one named on it
    or sitting in its team): auditors change nothing."""
    refusal = auditor_write_refusal(user)
    if refusal is None and not usecase_is_editor(user=user, use_case=use_case):
        refusal = ActionForbidden(
            f"Only the owning team or the business owner can {doing} this use case."
        )
    return refusal


def usecase_propose_refusal(*, user: User | AnonymousUser) -> ActionForbidden | None:
    """A use case belongs to a team: someone in none cannot propose one, nor an auditor."""
    refusal = auditor_write_refusal(user)
    if refusal is not None or user_active_team_ids(user):
        return refusal
    return ActionForbidden(
        "You are not a member of any team, so you cannot propose a use case. "
        "Ask an administrator to add you to your team."
    )


def usecase_edit_refusal(
    *, user: User | AnonymousUser, use_case: UseCase
) -> ActionForbidden | None:
    """Its team and business owner change the answers and files, while the council does not
    judge them: a draft, or a use case sent back for changes."""
    refusal = _not_editor(user, use_case, "edit")
    if refusal is None and use_case.state not in EDITABLE_STATES:
        refusal = ActionForbidden(
            f"A use case in state '{use_case.get_state_display()}' cannot be edited: "
            "only drafts and use cases sent back for changes can."
        )
    return refusal


def usecase_submit_refusal(
    *, user: User | AnonymousUser, use_case: UseCase
) -> ActionForbidden | None:
    return _not_editor(user, use_case, "submit")


def usecase_withdraw_refusal(
    *, user: User | AnonymousUser, use_case: UseCase
) -> ActionForbidden | None:
    return _not_editor(user, use_case, "withdraw")


def usecase_mine_q(user: User) -> Q:
    """Use cases of the user's teams or that the user owns as business owner."""
    my_teams = TeamMembership.objects.active().filter(user=user).values("team_id")
    return Q(team_id__in=my_teams) | Q(business_owner=user)
