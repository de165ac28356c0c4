"""Reads of use cases, always through what the viewer may see (SPEC section 2)."""

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from council.models import COUNCIL_ROLES, CouncilRole, TeamMembership
from council.selectors import user_active_roles, user_active_team_ids

from .choices import State
from .models import UseCase, UseCaseRevision

# Who sees every non-draft use case, confidential ones included.
SEE_ALL_SUBMITTED = {CouncilRole.CHAIR, CouncilRole.AUDITOR}
EDITABLE_STATES = {State.DRAFT, State.CHANGES_REQUESTED}


def usecase_list_visible(*, user) -> QuerySet[UseCase]:
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


def usecase_get_visible(*, user, pk) -> UseCase:
    """The use case, or 404 when it does not exist or the user may not see it (same answer)."""
    try:
        return usecase_list_visible(user=user).select_related("team", "business_owner").get(pk=pk)
    except (UseCase.DoesNotExist, ValueError, TypeError):
        raise Http404("No such use case.") from None


def usecase_is_editor(*, user, use_case: UseCase) -> bool:
    """Its team's members and its business owner act for the use case."""
    return use_case.business_owner_id == user.pk or use_case.team_id in user_active_team_ids(user)


def usecase_can_edit(*, user, use_case: UseCase) -> bool:
    return use_case.state in EDITABLE_STATES and usecase_is_editor(user=user, use_case=use_case)


def usecase_mine_q(user) -> Q:
    """Use cases of the user's teams or that the user owns as business owner."""
    my_teams = TeamMembership.objects.active().filter(user=user).values("team_id")
    return Q(team_id__in=my_teams) | Q(business_owner=user)


def usecase_dashboard(*, user, limit: int = 10) -> dict:
    """What needs the user on the home page, in a constant number of queries whatever the volume."""
    visible = usecase_list_visible(user=user)
    # One row more than shown tells whether to offer "see all" without a count query.
    waiting = visible.filter(usecase_mine_q(user), state__in=EDITABLE_STATES)
    needs_me = list(waiting.select_related("team")[: limit + 1])
    submitted_by_me = UseCaseRevision.objects.filter(submitted_by=user).values("use_case_id")
    recently_submitted = visible.filter(pk__in=submitted_by_me).order_by("-submitted_at", "-id")
    counts = dict(visible.order_by().values_list("state").annotate(n=Count("id")))
    return {
        "needs_me": needs_me[:limit],
        "needs_me_more": len(needs_me) > limit,
        "recently_submitted": list(recently_submitted[:limit]),
        "counts_by_state": [(state, counts[state]) for state in State if counts.get(state)],
        "visible_total": sum(counts.values()),
    }
