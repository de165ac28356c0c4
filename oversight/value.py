"""An entry's value as the exports and the dossier give it: each KPI as a plain record (the shape
`Deployment.pilot_results["kpis"]` keeps them in, with the words of its status beside the code)
and as one line of words, and the pilot's judged results read from the entry."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from registry.models import PilotJudgement
from registry.rules import KPI_STATUS_LABELS

JUDGEMENT_LABELS = dict(PilotJudgement.choices)


def kpi_labelled(record: dict[str, Any]) -> dict[str, Any]:
    """The record with the words of its status under `status_label`."""
    status = record.get("status") or ""
    return {**record, "status_label": KPI_STATUS_LABELS.get(status, status)}


def kpi_in_words(record: dict[str, Any]) -> str:
    """`Unsubscribe rate: baseline 2.4%, target 2%, latest 1.9% on 2026-11-28 (Target met)`."""
    unit = record.get("unit") or ""
    latest = (
        f"latest {record['latest']}{unit} on {record.get('measured_on')}"
        if record.get("latest") is not None
        else "no value yet"
    )
    return (
        f"{record.get('name', '')}: baseline {record.get('baseline')}{unit}, "
        f"target {record.get('target')}{unit}, {latest} ({record.get('status_label', '')})"
    )


@dataclass(frozen=True)
class PilotJudged:
    """The pilot's results as the team judged them on leaving pilot (`Deployment.pilot_results`)."""

    judgement: str
    summary: str
    judged_by: str  # a username, as recorded
    judged_at: str  # ISO date and time, as recorded
    kpis: list[dict[str, Any]]  # each KPI as it stood then, labelled

    @property
    def judgement_label(self) -> str:
        return JUDGEMENT_LABELS.get(self.judgement, self.judgement)

    @property
    def judged_at_time(self) -> datetime | None:
        return datetime.fromisoformat(self.judged_at) if self.judged_at else None


def pilot_judged(pilot_results: dict[str, Any] | None) -> PilotJudged | None:
    """The judged results of the entry's pilot, or None while nobody judged them."""
    if not pilot_results or not pilot_results.get("judgement"):
        return None
    return PilotJudged(
        judgement=pilot_results["judgement"],
        summary=pilot_results.get("summary", ""),
        judged_by=pilot_results.get("judged_by", ""),
        judged_at=pilot_results.get("judged_at") or "",
        # By name, as the KPIs now are: the recorded list follows no order.
        kpis=[
            kpi_labelled(kpi)
            for kpi in sorted(pilot_results.get("kpis") or [], key=lambda kpi: kpi.get("name", ""))
        ],
    )
