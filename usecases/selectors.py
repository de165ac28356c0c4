"""Reads of use cases, always through what the viewer may see (SPEC section 2)."""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import BooleanField, Case, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Lower, Replace
from django.http import Http404

from common.errors import ActionForbidden
from council.models import COUNCIL_ROLES, CouncilRole, TeamMembership
from council.selectors import auditor_write_refusal, user_active_roles, user_active_team_ids
from inventory.models import ModelVersion

from .choices import State
from .models import (
    RELATING_LINK_KINDS,
    LinkKind,
    UseCase,
    UseCaseGroupObjectPermission,
    UseCaseLink,
    UseCaseRevision,
    UseCaseUserObjectPermission,
)

# Who sees every non-draft use case, confidential ones included.
SEE_ALL_SUBMITTED = {CouncilRole.CHAIR, CouncilRole.AUDITOR}
EDITABLE_STATES = {State.DRAFT, State.CHANGES_REQUESTED}


def usecase_list_visible(*, user: User | AnonymousUser) -> QuerySet[UseCase]:
    """Every use case the user may see, as one query (no per-row checks)."""
    return UseCase.objects.filter(usecase_visible_q(user))


def sees_every_submitted_use_case(user: User | AnonymousUser) -> bool:
    """The chair and auditors see every use case once submitted, confidential or not."""
    return user.is_authenticated and bool(user_active_roles(user) & SEE_ALL_SUBMITTED)


def usecase_visible_by_state(user: User | AnonymousUser) -> dict[str, QuerySet[UseCase]]:
    """State -> the use cases in it the user may see. A draft is only ever seen by its team and
    business owner, which its list says outright: the database cannot tell from the whole rule
    and would read every draft to find none."""
    visible = usecase_list_visible(user=user)
    return {
        state: (
            UseCase.objects.filter(usecase_mine_q(user), state=state)
            if state == State.DRAFT and user.is_authenticated
            else visible.filter(state=state)
        )
        for state in State
    }


def usecase_visible_q(user: User | AnonymousUser, *, through: str = "") -> Q:
    """The visibility rule as a condition, on use cases or, with `through` (the name of a
    foreign key to a use case), on the rows that point to one: a list of registry entries or
    reviews joins its use cases and tests the rule on those rows only, instead of reading every
    use case the user may see."""
    prefix = f"{through}__" if through else ""

    def on(condition: str, value: Any) -> Q:
        return Q(**{prefix + condition: value})

    if not user.is_authenticated:
        return on("pk__in", [])
    my_teams = TeamMembership.objects.active().filter(user=user).values("team_id")
    theirs = on("team_id__in", my_teams) | on("business_owner", user)
    submitted = ~on("state", State.DRAFT)
    if sees_every_submitted_use_case(user):
        return theirs | submitted  # a grant adds nothing they do not see already
    granted = on("pk__in", _granted_view(user, "user")) | on(
        "pk__in", _granted_view(user, "groups")
    )
    visible = theirs | (submitted & granted)
    if user_active_roles(user) & COUNCIL_ROLES:
        visible |= submitted & on("confidential", False)
    return visible


def _granted_view(user: User, to: str) -> QuerySet[Any, Any]:
    """The ids of the use cases a per-object grant lets the user see (assigned reviewers,
    explicit confidential access: guardian's tables), given to the user or to their groups, as
    a direct subquery on that table, which its indexes serve (guardian's
    `get_objects_for_user` joins them with every use case)."""
    view = {
        "permission__codename": "view_usecase",
        "permission__content_type__app_label": "usecases",
    }
    if to == "user":
        return UseCaseUserObjectPermission.objects.filter(user=user, **view).values(
            "content_object_id"
        )
    return UseCaseGroupObjectPermission.objects.filter(group__user=user, **view).values(
        "content_object_id"
    )


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


def usecase_mine_q(user: User, *, through: str = "") -> Q:
    """Use cases of the user's teams or that the user owns as business owner (with `through`, a
    foreign key to a use case: on the rows that point to one). The teams are read first (once a
    request): as values, they let the database estimate how few rows they mean."""
    prefix = f"{through}__" if through else ""
    return Q(**{f"{prefix}team_id__in": user_active_team_ids(user)}) | Q(
        **{f"{prefix}business_owner": user}
    )


def usecase_conflicted_q(user: User, *, through: str = "") -> Q:
    """Use cases the user may not judge (four eyes, as `reviews.selectors.conflicted`): their
    teams', owned, created or submitted by them; the revisions as a subquery, not a join. With
    `through` (a foreign key to a use case), on the rows that point to one, tested row by row."""
    prefix = f"{through}__" if through else ""
    submitted = UseCaseRevision.objects.filter(submitted_by=user).values("use_case_id")
    return (
        usecase_mine_q(user, through=through)
        | Q(**{f"{prefix}created_by": user})
        | Q(**{f"{prefix}pk__in": submitted})
    )


def usecase_similar_refusal(
    *, user: User | AnonymousUser, use_case: UseCase
) -> ActionForbidden | None:
    """Its team and business owner look for use cases it may duplicate, in any state."""
    return _not_editor(user, use_case, "check for duplicates of")


# ---- the inventory's model versions a use case names ----


def model_versions_offered(
    *, user: User | AnonymousUser, use_case: UseCase | None = None
) -> QuerySet[ModelVersion]:
    """The versions the team picks from, grouped by model (vendor, model, newest version first):
    those the council confirmed, its own proposals (recorded by a member of the user's teams or
    of the use case's team), and those the use case names already, so saving never drops them.
    Naming any existing version is still the service's rule; this is what the forms offer."""
    teams = Q(team_id__in=TeamMembership.objects.active().filter(user=user.pk).values("team_id"))
    if use_case is not None:
        teams |= Q(team_id=use_case.team_id)
    people = TeamMembership.objects.active().filter(teams).values("user_id")
    offered = (
        Q(proposed=False, model__proposed=False)
        | Q(recorded_by__in=people)
        | Q(model__recorded_by__in=people)
    )
    if use_case is not None and use_case.pk is not None:
        offered |= Q(pk__in=use_case.model_versions.values("pk"))
    return (
        ModelVersion.objects.filter(offered)
        .select_related("model__vendor")
        .order_by(
            F("model__vendor__name").asc(nulls_last=True),
            "model__name",
            "model_id",
            "-recorded_at",
            "-id",
        )
    )


# ---- the duplicate check at intake ----

SAME_TOOL = "same tool and vendor"
SIMILAR_TITLE = "similar title"
SAME_MODEL = "same model"
TITLE_SIMILARITY = 0.5  # Jaccard similarity of the titles' word sets
TITLE_PREFILTER_WORDS = 8  # the longest words asked of the database
SIMILAR_CANDIDATES_MAX = 200
# Words that say nothing about what a use case does: left out before titles are compared.
STOP_WORDS = frozenset({
    "a", "an", "and", "ai", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or",
    "our", "the", "to", "with", "using", "use", "via", "tool", "new", "pilot", "project",
})  # fmt: skip


@dataclass(frozen=True)
class SimilarMatch:
    """A use case that may be the same as the one at hand, and why it matched. `use_case` is
    None when the user may not see it: only its team is named, never its title or reference."""

    pk: int
    team_name: str
    reasons: tuple[str, ...]
    use_case: UseCase | None


@dataclass(frozen=True)
class SimilarUseCases:
    shown: tuple[SimilarMatch, ...]  # the ones the user may open, best first
    teams_elsewhere: tuple[str, ...]  # teams with a match the user may not see
    pks: tuple[int, ...]  # every match, what "It is a different use case" records

    def __bool__(self) -> bool:
        return bool(self.pks)


def title_words(title: str) -> frozenset[str]:
    """The meaningful words of a title: lower case, no punctuation, no stop words."""
    words = re.findall(r"[^\W_]+", title.lower())
    return frozenset(word for word in words if word not in STOP_WORDS and len(word) > 1)


def title_similarity(first: frozenset[str], second: frozenset[str]) -> float:
    """Jaccard similarity: shared words over all words of the two titles (0 to 1)."""
    union = first | second
    return len(first & second) / len(union) if union else 0.0


def _squeezed(text: str) -> str:
    return "".join(text.lower().split())


def _squeezed_field(name: str) -> Replace:
    return Replace(Lower(name), Value(" "), Value(""))


def _tool_key(use_case: UseCase) -> tuple[str, str] | None:
    """The tool and vendor, case and spaces ignored; None unless both are answered."""
    tool, vendor = _squeezed(use_case.tool_name), _squeezed(use_case.vendor)
    return (tool, vendor) if tool and vendor else None


def _same_tool_q(use_case: UseCase) -> Q | None:
    key = _tool_key(use_case)
    return None if key is None else Q(tool_key=key[0], vendor_key=key[1])


def _title_q(words: frozenset[str]) -> Q | None:
    # A title sharing half of the union of words shares one of the longest eight of this one
    # whenever it has up to fifteen meaningful words: the database drops the rest first.
    longest = sorted(words, key=lambda word: (-len(word), word))[:TITLE_PREFILTER_WORDS]
    query = None
    for word in longest:
        query = Q(title__icontains=word) if query is None else query | Q(title__icontains=word)
    return query


def _sharing_a_model(use_case: UseCase) -> QuerySet[Any]:
    """The links of any use case to a version of a model this one names (any version of it)."""
    links = UseCase.model_versions.through.objects
    its_models = links.filter(usecase_id=use_case.pk).values("modelversion__model_id")
    return links.filter(modelversion__model_id__in=its_models)


def _already_answered(use_case: UseCase) -> Q:
    """Pairs the team has decided on, in either direction: linked, or checked as different."""
    decided = UseCaseLink.objects.filter(use_case=use_case).values("other")
    linked_to_it = UseCaseLink.objects.filter(other=use_case, kind__in=RELATING_LINK_KINDS).values(
        "use_case"
    )
    return Q(pk__in=decided) | Q(pk__in=linked_to_it)


def _similar_candidates(
    use_case: UseCase, user: User | AnonymousUser, words: frozenset[str]
) -> list[UseCase]:
    """At most SIMILAR_CANDIDATES_MAX use cases sharing the tool and vendor, a title word or an
    inventory model, in one query, each marked `seen` when the user may see it and `same_model`
    when it names a model this one names. Another team's confidential use cases and drafts never
    come back unless the user may see them."""
    sharing = _sharing_a_model(use_case)
    matching = Q(pk__in=sharing.values("usecase_id"))
    for wanted in (_same_tool_q(use_case), _title_q(words)):
        if wanted is not None:
            matching |= wanted
    visible = usecase_list_visible(user=user).values("pk")
    hinted = Q(confidential=False) & ~Q(state=State.DRAFT)
    candidates = (
        UseCase.objects.annotate(
            tool_key=_squeezed_field("tool_name"),
            vendor_key=_squeezed_field("vendor"),
            seen=Case(When(pk__in=visible, then=True), default=False, output_field=BooleanField()),
            same_model=Exists(sharing.filter(usecase_id=OuterRef("pk"))),
        )
        .filter(matching)
        .filter(Q(pk__in=visible) | hinted)
        .exclude(pk=use_case.pk)
        .exclude(state=State.WITHDRAWN)
        .exclude(_already_answered(use_case))
        .select_related("team")
        .order_by("-updated_at", "-pk")
    )
    return list(candidates[:SIMILAR_CANDIDATES_MAX])


def _reasons(use_case: UseCase, words: frozenset[str], candidate: UseCase) -> tuple[str, ...]:
    reasons = []
    key = _tool_key(use_case)
    if key is not None and _tool_key(candidate) == key:
        reasons.append(SAME_TOOL)
    if title_similarity(words, title_words(candidate.title)) >= TITLE_SIMILARITY:
        reasons.append(SIMILAR_TITLE)
    if getattr(candidate, "same_model", False):
        reasons.append(SAME_MODEL)
    return tuple(reasons)


def similar_use_cases(
    use_case: UseCase, *, user: User | AnonymousUser, limit: int = 5
) -> SimilarUseCases:
    """Other use cases this one may duplicate, each with why it matched.

    A match has the same tool and vendor (case and spaces ignored), or a similar title: the
    Jaccard similarity of the two titles' meaningful words (`title_words`) is at least 0.5, so
    "Email copy generator" matches "Generator of e-mail copy" but not "Email send-time
    optimiser"; or it names one of the same inventory models (any version of it). Withdrawn
    use cases and pairs the team has already linked or checked are left out. What the user may
    not see is never described: an invisible match of another team counts only if it is
    neither confidential nor a draft, and then only its team is named.
    The database filters and caps the candidates; only they are scored here (constant queries).
    """
    words = title_words(use_case.title)
    matches = []
    for candidate in _similar_candidates(use_case, user, words):
        reasons = _reasons(use_case, words, candidate)
        if reasons:
            shown = candidate if getattr(candidate, "seen", False) else None
            matches.append(SimilarMatch(candidate.pk, candidate.team.name, reasons, shown))
    # The most reasons first, then the most recently changed (the candidates' order).
    matches.sort(key=lambda match: -len(match.reasons))
    visible = tuple(match for match in matches if match.use_case is not None)
    elsewhere = sorted({match.team_name for match in matches if match.use_case is None})
    return SimilarUseCases(
        shown=visible[:limit],
        teams_elsewhere=tuple(elsewhere),
        pks=tuple(match.pk for match in matches),
    )


@dataclass(frozen=True)
class RelatedUseCase:
    """A link between two use cases, from the side of the page showing it."""

    kind: str  # "duplicates" or "extends", as said by the use case that recorded it
    outgoing: bool  # True: this use case duplicates or extends `other`
    other: UseCase
    recorded_at: datetime


def usecase_links_visible(*, use_case: UseCase, user: User | AnonymousUser) -> list[RelatedUseCase]:
    """The use cases this one is linked to, either way, that the user may see (one query)."""
    visible = usecase_list_visible(user=user).values("pk")
    links = (
        UseCaseLink.objects.filter(kind__in=RELATING_LINK_KINDS)
        .filter(Q(use_case=use_case, other__in=visible) | Q(other=use_case, use_case__in=visible))
        .select_related("use_case__team", "other__team")
    )
    return [
        RelatedUseCase(
            kind=link.kind,
            outgoing=link.use_case_id == use_case.pk,
            other=link.other if link.use_case_id == use_case.pk else link.use_case,
            recorded_at=link.recorded_at,
        )
        for link in links
    ]


def usecase_duplicate_check(*, use_case: UseCase) -> UseCaseLink | None:
    """The team's last "it is a different use case", if any."""
    return (
        UseCaseLink.objects.filter(use_case=use_case, kind=LinkKind.DIFFERENT)
        .select_related("recorded_by")
        .order_by("-recorded_at", "-pk")
        .first()
    )
