"""The use-case dossier: everything recorded about one use case, the record an auditor files.

SPEC section 8: one printable page (and PDF) with every revision, checklist answer and
verification, vote, decision, condition, deployment, incident and audit event of a use case.

`usecase_dossier` reads the whole record in a fixed number of queries whatever its size: each
table is fetched once, in bulk, and prefetched onto its parent (never one query per row).
`dossier_pdf_export` renders the PDF and records the export in the audit trail.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from audit.checkpoints import checkpoint_after_commit
from audit.models import AuditEvent
from audit.services import ChainHead, audit_record, chain_head, field_changes
from audit.signing import manifest_signature
from common.errors import refuse
from council.models import role_labels
from council.selectors import record_read_refusal
from registry.models import Deployment, DeploymentVersion, Incident
from reviews.diff import Change, answers_diff
from reviews.models import (
    Assignment,
    ChecklistAnswer,
    ChecklistWaiver,
    Comment,
    Condition,
    Review,
    Vote,
)
from usecases.forms import answer_names
from usecases.models import Attachment, UseCase, UseCaseRevision
from usecases.selectors import usecase_get_visible

PDF_UNAVAILABLE = (
    "The PDF of the dossier cannot be produced on this server right now: its PDF renderer "
    "(WeasyPrint with the Pango text libraries) is not installed. The printable page of the "
    "dossier still works: print it from your browser."
)


class DossierPdfUnavailable(Exception):
    """The PDF renderer or the system libraries it needs are missing on this server."""


# ---- what the dossier holds ----------------------------------------------------------------


@dataclass(frozen=True)
class RevisionRecord:
    revision: UseCaseRevision
    # The first revision: every answer given. Later ones: what changed since `previous`.
    answers: list[Change]
    previous: int | None


@dataclass(frozen=True)
class VoteRecord:
    vote: Vote
    roles: list[str]
    # "" for a vote that stands; otherwise why it no longer does.
    superseded: str


@dataclass(frozen=True)
class ReviewRecord:
    review: Review
    required_roles: list[str]
    assignments: list[Assignment]
    answers: list[ChecklistAnswer]
    # Required items the chair approved without, each with its reason (SPEC section 5).
    waivers: list[ChecklistWaiver]
    votes: list[VoteRecord]
    conditions: list[Condition]
    comments: list[Comment]


@dataclass(frozen=True)
class VersionRecord:
    version: DeploymentVersion
    # (field, before, after) for what changed since the version before; empty for the first.
    changes: list[tuple[str, str, str]]


@dataclass(frozen=True)
class DeploymentRecord:
    deployment: Deployment
    versions: list[VersionRecord]
    incidents: list[Incident]


@dataclass(frozen=True)
class EventRecord:
    event: AuditEvent
    # (field, before, after) as the page prints them.
    changes: list[tuple[str, str, str]]


@dataclass(frozen=True)
class Dossier:
    use_case: UseCase
    revisions: list[RevisionRecord]
    attachments: list[Attachment]
    reviews: list[ReviewRecord]
    deployments: list[DeploymentRecord]
    events: list[EventRecord]
    chain_head: ChainHead
    generated_at: datetime

    @property
    def filename(self) -> str:
        return f"{self.use_case.reference}-dossier.pdf"


# ---- who may read it ----------------------------------------------------------------------


def dossier_use_case_get(*, user, pk) -> UseCase:
    """The use case whose dossier the user asks for.

    404 when the user may not see the use case (auditors never see drafts), 403 when they may
    see it but are neither an auditor nor the chair.
    """
    use_case = usecase_get_visible(user=user, pk=pk)
    refuse(record_read_refusal(user))
    return use_case


# ---- reading the record -------------------------------------------------------------------


def usecase_dossier(*, use_case: UseCase) -> Dossier:
    """Every record about the use case, oldest first, in a constant number of queries."""
    reviews = _reviews_of(use_case)
    deployments = list(_deployments_of(use_case))
    return Dossier(
        use_case=use_case,
        revisions=_revisions_of(use_case),
        attachments=list(use_case.attachments.select_related("uploaded_by")),
        reviews=[_review_record(review) for review in reviews],
        deployments=[_deployment_record(deployment) for deployment in deployments],
        events=[
            EventRecord(event, event_changes(event.changes))
            for event in _events_of(use_case, reviews=reviews, deployments=deployments)
        ],
        chain_head=chain_head(),
        generated_at=timezone.now(),
    )


def _revisions_of(use_case: UseCase) -> list[RevisionRecord]:
    revisions = list(use_case.revisions.select_related("submitted_by").order_by("number"))
    names = answer_names([revision.answers for revision in revisions])
    records, previous = [], None
    for revision in revisions:
        before: dict[str, Any] = previous.answers if previous else {}
        records.append(
            RevisionRecord(
                revision,
                answers_diff(before, revision.answers, names=names),
                previous.number if previous else None,
            )
        )
        previous = revision
    return records


def _reviews_of(use_case: UseCase) -> list[Review]:
    return list(
        use_case.reviews.select_related("policy", "checklist_template", "decided_by")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("reviewer").order_by("assigned_at"),
            ),
            Prefetch(
                "answers",
                queryset=ChecklistAnswer.objects.select_related(
                    "item", "answered_by", "verified_by"
                ).order_by("revision", "item__position", "item__code"),
            ),
            Prefetch(
                "waivers",
                queryset=ChecklistWaiver.objects.select_related("item", "waived_by").order_by(
                    "revision", "item__position"
                ),
            ),
            Prefetch(
                "votes",
                queryset=Vote.objects.select_related("reviewer").order_by("revision", "cast_at"),
            ),
            Prefetch(
                "conditions",
                queryset=Condition.objects.select_related("owner", "vote__reviewer").order_by("id"),
            ),
            Prefetch("comments", queryset=Comment.objects.select_related("author")),
        )
        .order_by("opened_at", "id")
    )


def _review_record(review: Review) -> ReviewRecord:
    return ReviewRecord(
        review=review,
        required_roles=role_labels(review.required_roles),
        assignments=list(review.assignments.all()),
        answers=list(review.answers.all()),
        waivers=list(review.waivers.all()),
        votes=[
            VoteRecord(vote, role_labels(vote.roles), _why_superseded(vote, review))
            for vote in review.votes.all()
        ],
        conditions=list(review.conditions.all()),
        comments=list(review.comments.all()),
    )


def _why_superseded(vote: Vote, review: Review) -> str:
    if not vote.current:
        return "Replaced by the reviewer's later vote"
    if vote.revision != review.revision:
        return f"Cast on revision {vote.revision}; revision {review.revision} was judged after it"
    return ""


def _deployments_of(use_case: UseCase) -> QuerySet[Deployment]:
    return use_case.deployments.select_related(
        "business_owner", "technical_owner", "approval", "created_by"
    ).prefetch_related(
        Prefetch("versions", queryset=DeploymentVersion.objects.order_by("valid_from", "id")),
        Prefetch(
            "incidents",
            queryset=Incident.objects.select_related("reported_by", "resolved_by").order_by(
                "reported_at", "id"
            ),
        ),
    )


def _deployment_record(deployment: Deployment) -> DeploymentRecord:
    versions, before = [], None
    for version in deployment.versions.all():
        versions.append(VersionRecord(version, _version_changes(before, version.data)))
        before = version.data
    return DeploymentRecord(deployment, versions, list(deployment.incidents.all()))


def _version_changes(before: dict | None, after: dict) -> list[tuple[str, str, str]]:
    if before is None:
        return []
    return [
        (name.replace("_", " ").capitalize(), plain_text(was), plain_text(now))
        for name, (was, now) in field_changes(before, after).items()
    ]


def plain_text(value: Any) -> str:
    """A recorded value in words: lists joined, yes/no, a dash for nothing."""
    if isinstance(value, list):
        return ", ".join(plain_text(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {plain_text(v)}" for k, v in value.items()) or "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return "—" if value in (None, "") else str(value)


def _events_of(
    use_case: UseCase, *, reviews: list[Review], deployments: list[Deployment]
) -> QuerySet[AuditEvent]:
    """Audit events whose object is the use case, one of its reviews, conditions or entries.

    Events of reviews and conditions carry the use case's reference as object_ref, but the
    (object_type, object_id) index answers this lookup; the id lists are short (one review per
    round, a few entries).
    """
    condition_ids = [str(c.pk) for review in reviews for c in review.conditions.all()]
    return AuditEvent.objects.filter(
        Q(object_type=UseCase._meta.label_lower, object_id=str(use_case.pk))
        | Q(object_type=Review._meta.label_lower, object_id__in=[str(r.pk) for r in reviews])
        | Q(object_type=Condition._meta.label_lower, object_id__in=condition_ids)
        | Q(
            object_type=Deployment._meta.label_lower,
            object_id__in=[str(d.pk) for d in deployments],
        )
    ).order_by("seq")


def _as_text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def event_changes(
    changes: Any,
    *,
    text: Callable[[Any], str] = _as_text,
    label: Callable[[str], str] = str,
    nothing: str = "",
) -> list[tuple[str, str, str]]:
    """An event's changes as (field, before, after) rows, each {field: [before, after]} pair
    in words; anything else is shown as the value it records (before: `nothing`)."""
    if not isinstance(changes, dict):
        return [("", nothing, text(changes))]
    rows = []
    for field, change in changes.items():
        if isinstance(change, list | tuple) and len(change) == 2:
            rows.append((label(field), text(change[0]), text(change[1])))
        else:
            rows.append((label(field), nothing, text(change)))
    return rows


# ---- the PDF export ----------------------------------------------------------------------


@dataclass(frozen=True)
class DossierPdf:
    pdf: bytes
    manifest: dict[str, Any]
    signature: str  # of the manifest, with the installation's key (docs/audit-format.md)


def dossier_pdf_export(
    *, actor, dossier: Dossier, html: str, base_url: str, stylesheet: str | None
) -> DossierPdf:
    """The dossier as PDF bytes with its signed manifest (the SHA-256 of those bytes); the
    export is recorded, and a checkpoint of the chain follows its commit.

    Raises DossierPdfUnavailable when the renderer cannot run here (nothing is recorded then).
    """
    pdf = _render_pdf(html=html, base_url=base_url, stylesheet=stylesheet)
    manifest = _manifest(actor=actor, dossier=dossier, pdf=pdf)
    audit_record(
        actor=actor,
        action="dossier_exported",
        obj=dossier.use_case,
        changes={"manifest": [None, manifest]},
    )
    checkpoint_after_commit()
    return DossierPdf(pdf, manifest, manifest_signature(manifest))


def _manifest(*, actor, dossier: Dossier, pdf: bytes) -> dict[str, Any]:
    return {
        "export": "dossier",
        "format": "pdf",
        "use_case": dossier.use_case.reference,
        "revisions": len(dossier.revisions),
        "events": len(dossier.events),
        "generated_at": dossier.generated_at.isoformat(),
        "generated_by": actor.get_username(),
        "sha256": hashlib.sha256(pdf).hexdigest(),
        "sha256_of": "the PDF file as downloaded",
        "audit_chain_head": {"seq": dossier.chain_head.seq, "hash": dossier.chain_head.hash},
    }


def _render_pdf(*, html: str, base_url: str, stylesheet: str | None) -> bytes:
    # Imported here, not at the top: WeasyPrint loads the Pango system libraries when imported,
    # and the rest of the product must keep working on a server that lacks them.
    try:
        from weasyprint import CSS, HTML  # noqa: PLC0415
    except (ImportError, OSError) as error:
        raise DossierPdfUnavailable(PDF_UNAVAILABLE) from error
    stylesheets = [CSS(filename=stylesheet)] if stylesheet else []
    return HTML(string=html, base_url=base_url).write_pdf(stylesheets=stylesheets)
