"""The inventory: a new version of a model reaches every deployment that runs the model, whichever
team owns it (SPEC section 11, "fan-out")."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from common.errors import refuse
from inventory import services as inventory_services
from inventory.models import AiModel, ModelVersion
from inventory.selectors import roll_out_refusal
from registry import services as registry_services
from registry.models import Deployment
from registry.selectors import deployments_using_model, review_open_of_use_case
from reviews.models import Review

from .registry import _request_review


@dataclass(frozen=True)
class FanOutRow:
    deployment: Deployment
    review: Review | None  # the change review judging the new version (None: none could open)


@dataclass(frozen=True)
class FanOut:
    version: ModelVersion
    rows: list[FanOutRow]


@transaction.atomic
def model_version_record(
    *, actor: User, model: AiModel, data: Mapping[str, Any], roll_out: bool = False
) -> FanOut:
    """Record a version; with `roll_out`, roll it out at once (all or nothing)."""
    version = inventory_services.version_record(actor=actor, model=model, data=data)
    return model_version_roll_out(actor=actor, version=version) if roll_out else FanOut(version, [])


@transaction.atomic
def model_version_roll_out(*, actor: User, version: ModelVersion) -> FanOut:
    """Put the version in place on every deployment of its model and open, in this one
    transaction, a change review of each one's use case (one already under way judges it too)."""
    refuse(roll_out_refusal(user=actor, version=version))
    rows = []
    using = deployments_using_model(version.model).select_related("use_case__team")
    for deployment in using.order_by("reference"):
        recorded = registry_services.deployment_roll_out_version(
            actor=actor, deployment=deployment, version=version
        )
        if recorded.review_needed is None:
            continue  # it runs this version already
        review = _request_review(actor=actor, needed=recorded.review_needed)
        review = review or review_open_of_use_case(use_case_id=deployment.use_case_id)
        rows.append(FanOutRow(recorded.record, review))
    inventory_services.version_rolled_out_record(
        actor=actor,
        version=version,
        entries=[
            {
                "entry": row.deployment.reference,
                "team": row.deployment.use_case.team.name,
                "review": row.review.pk if row.review else None,
            }
            for row in rows
        ],
    )
    return FanOut(version, rows)
