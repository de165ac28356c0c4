"""Reads of the inventory, and who may change it.

Everyone signed in reads vendors, models and versions: teams pick from them. The council (any
council role, the chair included) keeps them: it creates and edits vendors and their
assessments, models and versions, and confirms what a team proposed. A team member may only
propose a model or a version. Auditors change nothing.
"""

from collections.abc import Iterable
from datetime import date

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import BooleanField, Case, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.errors import ActionForbidden, DomainError, TransitionNotAllowed
from council.models import COUNCIL_ROLES, CouncilRole, RoleAssignment
from council.selectors import auditor_write_refusal, is_council_member, user_active_team_ids

from .models import AiModel, ModelVersion, Vendor

COUNCIL_KEEPS_INVENTORY = _(
    "Only council members and the chair keep the vendors, their assessments and the models."
)
TEAMS_OR_COUNCIL_PROPOSE = _(
    "Only members of a team or of the council may propose a model or a version."
)
ALREADY_CONFIRMED = _("This is already confirmed.")


def lapsed_condition(today: date) -> Q:
    """A vendor's assessment has lapsed when it was never made, or is past its next due date
    (one rule for the lists, the filters, the vendor page and the API)."""
    return Q(assessed_on__isnull=True) | Q(next_assessment_due__lt=today)


def vendor_lapsed(vendor: Vendor, today: date | None = None) -> bool:
    """Whether the vendor's assessment, as saved, has lapsed today."""
    return Vendor.objects.filter(
        lapsed_condition(today or timezone.localdate()), pk=vendor.pk
    ).exists()


def vendors_lapse_due(today: date | None = None) -> QuerySet[Vendor]:
    """Vendors whose assessment, once made, is now past its next due date and has not yet opened
    change reviews of the entries on their models (the daily fan-out)."""
    return Vendor.objects.filter(
        lapsed_condition(today or timezone.localdate()),
        assessed_on__isnull=False,
        lapse_reviews_opened=False,
    )


def vendors_visible(*, today: date | None = None) -> QuerySet[Vendor]:
    """Every vendor, each with `assessment_lapsed` worked out by the database."""
    lapsed = lapsed_condition(today or timezone.localdate())
    return Vendor.objects.select_related("owner").annotate(
        assessment_lapsed=Case(
            When(lapsed, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


def vendors_lapsed(
    vendors: QuerySet[Vendor], *, lapsed: bool, today: date | None = None
) -> QuerySet[Vendor]:
    """The vendors of `vendors` whose assessment has (or, lapsed=False, has not) lapsed."""
    condition = lapsed_condition(today or timezone.localdate())
    return vendors.filter(condition) if lapsed else vendors.exclude(condition)


def vendor_get(*, pk: int | str) -> Vendor:
    return vendors_visible().get(pk=pk)


def models_visible() -> QuerySet[AiModel]:
    """Every model with its vendor (one join)."""
    return AiModel.objects.select_related("vendor")


def models_with_versions() -> QuerySet[AiModel]:
    """Models with their versions, newest first, read in one more query for any number."""
    versions = ModelVersion.objects.select_related("recorded_by").order_by("-recorded_at", "-id")
    return models_visible().prefetch_related(Prefetch("versions", queryset=versions))


def versions_of(model: AiModel) -> QuerySet[ModelVersion]:
    """A model's versions, newest first."""
    return model.versions.select_related("recorded_by").order_by("-recorded_at", "-id")


def _keeper_refusal(user: User | AnonymousUser) -> ActionForbidden | None:
    refusal = auditor_write_refusal(user)
    if refusal is not None:
        return refusal
    return None if is_council_member(user) else ActionForbidden(COUNCIL_KEEPS_INVENTORY)


def vendor_create_refusal(*, user: User | AnonymousUser) -> ActionForbidden | None:
    return _keeper_refusal(user)


def vendor_edit_refusal(*, user: User | AnonymousUser) -> ActionForbidden | None:
    """Who may change a vendor and its assessment: the council, never a team."""
    return _keeper_refusal(user)


def model_edit_refusal(*, user: User | AnonymousUser) -> ActionForbidden | None:
    return _keeper_refusal(user)


def proposal_refusal(*, user: User | AnonymousUser) -> ActionForbidden | None:
    """Who may add a model or a version: the council (confirmed at once) or a member of a team
    (proposed, for the council to confirm)."""
    refusal = auditor_write_refusal(user)
    if refusal is not None:
        return refusal
    if is_council_member(user) or user_active_team_ids(user):
        return None
    return ActionForbidden(TEAMS_OR_COUNCIL_PROPOSE)


def records_as_proposal(user: User | AnonymousUser) -> bool:
    """Whether what `user` adds waits for the council's confirmation (it does unless they
    keep the inventory)."""
    return _keeper_refusal(user) is not None


def roll_out_refusal(*, user: User | AnonymousUser, version: ModelVersion) -> DomainError | None:
    """Who may roll a version out to every deployment of its model (opening their change
    reviews): the council, once the version is confirmed."""
    refusal: DomainError | None = _keeper_refusal(user)
    if refusal is None and version.proposed:
        refusal = TransitionNotAllowed(
            gettext("A proposed version is rolled out once the council has confirmed it.")
        )
    return refusal


def confirm_refusal(
    *, user: User | AnonymousUser, record: AiModel | ModelVersion
) -> DomainError | None:
    """Who may confirm a proposed model or version: the council; only while it is proposed."""
    refusal = _keeper_refusal(user)
    if refusal is not None:
        return refusal
    return None if record.proposed else TransitionNotAllowed(ALREADY_CONFIRMED)


def vendor_owner_candidates() -> QuerySet[User]:
    """Who may keep a vendor's assessment current: active people who may edit it (a council
    role today), as the owner picker offers them."""
    roles = RoleAssignment.objects.active()
    keepers = roles.filter(role__in=COUNCIL_ROLES).values("user_id")
    auditors = roles.filter(role=CouncilRole.AUDITOR).values("user_id")
    return (
        User.objects.filter(is_active=True, pk__in=keepers)
        .exclude(pk__in=auditors)
        .order_by("username")
    )


def vendor_owner_ineligibility(user: User) -> str | None:
    """Why `user` cannot keep a vendor's assessment current (a message for the field), or None."""
    if not user.is_active:
        return gettext("This person no longer has an active account: name someone who does.")
    if _keeper_refusal(user) is not None:
        return gettext("Name a council member: only they may keep a vendor's assessment current.")
    return None


def versions_problem(versions: list[ModelVersion]) -> str | None:
    """Why a set of versions cannot be what one tool runs: two versions of one model."""
    models = [version.model_id for version in versions]
    if len(models) != len(set(models)):
        return gettext("Choose one version of each model: the one the tool runs.")
    return None


def version_labels(versions: Iterable[ModelVersion]) -> list[str]:
    """The versions as people name them ("Atlas 2026-03"), sorted: for audit events."""
    return sorted(str(version) for version in versions)
