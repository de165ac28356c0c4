"""The registry: entries that ask for the council again (a material change, a requested stage, a
critical incident, customers' complaints reaching the policy's threshold, a re-review falling
due) and entries that move their use case."""

from collections.abc import Mapping
from datetime import date
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from registry import services as registry_services
from registry.models import Complaint, Deployment, Incident
from registry.selectors import deployments_rereview_due
from reviews import services as review_services
from reviews.models import Review
from usecases import services as usecase_services
from usecases.choices import State as UseCaseState
from usecases.models import UseCase

T = TypeVar("T")


@transaction.atomic
def deployment_create(*, actor: User, use_case: UseCase, data: Mapping[str, Any]) -> Deployment:
    """The first entry of an approved use case makes the use case deployed."""
    deployment = registry_services.deployment_create(actor=actor, use_case=use_case, data=data)
    if deployment.use_case.state != UseCaseState.DEPLOYED:
        usecase_services.usecase_mark_deployed(actor=actor, use_case=deployment.use_case)
    return deployment


@transaction.atomic
def deployment_update(
    *, actor: User, deployment: Deployment, data: Mapping[str, Any], version: int | None = None
) -> Deployment:
    """A material change opens a change review."""
    recorded = registry_services.deployment_update(
        actor=actor, deployment=deployment, data=data, version=version
    )
    return _follow_registry(actor=actor, recorded=recorded)


@transaction.atomic
def deployment_change_stage(
    *,
    actor: User,
    deployment: Deployment,
    stage: str,
    reason: str = "",
    results: str = "",
    results_summary: str = "",
) -> Deployment:
    """A requested move opens a change review; retiring the last entry retires the use case."""
    recorded = registry_services.deployment_change_stage(
        actor=actor,
        deployment=deployment,
        stage=stage,
        reason=reason,
        results=results,
        results_summary=results_summary,
    )
    return _follow_registry(actor=actor, recorded=recorded)


@transaction.atomic
def incident_report(
    *, actor: User, deployment: Deployment, kind: str, severity: str, description: str
) -> Incident:
    """A critical incident opens a re-review."""
    recorded = registry_services.incident_report(
        actor=actor, deployment=deployment, kind=kind, severity=severity, description=description
    )
    return _follow_registry(actor=actor, recorded=recorded)


@transaction.atomic
def complaint_receive(
    *, deployment: Deployment, kind: str, message: str, contact: str = "", address: str
) -> Complaint:
    """A customer's complaint that reaches the review policy's threshold opens a re-review, in
    the complaint's transaction (nobody is logged in: the trail records no actor)."""
    recorded = registry_services.complaint_receive(
        deployment=deployment, kind=kind, message=message, contact=contact, address=address
    )
    return _follow_registry(actor=None, recorded=recorded)


def rereview_sweep(*, today: date | None = None) -> dict[str, int]:
    """Daily: remind owners ahead of a re-review and open each re-review that is due, one
    transaction per review opened (overdue entries show red until theirs is open); the entries
    whose review is under way are left out by the selection, not visited one by one."""
    today = today or timezone.localdate()
    counts = {"reminded": registry_services.rereview_remind(today=today), "opened": 0}
    use_cases_seen = set()
    for deployment in deployments_rereview_due(today=today):
        # One review covers every entry of a use case: the first due opens it.
        if deployment.use_case_id in use_cases_seen:
            continue
        use_cases_seen.add(deployment.use_case_id)
        with transaction.atomic():
            needed = registry_services.rereview_due(deployment)
            # A review under way covers the re-review: the daily run records nothing then.
            if _request_review(actor=None, needed=needed, record_if_under_way=False):
                counts["opened"] += 1
    return counts


def _follow_registry(
    *, actor: User | None, recorded: registry_services.RecordedWithFollowUp[T]
) -> T:
    if recorded.review_needed is not None:
        _request_review(actor=actor, needed=recorded.review_needed)
    use_case = recorded.out_of_service
    if actor is not None and use_case is not None and use_case.state == UseCaseState.DEPLOYED:
        usecase_services.usecase_retire(actor=actor, use_case=use_case)
    return recorded.record


def _request_review(
    *, actor: User | None, needed: registry_services.ReviewNeeded, record_if_under_way: bool = True
) -> Review | None:
    """Open a change review or re-review of the entry's use case, unless one is under way; the
    entry's trail says which (returns the review opened, or None)."""
    review = review_services.review_open_for_deployed(
        actor=actor, use_case=needed.deployment.use_case, kind=needed.kind, reason=needed.reason
    )
    if review is not None or record_if_under_way:
        registry_services.review_requested_record(
            actor=actor, needed=needed, review_id=review.pk if review else None
        )
    return review
