"""Reads of the registry, always through what the viewer may see."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery, TextField
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from common.errors import ActionForbidden, DomainError, TransitionNotAllowed
from common.expressions import json_rows, rows_of
from council.selectors import auditor_write_refusal, is_chair
from inventory.models import AiModel, Vendor
from inventory.selectors import vendors_lapsed
from reviews.models import CLOSED_CONDITION_STATUSES, Condition, Review, ReviewState
from reviews.selectors import standing_conditions
from usecases.choices import State
from usecases.models import UseCase, UseCaseRevision
from usecases.selectors import usecase_is_editor, usecase_visible_q

from .models import (
    Complaint,
    Deployment,
    Incident,
    IncidentStatus,
    Kpi,
    KpiDirection,
    KpiMeasurement,
    Stage,
)
from .rules import KPI_STATUS_LABELS, kpi_status

# The use-case states from which a deployment may be recorded (services.deployment_create).
RECORDABLE_STATES = frozenset({State.APPROVED, State.APPROVED_WITH_CONDITIONS, State.DEPLOYED})


def deployment_list_visible(*, user: User | AnonymousUser) -> QuerySet[Deployment]:
    """Entries of the use cases the user may see (confidential ones included, for those allowed)."""
    return Deployment.objects.filter(usecase_visible_q(user, through="use_case"))


def deployments_listed(
    entries: QuerySet[Deployment], *, shown_of_use_case: tuple[str, ...]
) -> QuerySet[Deployment]:
    """The entries with their use cases joined, reading of each use case only the fields a list
    shows (its long texts and answers stay unread)."""
    unread = (
        f"use_case__{field.name}"
        for field in UseCase._meta.concrete_fields
        if field.name not in ("id", *shown_of_use_case)
    )
    return entries.select_related("use_case").defer(*unread)


def deployments_running(use_case: UseCase) -> QuerySet[Deployment]:
    """The entries of a use case still in service or suspended (not retired)."""
    return use_case.deployments.exclude(stage=Stage.RETIRED)


def deployments_using_model(model: AiModel) -> QuerySet[Deployment]:
    """The entries not retired that run on a version of the model, whichever team owns them:
    the ones a new version concerns. Not filtered by what a reader may see (the council's
    roll-out reaches every team); the pages show them through `deployment_list_visible`."""
    return (
        Deployment.objects.exclude(stage=Stage.RETIRED)
        .filter(model_versions__model=model)
        .distinct()
    )


def deployments_using_vendor(vendor: Vendor) -> QuerySet[Deployment]:
    """The entries not retired that run on a model of the vendor, whichever team owns them: the
    ones a change of the vendor concerns (as `deployments_using_model`)."""
    return (
        Deployment.objects.exclude(stage=Stage.RETIRED)
        .filter(model_versions__model__vendor=vendor)
        .distinct()
    )


def lapsed_vendors_of(deployment: Deployment, today: date | None = None) -> QuerySet[Vendor]:
    """The vendors of the models the entry runs whose assessment has lapsed (shown on the entry)."""
    return vendors_lapsed(
        Vendor.objects.filter(models__versions__deployments=deployment).distinct(),
        lapsed=True,
        today=today,
    )


def deployment_get_visible(*, user: User | AnonymousUser, pk: int | str) -> Deployment:
    try:
        return (
            deployment_list_visible(user=user)
            .select_related("use_case", "use_case__team", "business_owner", "technical_owner")
            .get(pk=pk)
        )
    except (Deployment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such registry entry.") from None


def is_overdue(deployment: Deployment, today: date | None = None) -> bool:
    """Past its re-review date and still running (shown red in pages and exports)."""
    return running_past_due(
        stage=deployment.stage, next_review_due=deployment.next_review_due, today=today
    )


def running_past_due(*, stage: str, next_review_due: date, today: date | None = None) -> bool:
    """The overdue rule on plain values, for rows read without their model (exports)."""
    today = today or timezone.localdate()
    return stage != Stage.RETIRED and next_review_due < today


def plain_number(value: Decimal) -> str:
    """A decimal as people write it (12.5, not 12.5000)."""
    return f"{value.normalize():f}"


@dataclass(frozen=True)
class KpiResult:
    """A KPI with its latest measured value and where that stands against the target."""

    kpi: Kpi
    latest: Decimal | None
    measured_on: date | None
    measurements: int

    def as_record(self) -> dict[str, Any]:
        """The KPI and its latest value as plain JSON (the pilot's results keep it so)."""
        kpi = self.kpi
        return kpi_record_of(
            kpi.name, kpi.unit, kpi.direction, kpi.baseline, kpi.target, self.latest,
            self.measured_on,
        )  # fmt: skip

    @property
    def status(self) -> str:
        return kpi_status(
            higher_is_better=self.kpi.direction == KpiDirection.HIGHER,
            baseline=self.kpi.baseline,
            target=self.kpi.target,
            latest=self.latest,
        )

    @property
    def status_label(self) -> str:
        return KPI_STATUS_LABELS[self.status]


def kpi_results(deployment: Deployment) -> list[KpiResult]:
    """The entry's KPIs, each with its latest value, in one query."""
    return kpi_results_of(deployment.kpis.all())


def unresolved_incidents_count() -> Coalesce:
    """An entry's incidents not resolved, counted per row by a subquery (on entry rows): a page
    or an export reads its own rows only, with no GROUP BY over every entry."""
    unresolved = (
        Incident.objects.filter(deployment=OuterRef("pk"))
        .exclude(status=IncidentStatus.RESOLVED)
        .order_by()
        .values("deployment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(unresolved), 0)


def kpi_latest(field: str = "value") -> Subquery:
    """A KPI's latest measurement's `field`, as a subquery on KPI rows."""
    latest = KpiMeasurement.objects.filter(kpi=OuterRef("pk")).order_by("-measured_on")
    return Subquery(latest.values(field)[:1])


def kpi_record_of(
    name: str,
    unit: str,
    direction: str,
    baseline: Decimal,
    target: Decimal,
    latest: Decimal | None,
    measured_on: date | None,
) -> dict[str, Any]:
    """A KPI and its latest value as plain JSON: numbers as people write them, the day as ISO
    text, where the value stands (`registry.rules.kpi_status`)."""
    return {
        "name": name,
        "unit": unit,
        "baseline": plain_number(baseline),
        "target": plain_number(target),
        "latest": None if latest is None else plain_number(latest),
        "measured_on": measured_on.isoformat() if measured_on else None,
        "status": kpi_status(
            higher_is_better=direction == KpiDirection.HIGHER,
            baseline=baseline,
            target=target,
            latest=latest,
        ),
    }


def _with_latest(kpis: QuerySet[Kpi]) -> QuerySet[Any]:
    """The KPIs with their latest measurement's value and day (`latest_value`, `latest_on`)."""
    return kpis.annotate(latest_value=kpi_latest(), latest_on=kpi_latest("measured_on"))


def kpi_results_of(kpis: QuerySet[Kpi]) -> list[KpiResult]:
    """Each of the KPIs with its latest value and how many were measured, in one query (the
    entry page, the pilot's results)."""
    rows = _with_latest(kpis).annotate(measured=Count("measurements"))
    return [KpiResult(row, row.latest_value, row.latest_on, row.measured) for row in rows]


def kpis_listed() -> Subquery:
    """An entry's KPIs with their latest values as one JSON text in the entries' own SELECT
    (the registry export, the dossier): read it with `kpi_records_in`. Numbers travel as text,
    exact."""
    kpis = _with_latest(Kpi.objects.filter(deployment_id=OuterRef("pk")))
    numbers = (Cast(name, TextField()) for name in ("baseline", "target", "latest_value"))
    return json_rows(kpis, "deployment_id", "name", "unit", "direction", *numbers, "latest_on")


def kpi_records_in(listed: str | None) -> list[dict[str, Any]]:
    """The KPIs `kpis_listed` read, by name, as `kpi_record_of` writes them."""
    return [
        kpi_record_of(
            name,
            unit,
            direction,
            Decimal(baseline),
            Decimal(target),
            None if latest is None else Decimal(latest),
            None if measured_on is None else date.fromisoformat(measured_on),
        )
        for name, unit, direction, baseline, target, latest, measured_on in sorted(rows_of(listed))
    ]


def deployments_published() -> QuerySet[Deployment]:
    """What the public transparency pages may show: published, running, not confidential, and
    with public wording the council approved (an entry without it waits off the pages)."""
    return Deployment.objects.filter(
        published=True,
        stage__in=[Stage.PILOT, Stage.PRODUCTION],
        use_case__confidential=False,
    ).exclude(public_name_approved="")


def deployment_get_published(reference: str) -> Deployment:
    """One tool of the public pages by its reference; 404 for anything not on them."""
    try:
        return deployments_published().select_related("use_case").get(reference=reference)
    except Deployment.DoesNotExist:
        raise Http404("No such tool on our transparency pages.") from None


# How far back the complaints that open a re-review are counted.
COMPLAINTS_PERIOD_DAYS = 90


def complaints_counted(deployment: Deployment, *, today: date | None = None) -> int:
    """The entry's complaints that count towards a re-review: received within the period and
    since its last review (a re-review that renewed the entry starts the count again)."""
    today = today or timezone.localdate()
    since = today - timedelta(days=COMPLAINTS_PERIOD_DAYS)
    if deployment.last_review_date is not None:
        since = max(since, deployment.last_review_date)
    return deployment.complaints.filter(received_at__date__gte=since).count()


def complaints_visible(
    *, user: User | AnonymousUser, deployment: Deployment
) -> QuerySet[Complaint]:
    """The entry's complaints for its owners, its team and the chair; nothing for anyone else."""
    if complaints_read_refusal(user=user, deployment=deployment) is not None:
        return Complaint.objects.none()
    return deployment.complaints.all()


# ---- who may do what: the error the action would meet, or None (see common.errors.refuse) ----


def _not_editor(
    user: User | AnonymousUser, use_case: UseCase, doing: str
) -> ActionForbidden | None:
    """The use case's team or business owner acts for its entries, never an auditor: auditors
    read and change nothing, even when they also sit in the owning team, and are told so in the
    API's words (council.permissions.AuditorsReadOnly)."""
    refusal = auditor_write_refusal(user)
    if refusal is None and not usecase_is_editor(user=user, use_case=use_case):
        refusal = ActionForbidden(
            gettext("Only the owning team or the business owner can %(doing)s.") % {"doing": doing}
        )
    return refusal


def deployment_record_refusal(
    *, user: User | AnonymousUser, use_case: UseCase
) -> DomainError | None:
    """Its team or business owner enters an approved use case in the registry (the use case page
    offers "Record deployment" when this is None)."""
    refusal: DomainError | None = _not_editor(user, use_case, gettext("record a deployment"))
    if refusal is None and use_case.state not in RECORDABLE_STATES:
        refusal = TransitionNotAllowed(
            gettext("Only an approved use case enters the registry; %(reference)s is '%(state)s'.")
            % {"reference": use_case.reference, "state": use_case.get_state_display()}
        )
    if refusal is None and use_case.legacy and not _decided(use_case):
        refusal = TransitionNotAllowed(
            gettext(
                "%(reference)s was imported as already in service: another entry waits for the "
                "council's decision on its first review."
            )
            % {"reference": use_case.reference}
        )
    return refusal


def _decided(use_case: UseCase) -> bool:
    return use_case.reviews.filter(state=ReviewState.DECIDED).exists()


def registry_import_refusal(*, user: User | AnonymousUser) -> ActionForbidden | None:
    """The chair brings an existing inventory into the registry: its rows become use cases of
    any team, each with a first review the chair then oversees."""
    refusal = auditor_write_refusal(user)
    if refusal is None and not is_chair(user):
        refusal = ActionForbidden(gettext("Only the chair imports an inventory into the registry."))
    return refusal


def last_decision(use_case: UseCase) -> Review:
    """The council's last decided review of the use case (an approved or deployed use case,
    RECORDABLE_STATES, always has one)."""
    return use_case.reviews.filter(state=ReviewState.DECIDED).latest("decided_at")


def go_live_blockers(review: Review) -> QuerySet[Condition]:
    """The blocking conditions of the decision that are not met or waived yet, soonest due first:
    the entry cannot be recorded until each is closed (SPEC section 6)."""
    return (
        standing_conditions()
        .filter(review=review, blocking=True)
        .exclude(status__in=CLOSED_CONDITION_STATUSES)
        .select_related("owner")
        .order_by(F("due_date").asc(nulls_last=True), "pk")
    )


def deployment_edit_refusal(
    *, user: User | AnonymousUser, deployment: Deployment
) -> DomainError | None:
    refusal: DomainError | None = _not_editor(user, deployment.use_case, gettext("edit this entry"))
    if refusal is None and deployment.stage == Stage.RETIRED:
        refusal = TransitionNotAllowed(gettext("A retired entry cannot be edited."))
    return refusal


def deployment_stage_refusal(
    *, user: User | AnonymousUser, deployment: Deployment
) -> ActionForbidden | None:
    """Which moves the entry allows is the services' (`deployment_stage_targets`)."""
    return _not_editor(user, deployment.use_case, gettext("change the stage of this entry"))


def kpi_record_refusal(*, user: User | AnonymousUser, deployment: Deployment) -> DomainError | None:
    """The team or business owner tracks what the entry achieves, while it is not retired."""
    refusal: DomainError | None = _not_editor(
        user, deployment.use_case, gettext("record its results")
    )
    if refusal is None and deployment.stage == Stage.RETIRED:
        refusal = TransitionNotAllowed(gettext("A retired entry records no more results."))
    return refusal


def incident_report_refusal(*, user: User | AnonymousUser) -> ActionForbidden | None:
    """Anyone who can see an entry reports an incident on it, except auditors."""
    return auditor_write_refusal(user)


def incident_update_refusal(
    *, user: User | AnonymousUser, use_case: UseCase
) -> ActionForbidden | None:
    """The use case's team or business owner and the chair follow incidents up; auditors never."""
    refusal = auditor_write_refusal(user)
    if refusal is None and not (is_chair(user) or usecase_is_editor(user=user, use_case=use_case)):
        refusal = ActionForbidden(
            gettext(
                "Only the owning team, the business owner or the chair can follow up an incident."
            )
        )
    return refusal


def review_open_of_use_case(*, use_case_id: int) -> Review | None:
    """The council review now open on the entry's use case (a change review or re-review)."""
    return Review.objects.filter(use_case_id=use_case_id, state=ReviewState.OPEN).first()


def answers_judged(deployment: Deployment) -> dict[str, Any]:
    """The answers of the revision that the decision the entry rests on judged, in one query;
    an imported entry no decision judged yet: the answers it was imported with (revision 1)."""
    if deployment.approval_id is None:
        number: Any = 1
    else:
        number = Subquery(Review.objects.filter(pk=deployment.approval_id).values("revision"))
    answers: dict[str, Any] = UseCaseRevision.objects.values_list("answers", flat=True).get(
        use_case_id=deployment.use_case_id, number=number
    )
    return answers


def deployments_rereview_due(*, today: date) -> QuerySet[Deployment]:
    """The entries in service whose periodic re-review is due today or overdue and not under
    way: their use case is deployed with no review open (as `usecase_settled_in_service` of
    `reviews.selectors` asks, in one query for every entry)."""
    review_open = Review.objects.filter(use_case_id=OuterRef("use_case_id"), state=ReviewState.OPEN)
    return (
        Deployment.objects.exclude(stage=Stage.RETIRED)
        .filter(next_review_due__lte=today, use_case__state=State.DEPLOYED)
        .exclude(Exists(review_open))
        .select_related("use_case")
        .order_by("next_review_due", "pk")
    )


def complaints_read_refusal(
    *, user: User | AnonymousUser, deployment: Deployment
) -> ActionForbidden | None:
    """Customers' complaints may carry personal details: the entry's owners, its team and the
    chair read them, nobody else."""
    owners = {deployment.business_owner_id, deployment.technical_owner_id}
    if (
        user.pk in owners
        or is_chair(user)
        or usecase_is_editor(user=user, use_case=deployment.use_case)
    ):
        return None
    return ActionForbidden(
        gettext("Only the entry's owners, its team and the chair can read its complaints.")
    )


def complaint_close_refusal(
    *, user: User | AnonymousUser, deployment: Deployment
) -> ActionForbidden | None:
    """Those who read an entry's complaints close them once handled; auditors never."""
    return auditor_write_refusal(user) or complaints_read_refusal(user=user, deployment=deployment)


def public_wording_approve_refusal(
    *, user: User | AnonymousUser, deployment: Deployment
) -> DomainError | None:
    """The chair approves the public wording for the council, never wording of their own team;
    there must be wording waiting."""
    refusal: DomainError | None = auditor_write_refusal(user)
    if refusal is None and not is_chair(user):
        refusal = ActionForbidden(
            gettext("Only the chair approves the public wording for the council.")
        )
    if refusal is None and usecase_is_editor(user=user, use_case=deployment.use_case):
        refusal = ActionForbidden(
            gettext(
                "Your own team wrote this wording: a chair does not approve their own team's words."
            )
        )
    if refusal is None and not deployment.public_wording_pending:
        refusal = TransitionNotAllowed(gettext("No new public wording is waiting for approval."))
    if refusal is None and not (deployment.public_name and deployment.public_description):
        refusal = TransitionNotAllowed(
            gettext("The public wording needs both a public name and a public description.")
        )
    return refusal


class TooManyComplaints(DomainError):
    status_code = 429


def complaints_rate_key(address: str) -> str:
    return f"registry:complaints:{address}"


def complaints_sent_recently(address: str) -> int:
    count: int = cache.get(complaints_rate_key(address), 0)
    return count


def complaint_rate_refusal(address: str) -> TooManyComplaints | None:
    """One address sends at most COMPLAINTS_PER_HOUR complaints an hour (counted in the cache:
    per process on the embedded default, shared when a shared cache is configured)."""
    if complaints_sent_recently(address) < settings.COMPLAINTS_PER_HOUR:
        return None
    return TooManyComplaints(
        gettext(
            "We have received several messages from your connection in the last hour. Please "
            "try again later, or contact us directly."
        )
    )
