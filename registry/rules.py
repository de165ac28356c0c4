"""Change control of registry entries (SPEC section 6): pure functions, plain data in and out."""

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from usecases.risk import assess

# The facts of an entry the council judged: changing any of them opens a change review of the
# use case, while the entry keeps running.
MATERIAL_FIELDS = (
    "model_version", "model_versions", "vendor", "channels", "markets", "data_categories",
    "human_oversight", "customer_disclosure",
)  # fmt: skip
# The entry's facts that are also answers of its use case: they can move its classification.
CLASSIFYING_FIELDS = ("channels", "markets", "data_categories")
# What a change of those facts may move, as a review reason names it.
CLASSIFICATIONS = (("ai_act_class", "the EU AI Act class"), ("risk_tier", "the internal tier"))


def material_changes(changed: Iterable[str]) -> list[str]:
    """The material fields among the changed ones, in the order of MATERIAL_FIELDS."""
    changed = set(changed)
    return [name for name in MATERIAL_FIELDS if name in changed]


def change_review_reason(
    *, changed: Iterable[str], judged_answers: Mapping[str, Any], facts: Mapping[str, Any]
) -> str | None:
    """Why an edit of an entry needs the council again, or None when it changed nothing material.

    `judged_answers` are the answers of the revision the entry's approval judged; `facts` the
    entry after the edit. The entry's channels, markets and data categories laid over those
    answers are what the tool now does: where that moves the AI Act class or the internal tier,
    the reason says so, e.g. "Changed: markets; the EU AI Act class would change from
    out_of_scope to transparency".
    """
    material = material_changes(changed)
    if not material:
        return None
    judged = assess(judged_answers)
    now = assess({**judged_answers, **{name: facts[name] for name in CLASSIFYING_FIELDS}})
    shifts = [
        f"{label} would change from {getattr(judged, name)} to {getattr(now, name)}"
        for name, label in CLASSIFICATIONS
        if getattr(judged, name) != getattr(now, name)
    ]
    return "; ".join([f"Changed: {', '.join(material)}", *shifts])


# ---- value: how a KPI stands against its target ---------------------------------------------

KPI_MET, KPI_IMPROVING, KPI_NOT_MET, KPI_NOT_MEASURED = (
    "met",
    "improving",
    "not_met",
    "not_measured",
)
KPI_STATUS_LABELS = {
    KPI_MET: "Target met",
    KPI_IMPROVING: "Better than baseline",
    KPI_NOT_MET: "Not better than baseline",
    KPI_NOT_MEASURED: "Not measured yet",
}


def kpi_status(
    *, higher_is_better: bool, baseline: Decimal, target: Decimal, latest: Decimal | None
) -> str:
    """Where the latest value stands: the target reached, better than the baseline, or not;
    `latest` None when nothing was measured yet."""
    if latest is None:
        return KPI_NOT_MEASURED
    sign = 1 if higher_is_better else -1
    if sign * (latest - target) >= 0:
        return KPI_MET
    if sign * (latest - baseline) > 0:
        return KPI_IMPROVING
    return KPI_NOT_MET


def kpi_target_problem(*, higher_is_better: bool, baseline: Decimal, target: Decimal) -> str | None:
    """Why a target does not make sense against its baseline, or None."""
    if (target - baseline) * (1 if higher_is_better else -1) <= 0:
        better = "above" if higher_is_better else "below"
        return f"The target must be {better} the baseline ({baseline.normalize():f})."
    return None
