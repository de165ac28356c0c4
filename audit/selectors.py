"""Reads of the audit trail: for the auditor's workspace, and who changed a record since."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.http import Http404

from common.errors import StaleEdit

from .models import AuditEvent, ChainVerification

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


# How far back a stale save looks for the changes it missed: far more than two people make to
# one record while one of them has it open.
STALE_LOOKBACK = 100


def _version_made(event: AuditEvent) -> int | None:
    """The version of its record an event's save made ({"version": [before, after]}), if any."""
    change = (event.changes or {}).get("version")
    if isinstance(change, list) and len(change) == 2 and isinstance(change[1], int):
        return change[1]
    return None


def stale_edit_refusal(
    obj: models.Model,
    *,
    read_version: int | None,
    current_version: int,
    noun: str,
    fields: Collection[str],
) -> StaleEdit | None:
    """None when a save read the record at its current version (or names none: a client that
    does not ask); otherwise who saved it since, when, and which of `fields` they changed, read
    from the events whose save made a version after the one read."""
    if read_version is None or read_version == current_version:
        return None
    events = AuditEvent.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor")
    missed = []
    for event in events.order_by("-seq")[:STALE_LOOKBACK]:
        made = _version_made(event)
        if made is None:
            continue
        if made <= read_version:
            break
        missed.append(event)
    changed = {name for event in missed for name in event.changes if name in fields}
    last = missed[0] if missed else None
    return StaleEdit(
        noun=noun,
        version=current_version,
        changed_by=_full_name(last) if last is not None else "",
        changed_at=last.at if last is not None else None,
        changed_fields=[name for name in fields if name in changed],
    )


def _full_name(event: AuditEvent) -> str:
    if event.actor is None:
        return event.actor_username or "the system"
    return event.actor.get_full_name() or event.actor.get_username()


def chain_verification_latest() -> ChainVerification | None:
    """The last verification of the chain asked for from the auditor's page (running or done)."""
    return ChainVerification.objects.select_related("requested_by").first()
