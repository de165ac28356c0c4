"""A model version's fan-out on one page (SPEC section 11): every registry entry that runs the
model, whichever team owns it, the version it runs, and the council review judging the change.

Read across the registry and the reviews in a constant number of queries; entries the reader may
not see are counted, never shown.
"""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Prefetch

from inventory.models import ModelVersion
from registry.models import Deployment
from registry.selectors import deployment_list_visible, deployments_using_model
from reviews.models import Review
from usecases.choices import State
from usecases.models import UseCase
from usecases.selectors import usecase_list_visible


@dataclass(frozen=True)
class FanOutEntry:
    deployment: Deployment
    runs_this_version: bool
    review: Review | None  # the use case's latest review (open, or the one that decided it)


@dataclass(frozen=True)
class VersionFanOut:
    version: ModelVersion
    entries: list[FanOutEntry]
    hidden: int  # entries of the model the reader may not see
    # Entries of the model on another version (seen or not): what a roll-out reaches.
    to_roll_out: int
    # Use cases the reader may see that name the model and are not in the registry.
    use_cases: list[UseCase]


def version_fan_out(*, version: ModelVersion, user: User) -> VersionFanOut:
    using = deployments_using_model(version.model)
    visible = deployment_list_visible(user=user).filter(pk__in=using.values("pk"))
    latest_first = Review.objects.order_by("-opened_at", "-pk")
    rows = (
        visible.select_related("use_case__team")
        .prefetch_related(
            Prefetch("use_case__reviews", queryset=latest_first, to_attr="reviews_latest_first"),
            Prefetch(
                "model_versions",
                queryset=ModelVersion.objects.filter(pk=version.pk),
                to_attr="this_version",
            ),
        )
        .order_by("use_case__team__name", "reference")
    )
    # The prefetches' `to_attr` lists, which the model does not declare.
    entries = [
        FanOutEntry(
            deployment=row,
            runs_this_version=bool(getattr(row, "this_version")),  # noqa: B009
            review=next(iter(getattr(row.use_case, "reviews_latest_first")), None),  # noqa: B009
        )
        for row in rows
    ]
    return VersionFanOut(
        version,
        entries,
        hidden=using.count() - len(entries),
        to_roll_out=using.exclude(model_versions=version).count(),
        use_cases=list(
            usecase_list_visible(user=user)
            .filter(model_versions__model=version.model_id, deployments__isnull=True)
            .exclude(state__in=(State.WITHDRAWN, State.REJECTED, State.RETIRED))
            .select_related("team")
            .distinct()
            .order_by("team__name", "reference")
        ),
    )
