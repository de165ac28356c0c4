"""The inventory: a new version of a model, a vendor's new sub-processor or the lapse of its
assessment reaches every deployment that runs the model or the vendor's models, whichever team
owns it (SPEC section 11, "fan-out")."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from common.errors import refuse
from inventory import services as inventory_services
from inventory.models import AiModel, ModelVersion, Vendor
from inventory.selectors import roll_out_refusal, vendors_lapse_due
from registry import services as registry_services
from registry.models import Deployment
from registry.selectors import (
    deployments_using_model,
    deployments_using_vendor,
    review_open_of_use_case,
)
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
        rows.append(FanOutRow(recorded.record, _change_review(actor, recorded.review_needed)))
    inventory_services.version_rolled_out_record(
        actor=actor, version=version, entries=_entries(rows)
    )
    return FanOut(version, rows)


@transaction.atomic
def vendor_update(
    *, actor: User, vendor: Vendor, data: Mapping[str, Any], version: int | None = None
) -> Vendor:
    """Save the vendor; a new sub-processor opens, in this one transaction, a change review of
    every entry on the vendor's models (one under way judges it too), recorded in one event on
    the vendor."""
    # Read under the row lock the save takes too, so that a sub-processor is new only once.
    before = set(Vendor.objects.select_for_update().get(pk=vendor.pk).sub_processors or [])
    vendor = inventory_services.vendor_update(
        actor=actor, vendor=vendor, data=data, version=version
    )
    added = [name for name in vendor.sub_processors or [] if name not in before]
    if added:
        reason = inventory_services.sub_processors_added_reason(vendor, added)
        _vendor_fan_out(actor=actor, vendor=vendor, reason=reason)
    return vendor


def vendor_lapse_sweep(*, today: date | None = None) -> int:
    """Daily: each vendor whose assessment lapsed opens a change review of every entry on its
    models, once per lapse, one transaction per vendor. Returns the vendors fanned out."""
    swept = 0
    for vendor in vendors_lapse_due(today):
        with transaction.atomic():
            vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
            if vendor.lapse_reviews_opened:
                continue  # another run took it
            reason = inventory_services.lapse_reason(vendor)
            _vendor_fan_out(actor=None, vendor=vendor, reason=reason, lapse=True)
            swept += 1
    return swept


def _vendor_fan_out(
    *, actor: User | None, vendor: Vendor, reason: str, lapse: bool = False
) -> list[FanOutRow]:
    rows = []
    using = deployments_using_vendor(vendor).select_related("use_case__team")
    for deployment in using.order_by("reference"):
        needed = registry_services.ReviewNeeded(deployment, "change", reason)
        rows.append(FanOutRow(deployment, _change_review(actor, needed)))
    inventory_services.vendor_change_fanned_out_record(
        actor=actor, vendor=vendor, reason=reason, entries=_entries(rows), lapse=lapse
    )
    return rows


def _change_review(actor: User | None, needed: registry_services.ReviewNeeded) -> Review | None:
    """The change review judging the entry now: opened for it, or the one already under way."""
    review = _request_review(actor=actor, needed=needed)
    return review or review_open_of_use_case(use_case_id=needed.deployment.use_case_id)


def _entries(rows: list[FanOutRow]) -> list[dict[str, Any]]:
    return [
        {
            "entry": row.deployment.reference,
            "team": row.deployment.use_case.team.name,
            "review": row.review.pk if row.review else None,
        }
        for row in rows
    ]
