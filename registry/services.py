"""Writes to the registry of deployed AI: atomic, rule-checked, audited (SPEC section 6)."""

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from audit.selectors import stale_edit_refusal
from audit.services import audit_record, field_changes, plain_json
from common.errors import TransitionNotAllowed, refuse
from common.files import delete_unless_committed
from common.spreadsheets import SHEET_BYTES_MAX
from council.models import CouncilRole, NotificationKind, RoleAssignment
from council.notifications import Notice, notify, notify_many
from council.selectors import business_owner_ineligibility
from council.services import reference_next
from inventory.models import ModelVersion
from inventory.selectors import version_labels, versions_problem
from reviews.models import APPROVALS, Outcome, Review, ReviewPolicy
from reviews.selectors import usecase_settled_in_service
from usecases.choices import RiskTier
from usecases.models import UseCase

from .imports import ImportRow, RowStatus, import_report
from .models import (
    Complaint,
    ComplaintStatus,
    Deployment,
    DeploymentVersion,
    ImportStatus,
    Incident,
    IncidentStatus,
    Kpi,
    KpiDirection,
    KpiMeasurement,
    PilotJudgement,
    RegistryImport,
    Severity,
    Stage,
)
from .notifications import (
    notify_complaint,
    notify_import_finished,
    notify_public_wording_waits,
)
from .rules import change_review_reason, kpi_target_problem, material_changes
from .selectors import (
    answers_judged,
    complaint_close_refusal,
    complaint_rate_refusal,
    complaints_counted,
    complaints_rate_key,
    deployment_edit_refusal,
    deployment_record_refusal,
    deployment_stage_refusal,
    deployments_running,
    go_live_blockers,
    incident_report_refusal,
    incident_update_refusal,
    kpi_record_refusal,
    kpi_results,
    last_decision,
    plain_number,
    public_wording_approve_refusal,
    registry_import_refusal,
)

EDITABLE_FIELDS = (
    "name", "vendor", "model_version", "channels", "markets", "go_live_date", "business_owner",
    "technical_owner", "human_oversight", "customer_disclosure", "data_categories",
    "monitoring_kpis", "published", "public_name", "public_description",
)  # fmt: skip
SNAPSHOT_FIELDS = (*EDITABLE_FIELDS, "reference", "use_case", "stage", "requested_stage",
                   "risk_tier", "last_review_date", "next_review_due", "approval",
                   "legacy")  # fmt: skip
# Snapshot field -> model attribute (foreign keys as their ids).
SNAPSHOT_ATTNAMES = {name: f"{name}_id" if Deployment._meta.get_field(name).is_relation else name
                     for name in SNAPSHOT_FIELDS}  # fmt: skip

T = TypeVar("T")


@dataclass(frozen=True)
class ReviewNeeded:
    """The council must look at the entry's use case again (a "change" review or a "re_review")."""

    deployment: Deployment
    kind: str
    reason: str


@dataclass(frozen=True)
class RecordedWithFollowUp(Generic[T]):
    """What an action recorded, and what it asks of the apps below, which `workflows` does in the
    same transaction: open a review, or retire the use case whose last entry retired."""

    record: T
    review_needed: ReviewNeeded | None = None
    # The use case whose last entry in service just retired.
    out_of_service: UseCase | None = None


@dataclass(frozen=True)
class StageMove:
    sources: frozenset[str]
    target: str
    # Sources from which a high-tier entry only requests the move: the council's approval makes it.
    requested_from: frozenset[str] = frozenset()


# The stages of SPEC section 6, and which moves between them are allowed.
STAGE_MOVES: dict[str, StageMove] = {
    Stage.PRODUCTION: StageMove(
        frozenset({Stage.PILOT, Stage.SUSPENDED}), Stage.PRODUCTION, frozenset({Stage.PILOT})
    ),
    Stage.SUSPENDED: StageMove(frozenset({Stage.PILOT, Stage.PRODUCTION}), Stage.SUSPENDED),
    Stage.PILOT: StageMove(frozenset({Stage.SUSPENDED}), Stage.PILOT),
    Stage.RETIRED: StageMove(
        frozenset({Stage.PILOT, Stage.PRODUCTION, Stage.SUSPENDED}), Stage.RETIRED
    ),
}

# The stages an entry may wait for, once requested.
REQUESTABLE_STAGES = tuple(move.target for move in STAGE_MOVES.values() if move.requested_from)


def _months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last_day in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last_day))
        except ValueError:
            continue
    raise ValueError(day)


def _snapshot(deployment: Deployment) -> dict[str, Any]:
    return {name: getattr(deployment, attname) for name, attname in SNAPSHOT_ATTNAMES.items()}


def _record_version(deployment: Deployment) -> None:
    DeploymentVersion.objects.create(
        deployment=deployment, valid_from=timezone.now(), data=plain_json(_snapshot(deployment))
    )


def _save(deployment: Deployment) -> dict[str, list[int]]:
    """Save a change of the entry as its next version, kept in its history. What it returns
    goes in the change's audit event, so that an edit of an older version can say what it
    missed (audit.selectors.stale_edit_refusal)."""
    deployment.version += 1
    deployment.save()
    _record_version(deployment)
    return {"version": [deployment.version - 1, deployment.version]}


OWNER_FIELDS = ("business_owner", "technical_owner")


def _check_owners(data: Mapping[str, Any], deployment: Deployment | None = None) -> None:
    """Each owner named must be someone who can be (council.selectors, the rule of the use
    case's business owner); an owner named before stays until changed."""
    errors: dict[str, list[str]] = {}
    for name in OWNER_FIELDS:
        owner = data.get(name)
        if owner is None or owner.pk == getattr(deployment, f"{name}_id", None):
            continue
        if reason := business_owner_ineligibility(owner):
            errors[name] = [reason]
    if errors:
        raise ValidationError(errors)


def _apply(deployment: Deployment, data: Mapping[str, Any]) -> None:
    for name, value in data.items():
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"Not an editable field of a registry entry: {name}")
        setattr(deployment, name, value)
    deployment.full_clean(exclude=["use_case", "approval", "created_by"])


@transaction.atomic
def deployment_create(*, actor: User, use_case: UseCase, data: Mapping[str, Any]) -> Deployment:
    """Enter an approved use case in the registry, once its blocking conditions are met.

    The use case's first entry makes it deployed (workflows.deployment_create).
    """
    use_case = UseCase.objects.select_for_update().get(pk=use_case.pk)
    refuse(deployment_record_refusal(user=actor, use_case=use_case))
    approval = last_decision(use_case)
    blocking = go_live_blockers(approval)
    if blocking:
        raise ValidationError(
            {
                "use_case": [
                    gettext("Blocking condition still open: %(condition)s") % {"condition": c.text}
                    for c in blocking
                ]
            }
        )
    reviewed = timezone.localdate(approval.decided_at)
    number = reference_next(key="AI")
    deployment = Deployment(
        reference=f"AI-{number:04d}",
        use_case=use_case,
        approval=approval,
        risk_tier=use_case.risk_tier,
        stage=Stage.PILOT,
        last_review_date=reviewed,
        next_review_due=_months_later(reviewed, approval.policy.rereview_months),
        created_by=actor,
    )
    data, versions = _split_versions(data)
    _check_owners(data)
    _apply(deployment, data)
    deployment.save()
    linked = _link_versions(deployment, versions or [], new=True)
    _record_version(deployment)
    audit_record(
        actor=actor,
        action="created",
        obj=deployment,
        changes=field_changes({}, _snapshot(deployment)) | linked,
    )
    return deployment


# The entry's links to the inventory's model versions (a material fact, like `model_version`).
LINKED_VERSIONS = "model_versions"


def _split_versions(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[ModelVersion] | None]:
    """The facts without the linked versions, and the versions (None: not given)."""
    facts = dict(data)
    versions = facts.pop(LINKED_VERSIONS, None)
    return facts, None if versions is None else list(versions)


def _link_versions(
    deployment: Deployment, versions: list[ModelVersion], *, new: bool = False
) -> dict[str, list[list[str]]]:
    """Make `versions` the ones the entry runs (one per model); what changed, for its audit
    event ({} when nothing did). `new`: the entry was just created and runs none yet."""
    problem = versions_problem(versions)
    if problem:
        raise ValidationError({LINKED_VERSIONS: [problem]})
    before = [] if new else _labels(deployment)
    deployment.model_versions.set(versions)
    after = version_labels(versions) if new else _labels(deployment)
    return {} if before == after else {LINKED_VERSIONS: [before, after]}


def review_requested_record(
    *, actor: User | None, needed: ReviewNeeded, review_id: int | None
) -> None:
    """The entry's trail says which review its change, request or incident opened (None: one
    was already under way)."""
    audit_record(
        actor=actor,
        action="review_requested",
        obj=needed.deployment,
        changes={
            "kind": [None, needed.kind],
            "reason": [None, needed.reason],
            "review": [None, review_id or "already under way"],
        },
    )


@transaction.atomic
def deployment_update(
    *, actor: User, deployment: Deployment, data: Mapping[str, Any], version: int | None = None
) -> RecordedWithFollowUp[Deployment]:
    """Edit an entry; a material change opens a change review (the entry keeps running).

    `version`: the one the facts were read at (None: not checked); when someone saved the entry
    since, StaleEdit says who, when and which facts, and nothing is saved."""
    deployment = (
        Deployment.objects.select_for_update().select_related("use_case").get(pk=deployment.pk)
    )
    refuse(deployment_edit_refusal(user=actor, deployment=deployment))
    # Checked under the row lock taken above, so two saves of one version cannot both pass.
    refuse(
        stale_edit_refusal(
            deployment,
            read_version=version,
            current_version=deployment.version,
            noun=gettext_noop("registry entry"),
            fields=(*EDITABLE_FIELDS, "stage"),
        )
    )
    data, versions = _split_versions(data)
    _check_owners(data, deployment)
    before = _snapshot(deployment)
    _apply(deployment, data)
    changes = field_changes(before, _snapshot(deployment))
    if versions is not None:
        changes |= _link_versions(deployment, versions)
    if not changes:
        return RecordedWithFollowUp(deployment)
    counted = _save(deployment)
    audit_record(actor=actor, action="changed", obj=deployment, changes=changes | counted)
    if PUBLIC_WORDING_FIELDS & changes.keys() and deployment.public_wording_pending:
        notify_public_wording_waits(deployment)
    # Only a material change reads the judged answers, to name a class or tier it moves.
    reason = (
        change_review_reason(
            changed=changes, judged_answers=answers_judged(deployment), facts=_snapshot(deployment)
        )
        if material_changes(changes)
        else None
    )
    if reason is None:
        return RecordedWithFollowUp(deployment)
    return RecordedWithFollowUp(
        deployment, review_needed=ReviewNeeded(deployment, "change", reason)
    )


def deployment_roll_out_version(
    *, actor: User, deployment: Deployment, version: ModelVersion
) -> RecordedWithFollowUp[Deployment]:
    """The council puts a new version of a model the entry runs on in place of the one it ran:
    a material change of `model_version`, so a change review of the use case follows (the
    entry keeps running). Part of the fan-out (workflows.model_version_roll_out), whose
    caller checked that the actor may roll a version out; the entry's team need not act."""
    deployment = (
        Deployment.objects.select_for_update().select_related("use_case").get(pk=deployment.pk)
    )
    replaced = list(deployment.model_versions.filter(model=version.model_id))
    if replaced == [version]:
        return RecordedWithFollowUp(deployment)
    before = {"model_version": deployment.model_version, "model_versions": _labels(deployment)}
    deployment.model_versions.remove(*replaced)
    deployment.model_versions.add(version)
    deployment.model_version = version.version
    counted = _save(deployment)
    after = {"model_version": deployment.model_version, "model_versions": _labels(deployment)}
    audit_record(
        actor=actor,
        action="changed",
        obj=deployment,
        changes=field_changes(before, after) | {"roll_out": [None, version.pk]} | counted,
    )
    old = ", ".join(v.version for v in replaced) or before["model_version"]
    reason = f"New version of {version.model.name}: {old} → {version.version}"
    return RecordedWithFollowUp(
        deployment, review_needed=ReviewNeeded(deployment, "change", reason)
    )


def _labels(deployment: Deployment) -> list[str]:
    return version_labels(deployment.model_versions.select_related("model"))


@transaction.atomic
def deployment_change_stage(
    *,
    actor: User,
    deployment: Deployment,
    stage: str,
    reason: str = "",
    results: str = "",
    results_summary: str = "",
) -> RecordedWithFollowUp[Deployment]:
    """Move the entry, or for a high-tier entry going from pilot to production, request the move:
    the stage changes once the council approves (`deployments_apply_review`).

    Leaving pilot for production needs the pilot's results judged against the use case's
    success criteria (`results`, a PilotJudgement, and `results_summary`): the judgement and
    the KPIs as they stand are kept on the entry and in the move's (or request's) audit event."""
    deployment = (
        Deployment.objects.select_for_update().select_related("use_case").get(pk=deployment.pk)
    )
    refuse(deployment_stage_refusal(user=actor, deployment=deployment))
    if deployment.stage == Stage.SUSPENDED and stage in RESUMING:
        _require_settled_to_resume(deployment.use_case)
    judged = None
    if deployment.stage == Stage.PILOT and stage == Stage.PRODUCTION:
        deployment.pilot_results = _pilot_results_judged(
            deployment, actor=actor, judgement=results, summary=results_summary
        )
        judged = {"pilot_results": [None, deployment.pilot_results]}
    if is_requested_move(deployment, stage):
        return _request_stage(actor=actor, deployment=deployment, stage=stage, reason=reason)
    deployment = _move_stage(
        actor=actor, deployment=deployment, stage=stage, reason=reason, judged=judged
    )
    use_case = deployment.use_case
    if stage == Stage.RETIRED and not deployments_running(use_case).exists():
        return RecordedWithFollowUp(deployment, out_of_service=use_case)
    return RecordedWithFollowUp(deployment)


def _pilot_results_judged(
    deployment: Deployment, *, actor: User, judgement: str, summary: str
) -> dict[str, Any]:
    """The pilot's results as judged now: the judgement, what it rests on, and every KPI."""
    errors = {}
    if judgement not in PilotJudgement.values:
        errors["results"] = [
            gettext(
                "Judge the pilot's results against the success criteria: met, partly met or not met."
            )
        ]
    if not summary.strip():
        errors["results_summary"] = [
            gettext("Say what the pilot showed against its success criteria.")
        ]
    if errors:
        raise ValidationError(errors)
    return {
        "judgement": judgement,
        "summary": summary.strip(),
        "judged_by": actor.get_username(),
        "judged_at": timezone.now().isoformat(),
        "kpis": [result.as_record() for result in kpi_results(deployment)],
    }


def is_requested_move(deployment: Deployment, stage: str) -> bool:
    """Whether moving the entry to `stage` is a request for the council rather than a move."""
    move = STAGE_MOVES.get(stage)
    return (
        move is not None
        and deployment.stage in move.requested_from
        and deployment.risk_tier == RiskTier.HIGH
    )


def _request_stage(
    *, actor: User, deployment: Deployment, stage: str, reason: str
) -> RecordedWithFollowUp[Deployment]:
    """Record the request and ask for a change review; one already under way decides it too."""
    label = Stage(stage).label
    if deployment.requested_stage == stage:
        raise TransitionNotAllowed(
            gettext(
                "%(stage)s is already requested for %(reference)s: it waits for the council's "
                "approval."
            )
            % {"stage": gettext(label), "reference": deployment.reference}
        )
    _set_stage_request(
        actor=actor, deployment=deployment, stage=stage, action="stage_requested", reason=reason
    )
    needed = ReviewNeeded(deployment, "change", f"{label} requested for a high-tier entry")
    return RecordedWithFollowUp(deployment, review_needed=needed)


def _drop_stage_request(*, actor: User, deployment: Deployment, reason: str) -> None:
    """The council did not approve: a requested move lapses and the entry stays where it is."""
    if deployment.requested_stage:
        _set_stage_request(
            actor=actor,
            deployment=deployment,
            stage="",
            action="stage_request_dropped",
            reason=reason,
        )


def _set_stage_request(
    *, actor: User, deployment: Deployment, stage: str, action: str, reason: str
) -> None:
    """Record `stage` as the move the entry waits for ("" for none), in its history and trail."""
    before = deployment.requested_stage
    deployment.requested_stage = stage
    counted = _save(deployment)
    audit_record(
        actor=actor,
        action=action,
        obj=deployment,
        changes={
            "requested_stage": [before, stage],
            # A request to leave pilot carries the pilot's results, for the council to judge.
            **({"pilot_results": [None, deployment.pilot_results]} if stage else {}),
            "reason": [None, reason],
            **counted,
        },
    )


# Moves out of `suspended` that put the tool back in front of customers.
RESUMING = frozenset({Stage.PILOT, Stage.PRODUCTION})


def _require_settled_to_resume(use_case: UseCase) -> None:
    if not usecase_settled_in_service(use_case):
        raise TransitionNotAllowed(
            gettext(
                "%(reference)s is under council review or was not approved on its last review: "
                "the entry stays suspended until the council approves it."
            )
            % {"reference": use_case.reference}
        )


def deployments_apply_review(*, actor: User, review: Review) -> None:
    """A change review or re-review decided: approval renews the review dates and makes any
    requested move; otherwise a requested move lapses, and rejection suspends."""
    running = deployments_running(review.use_case).select_for_update()
    approved = review.outcome in APPROVALS
    for deployment in running:
        if approved:
            _renew_approval(actor=actor, deployment=deployment, review=review)
            if deployment.requested_stage:
                _move_stage(
                    actor=actor,
                    deployment=deployment,
                    stage=deployment.requested_stage,
                    reason="the council approved the request on review",
                    judged={"pilot_results": [None, deployment.pilot_results]},
                )
        else:
            _drop_stage_request(
                actor=actor,
                deployment=deployment,
                reason=f"the council's decision: {review.get_outcome_display().lower()}",
            )
            if review.outcome == Outcome.REJECTED and deployment.stage != Stage.SUSPENDED:
                _move_stage(
                    actor=actor,
                    deployment=deployment,
                    stage=Stage.SUSPENDED,
                    reason="the council rejected it on review",
                )


def _renew_approval(*, actor: User, deployment: Deployment, review: Review) -> None:
    """The entry now rests on this approval, and its next review is counted from today."""
    today = timezone.localdate()
    before = (deployment.last_review_date, deployment.next_review_due)
    deployment.last_review_date = today
    deployment.next_review_due = _months_later(today, review.policy.rereview_months)
    deployment.approval = review
    counted = _save(deployment)
    audit_record(
        actor=actor,
        action="re_reviewed",
        obj=deployment,
        changes={
            "last_review_date": [before[0], today],
            "next_review_due": [before[1], deployment.next_review_due],
            **counted,
        },
    )


REMINDER_DAYS_AHEAD = 30


def rereview_remind(*, today: date) -> int:
    """Remind the owners of every entry whose re-review falls due within REMINDER_DAYS_AHEAD
    days, once per due date, in a few queries whatever their number; the number of
    notifications sent."""
    due_soon = Deployment.objects.exclude(stage=Stage.RETIRED).filter(
        next_review_due__gt=today,
        next_review_due__lte=today + timedelta(days=REMINDER_DAYS_AHEAD),
    )
    reminders = (
        Notice(
            user_ids=[deployment.business_owner_id, deployment.technical_owner_id],
            kind=NotificationKind.RE_REVIEW_DUE,
            key=f"re-review-due:{deployment.pk}:{deployment.next_review_due.isoformat()}",
            subject=f"Re-review of {deployment.reference} due {deployment.next_review_due:%d %b %Y}",
            body=f"{deployment.name} is due for its periodic council re-review.",
            url=f"/registry/{deployment.pk}/",
        )
        for deployment in due_soon
    )
    return len(notify_many(reminders))


def rereview_due(deployment: Deployment) -> ReviewNeeded:
    return ReviewNeeded(
        deployment, "re_review", f"Periodic re-review due {deployment.next_review_due:%d %b %Y}"
    )


# What a stage move may change, as its audit event shows it.
STAGE_CHANGE_FIELDS = ("stage", "requested_stage", "go_live_date")


def _move_stage(
    *,
    actor: User,
    deployment: Deployment,
    stage: str,
    reason: str,
    judged: Mapping[str, Any] | None = None,
) -> Deployment:
    """Make the move and audit it; `judged`: the pilot's results the move rests on (judged by
    the team, or approved by the council with the request)."""
    move = STAGE_MOVES.get(stage)
    if move is None or deployment.stage not in move.sources:
        raise TransitionNotAllowed(
            gettext("An entry in stage '%(stage)s' cannot move to '%(target)s'.")
            % {"stage": gettext(deployment.get_stage_display()), "target": stage}
        )
    before = {name: getattr(deployment, name) for name in STAGE_CHANGE_FIELDS}
    deployment.stage = move.target
    # A move settles any request: it makes the requested move, or overtakes it.
    deployment.requested_stage = ""
    if move.target == Stage.PRODUCTION and deployment.go_live_date is None:
        deployment.go_live_date = timezone.localdate()
    counted = _save(deployment)
    after = {name: getattr(deployment, name) for name in STAGE_CHANGE_FIELDS}
    audit_record(
        actor=actor,
        action="stage_changed",
        obj=deployment,
        changes={
            **field_changes(before, after),
            **(judged or {}),
            "reason": [None, reason],
            **counted,
        },
    )
    return deployment


@transaction.atomic
def incident_report(
    *, actor: User, deployment: Deployment, kind: str, severity: str, description: str
) -> RecordedWithFollowUp[Incident]:
    """Anyone who can see the entry reports; a critical incident suspends it at once and asks
    for a re-review."""
    deployment = (
        Deployment.objects.select_for_update()
        .select_related("use_case", "business_owner", "technical_owner")
        .get(pk=deployment.pk)
    )
    refuse(incident_report_refusal(user=actor))
    incident = Incident(
        deployment=deployment,
        kind=kind,
        severity=severity,
        description=description,
        reported_by=actor,
    )
    incident.full_clean(exclude=["deployment", "reported_by"])
    incident.save()
    audit_record(
        actor=actor,
        action="incident_reported",
        obj=deployment,
        changes={"incident": [None, {"id": incident.pk, "kind": kind, "severity": severity}]},
    )
    critical = severity == Severity.CRITICAL
    if critical and deployment.stage in STAGE_MOVES[Stage.SUSPENDED].sources:
        _move_stage(
            actor=actor, deployment=deployment, stage=Stage.SUSPENDED, reason="critical incident"
        )
    _notify_incident(deployment, incident)
    if not critical:
        return RecordedWithFollowUp(incident)
    needed = ReviewNeeded(deployment, "re_review", f"Critical incident #{incident.pk}")
    return RecordedWithFollowUp(incident, review_needed=needed)


def _notify_incident(deployment: Deployment, incident: Incident) -> None:
    chairs = [
        r.user
        for r in RoleAssignment.objects.active()
        .filter(role=CouncilRole.CHAIR)
        .select_related("user")
    ]
    notify(
        users=[deployment.business_owner, deployment.technical_owner, *chairs],
        kind=NotificationKind.INCIDENT_REPORTED,
        key=f"incident:{incident.pk}",
        subject=f"{incident.get_severity_display()} incident on {deployment.reference} {deployment.name}",
        body=incident.description[:500],
        url=f"/registry/{deployment.pk}/",
    )


def deployment_stage_targets(deployment: Deployment) -> list[str]:
    """The stages the entry may move to (or request) now, in the order of STAGE_MOVES; a stage
    already requested is not offered again."""
    targets = [
        move.target
        for move in STAGE_MOVES.values()
        if deployment.stage in move.sources and move.target != deployment.requested_stage
    ]
    if deployment.stage == Stage.SUSPENDED and not usecase_settled_in_service(deployment.use_case):
        targets = [stage for stage in targets if stage not in RESUMING]
    return targets


# How an incident is followed up: investigated, then resolved; resolved is final. A trivial one
# may be resolved at once.
INCIDENT_MOVES: dict[str, frozenset[str]] = {
    IncidentStatus.INVESTIGATING: frozenset({IncidentStatus.OPEN}),
    IncidentStatus.RESOLVED: frozenset({IncidentStatus.OPEN, IncidentStatus.INVESTIGATING}),
}


def _check_incident_move(incident: Incident, status: str, resolution: str) -> None:
    if status not in IncidentStatus.values:
        raise ValidationError(
            {
                "status": [
                    gettext("Choose one of: %(values)s.")
                    % {"values": ", ".join(IncidentStatus.values)}
                ]
            }
        )
    if incident.status not in INCIDENT_MOVES.get(status, frozenset()):
        raise TransitionNotAllowed(
            gettext("An incident that is '%(status)s' cannot become '%(target)s'.")
            % {"status": incident.get_status_display(), "target": status}
        )
    if status == IncidentStatus.RESOLVED and not resolution:
        raise ValidationError({"resolution": [gettext("Write how the incident was resolved.")]})


@transaction.atomic
def incident_update(
    *, actor: User, incident: Incident, status: str, resolution: str = ""
) -> Incident:
    """Follow an incident up: open → investigating → resolved (with a written resolution)."""
    # Lock the incident so two people resolving it at once cannot both succeed.
    incident = (
        Incident.objects.select_for_update()
        .select_related("deployment__use_case")
        .get(pk=incident.pk)
    )
    refuse(incident_update_refusal(user=actor, use_case=incident.deployment.use_case))
    resolution = resolution.strip()
    _check_incident_move(incident, status, resolution)
    before = {"status": incident.status, "resolution": incident.resolution}
    incident.status = status
    if resolution:
        incident.resolution = resolution
    if status == IncidentStatus.RESOLVED:
        incident.resolved_at = timezone.now()
        incident.resolved_by = actor
    incident.full_clean(exclude=["deployment", "reported_by", "resolved_by"])
    incident.save()
    after = {"status": incident.status, "resolution": incident.resolution}
    audit_record(
        actor=actor,
        action="incident_updated",
        obj=incident.deployment,
        changes={"incident": [None, incident.pk], **field_changes(before, after)},
    )
    return incident


# ---- the public wording and customers' complaints (SPEC section 9) ----

PUBLIC_WORDING_FIELDS = frozenset({"public_name", "public_description"})


@transaction.atomic
def public_wording_approve(*, actor: User, deployment: Deployment) -> Deployment:
    """The chair approves the team's public wording for the council: it is copied as approved,
    with who and when, and from then on shows on the public pages (an edit waits again)."""
    deployment = (
        Deployment.objects.select_for_update().select_related("use_case").get(pk=deployment.pk)
    )
    refuse(public_wording_approve_refusal(user=actor, deployment=deployment))
    before = {
        "public_name_approved": deployment.public_name_approved,
        "public_description_approved": deployment.public_description_approved,
    }
    deployment.public_name_approved = deployment.public_name
    deployment.public_description_approved = deployment.public_description
    deployment.public_wording_approved_by = actor
    deployment.public_wording_approved_at = timezone.now()
    counted = _save(deployment)
    after = {
        "public_name_approved": deployment.public_name_approved,
        "public_description_approved": deployment.public_description_approved,
    }
    audit_record(
        actor=actor,
        action="public_wording_approved",
        obj=deployment,
        changes=field_changes(before, after) | counted,
    )
    return deployment


COMPLAINT_WINDOW_SECONDS = 3600


def complaint_attempt_count(address: str) -> None:
    """One more complaint from the address this hour (the window opens with its first); a
    message the spam guard caught counts too."""
    key = complaints_rate_key(address)
    cache.add(key, 0, timeout=COMPLAINT_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=COMPLAINT_WINDOW_SECONDS)


@transaction.atomic
def complaint_receive(
    *, deployment: Deployment, kind: str, message: str, contact: str = "", address: str
) -> RecordedWithFollowUp[Complaint]:
    """A customer contests a decision or complains about a published tool, without an account:
    the case goes on the entry for its owners and the chair, and the complaint that reaches the
    policy's threshold asks for a re-review."""
    refuse(complaint_rate_refusal(address))
    deployment = (
        Deployment.objects.select_for_update()
        .select_related("use_case", "business_owner", "technical_owner")
        .get(pk=deployment.pk)
    )
    complaint = Complaint(
        deployment=deployment, kind=kind, message=message.strip(), contact=contact.strip()
    )
    complaint.full_clean(exclude=["deployment"])
    complaint.save()
    complaint_attempt_count(address)
    audit_record(
        actor=None,
        action="complaint_received",
        obj=deployment,
        changes={"complaint": [None, {"id": complaint.pk, "kind": kind}]},
    )
    notify_complaint(deployment, complaint)
    return RecordedWithFollowUp(complaint, review_needed=_complaints_rereview(deployment))


def _complaints_rereview(deployment: Deployment) -> ReviewNeeded | None:
    """The complaint that brings the count to the threshold of the tier's active review policy
    asks for a re-review, once (the count starts again from the next review)."""
    threshold = (
        ReviewPolicy.objects.filter(tier=deployment.risk_tier, active=True)
        .values_list("complaints_rereview_threshold", flat=True)
        .first()
    )
    count = complaints_counted(deployment)
    if threshold is None or count != threshold:
        return None
    return ReviewNeeded(deployment, "re_review", f"{count} public complaints since its last review")


@transaction.atomic
def complaint_close(*, actor: User, complaint: Complaint) -> Complaint:
    """The entry's owners, its team or the chair close a complaint they have handled."""
    complaint = (
        Complaint.objects.select_for_update()
        .select_related("deployment__use_case")
        .get(pk=complaint.pk)
    )
    refuse(complaint_close_refusal(user=actor, deployment=complaint.deployment))
    if complaint.status == ComplaintStatus.CLOSED:
        raise TransitionNotAllowed(gettext("This complaint is already closed."))
    complaint.status = ComplaintStatus.CLOSED
    complaint.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="complaint_closed",
        obj=complaint.deployment,
        changes={
            "complaint": [None, complaint.pk],
            "status": [ComplaintStatus.OPEN, ComplaintStatus.CLOSED],
        },
    )
    return complaint


# ---- value: KPIs and their measurements ------------------------------------------------------


@transaction.atomic
def kpi_define(
    *,
    actor: User,
    deployment: Deployment,
    name: str,
    direction: str,
    baseline: Decimal,
    target: Decimal,
    unit: str = "",
) -> Kpi:
    """Track a KPI of the entry: where it started (baseline) and what success is (target)."""
    deployment = (
        Deployment.objects.select_for_update().select_related("use_case").get(pk=deployment.pk)
    )
    refuse(kpi_record_refusal(user=actor, deployment=deployment))
    kpi = Kpi(
        deployment=deployment,
        name=name.strip(),
        unit=unit.strip(),
        direction=direction,
        baseline=baseline,
        target=target,
        created_by=actor,
    )
    kpi.full_clean(exclude=["deployment", "created_by"], validate_constraints=False)
    if deployment.kpis.filter(name__iexact=kpi.name).exists():
        raise ValidationError(
            {
                "name": [
                    gettext("%(reference)s already tracks “%(kpi)s”.")
                    % {"reference": deployment.reference, "kpi": kpi.name}
                ]
            }
        )
    problem = kpi_target_problem(
        higher_is_better=direction == KpiDirection.HIGHER, baseline=baseline, target=target
    )
    if problem:
        raise ValidationError({"target": [problem]})
    kpi.save()
    audit_record(
        actor=actor,
        action="kpi_defined",
        obj=deployment,
        changes={
            "kpi": [None, kpi.name],
            "unit": [None, kpi.unit],
            "direction": [None, direction],
            "baseline": [None, plain_number(baseline)],
            "target": [None, plain_number(target)],
        },
    )
    return kpi


@transaction.atomic
def kpi_measure(
    *, actor: User, kpi: Kpi, value: Decimal, measured_on: date, note: str = ""
) -> KpiMeasurement:
    """Record the KPI's value on a day (one value a day; entered on the page or posted by a
    reporting job through the API)."""
    deployment = (
        Deployment.objects.select_for_update().select_related("use_case").get(pk=kpi.deployment_id)
    )
    refuse(kpi_record_refusal(user=actor, deployment=deployment))
    if measured_on > timezone.localdate():
        raise ValidationError(
            {"measured_on": [gettext("A value cannot be measured in the future.")]}
        )
    if kpi.measurements.filter(measured_on=measured_on).exists():
        raise ValidationError(
            {
                "measured_on": [
                    gettext("“%(kpi)s” already has a value for %(day)s.")
                    % {"kpi": kpi.name, "day": f"{measured_on:%-d %b %Y}"}
                ]
            }
        )
    measurement = KpiMeasurement(
        kpi=kpi, value=value, measured_on=measured_on, note=note.strip(), recorded_by=actor
    )
    measurement.full_clean(exclude=["kpi", "recorded_by"], validate_constraints=False)
    measurement.save()
    audit_record(
        actor=actor,
        action="kpi_measured",
        obj=deployment,
        changes={
            "kpi": [None, kpi.name],
            "value": [None, plain_number(value)],
            "measured_on": [None, measured_on.isoformat()],
        },
    )
    return measurement


# --- import of an existing inventory (SPEC section 11) --------------------------------------------


@transaction.atomic
def registry_import_check(*, actor: User, upload: "UploadedFile[bytes]") -> RegistryImport:
    """Keep the uploaded spreadsheet and check every row (the dry run): the import's report
    says per row what it would become, or what is wrong with each cell. Nothing else changes."""
    refuse(registry_import_refusal(user=actor))
    name = (upload.name or "")[:255]
    if upload.size is not None and upload.size > SHEET_BYTES_MAX:
        raise ValidationError(
            {"file": [gettext("At most %(size)d MB.") % {"size": SHEET_BYTES_MAX // 2**20}]}
        )
    report = import_report(upload, name=name)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    registry_import = RegistryImport(
        original_name=name,
        sha256=digest.hexdigest(),
        token=secrets.token_hex(8),
        checked_by=actor,
        **report.counts(),
        report=report.rows,
    )
    registry_import.file.save(name, upload, save=False)
    delete_unless_committed(registry_import.file)
    registry_import.save()
    audit_record(
        actor=actor,
        action="import_checked",
        obj=registry_import,
        changes={
            "file": [None, name],
            "sha256": [None, registry_import.sha256],
            **{key: [None, value] for key, value in report.counts().items()},
        },
    )
    return registry_import


def deployment_import_legacy(
    *,
    actor: User,
    use_case: UseCase,
    row: ImportRow,
    versions: list[ModelVersion],
    review: Review,
) -> Deployment:
    """The registry entry of an imported row: legacy, resting on no decision yet, its next
    review due when its first review is (workflows.registry_import)."""
    number = reference_next(key="AI")
    deployment = Deployment(
        reference=f"AI-{number:04d}",
        use_case=use_case,
        approval=None,
        risk_tier=use_case.risk_tier,
        stage=row.facts["stage"],
        last_review_date=None,
        next_review_due=review.due_date,
        created_by=actor,
        legacy=True,
        import_key=row.key,
    )
    for name, value in row.facts.items():
        if name != "stage":
            setattr(deployment, name, value)
    deployment.save()
    linked = _link_versions(deployment, versions, new=True)
    _record_version(deployment)
    audit_record(
        actor=actor,
        action="imported",
        obj=deployment,
        changes=field_changes({}, _snapshot(deployment))
        | linked
        | {"legacy": [None, True], "import_row": [None, row.number]},
    )
    return deployment


def registry_import_done(
    *, actor: User, registry_import: RegistryImport, rows: list[dict[str, Any]]
) -> RegistryImport:
    """Record what the import made of each row; one event lists the counts and the entries."""
    before = registry_import.status
    registry_import.status, registry_import.problem = ImportStatus.IMPORTED, ""
    registry_import.imported_by, registry_import.imported_at = actor, timezone.now()
    registry_import.report = rows
    created = [row["reference"] for row in rows if row["status"] == RowStatus.CREATED]
    registry_import.rows_new = len(created)
    registry_import.save()
    audit_record(
        actor=actor,
        action="imported",
        obj=registry_import,
        changes={
            "status": [before, ImportStatus.IMPORTED],
            "created": [None, len(created)],
            "unchanged": [None, len(rows) - len(created)],
            "entries": [None, created],
        },
    )
    return registry_import


@transaction.atomic
def registry_import_start(*, actor: User, registry_import: RegistryImport) -> RegistryImport:
    """Hand a checked file to the background import (a large inventory takes minutes): it is
    `importing` until the task records it imported, or back to checked with the problem."""
    refuse(registry_import_refusal(user=actor))
    registry_import = RegistryImport.objects.select_for_update().get(pk=registry_import.pk)
    if registry_import.status != ImportStatus.CHECKED:
        raise TransitionNotAllowed(
            gettext("%(import)s is %(status)s already.")
            % {"import": registry_import, "status": registry_import.get_status_display().lower()}
        )
    if registry_import.rows_with_errors:
        raise TransitionNotAllowed(
            gettext("Rows of the file have errors: put them right and check it again.")
        )
    registry_import.status, registry_import.problem = ImportStatus.IMPORTING, ""
    registry_import.save(update_fields=["status", "problem"])
    audit_record(
        actor=actor,
        action="import_started",
        obj=registry_import,
        changes={"status": [ImportStatus.CHECKED, ImportStatus.IMPORTING]},
    )
    return registry_import


@transaction.atomic
def registry_import_failed(*, actor: User, registry_import: RegistryImport, problem: str) -> None:
    """The background import imported nothing: the file is checked again, with why."""
    registry_import = RegistryImport.objects.select_for_update().get(pk=registry_import.pk)
    before = registry_import.status
    registry_import.status, registry_import.problem = ImportStatus.CHECKED, problem
    registry_import.save(update_fields=["status", "problem"])
    audit_record(
        actor=actor,
        action="import_failed",
        obj=registry_import,
        changes={"status": [before, ImportStatus.CHECKED], "problem": [None, problem]},
    )
    notify_import_finished(registry_import)
