"""Reads of the audit trail for the auditor's workspace."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import Http404

from .models import AuditEvent

# The actions exports record, with the manifest in `changes.manifest` ([None, manifest]):
# registry and audit-trail exports, and use-case dossiers downloaded as PDF.
EXPORT_ACTIONS = ("exported", "dossier_exported")
# Larger numbers overflow the database's integer and can name no event.
SEQ_MAX = 2**63 - 1
KIND_LABELS = {"registry": "Registry", "audit_trail": "Audit trail", "dossier": "Dossier"}


@dataclass(frozen=True)
class ExportRecord:
    """One export as the workspace lists it."""

    seq: int
    at: datetime
    by: str
    kind: str
    format: str
    rows: int | None
    sha256: str

    @property
    def label(self) -> str:
        """What was exported, as people say it: "Registry CSV"."""
        return f"{KIND_LABELS.get(self.kind, self.kind)} {self.format.upper()}".strip()


def _manifest_of(event: AuditEvent) -> dict[str, Any] | None:
    change = (event.changes or {}).get("manifest")
    if isinstance(change, list) and len(change) == 2 and isinstance(change[1], dict):
        return change[1]
    return None


def export_manifest(*, seq: int) -> dict[str, Any]:
    """The manifest of the export recorded as event `seq`; 404 for any other event."""
    if not 0 < seq <= SEQ_MAX:
        raise Http404("No export was recorded as this event.")
    event = AuditEvent.objects.filter(seq=seq, action__in=EXPORT_ACTIONS).first()
    manifest = _manifest_of(event) if event is not None else None
    if manifest is None:
        raise Http404("No export was recorded as this event.")
    return manifest


def exports_recent(*, limit: int = 10) -> list[ExportRecord]:
    """The last `limit` exports, newest first, in one query."""
    events = AuditEvent.objects.filter(action__in=EXPORT_ACTIONS).order_by("-seq")[:limit]
    records = []
    for event in events:
        manifest = _manifest_of(event) or {}
        records.append(
            ExportRecord(
                seq=event.seq,
                at=event.at,
                by=event.actor_username,
                kind=manifest.get("export") or event.object_type,
                format=manifest.get("format", ""),
                rows=manifest.get("rows"),
                sha256=manifest.get("sha256", ""),
            )
        )
    return records
