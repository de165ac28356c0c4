"""The use-case dossier: everything recorded about one use case, the record an auditor files.

SPEC section 8: one printable page (and PDF) with every revision, checklist answer and
verification, vote, decision, condition, deployment, incident and audit event of a use case.

Each registry entry shows its value: its KPIs now (baseline, target, latest value, where it
stands) and the pilot's results as judged on leaving pilot (`oversight/value.py`).

`usecase_dossier` reads the whole record in a fixed number of queries whatever its size: each
table is fetched once, in bulk, and prefetched onto its parent (never one query per row).
`dossier_pdf_export` renders the PDF and records the export in the audit trail. The audit
appendix reads in words, one line per event (`event_in_words`). A long dossier's PDF is built by a
Celery task (`dossier_in_background`, oversight/tasks.py) and kept as a private file
(`dossier_pdf_store`, `dossier_pdf_stored`).
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone

from audit.checkpoints import checkpoint_after_commit
from audit.models import AuditEvent
from audit.selectors import SEQ_MAX
from audit.services import ChainHead, audit_record, chain_head, field_changes, plain_json
from audit.signing import manifest_signature
from common.errors import refuse
from council.models import CouncilRole, role_labels
from council.selectors import record_read_refusal
from registry.models import Deployment, DeploymentVersion, Incident, Severity, Stage
from registry.selectors import kpi_records_in, kpis_listed
from reviews.diff import Change, answers_diff
from reviews.models import (
    AnswerChoice,
    Assignment,
    ChecklistAnswer,
    ChecklistWaiver,
    Comment,
    Condition,
    Outcome,
    Review,
    Verdict,
    Vote,
    VoteChoice,
)
from usecases.choices import State
from usecases.forms import answer_names
from usecases.models import Attachment, UseCase, UseCaseRevision
from usecases.selectors import usecase_get_visible
from usecases.services import answers_of

from .templatetags.breakable import PDF_WORD_BREAK
from .value import PilotJudged, kpi_labelled, pilot_judged

PDF_UNAVAILABLE = (
    "The PDF of the dossier cannot be produced on this server right now: its PDF renderer "
    "(WeasyPrint with the Pango text libraries) is not installed. The printable page of the "
    "dossier still works: print it from your browser."
)


# The PDF's own stylesheet, small and plain for speed (its header says why); not the site's.
STYLESHEET = "css/dossier_pdf.css"


class DossierPdfUnavailable(Exception):
    """The PDF renderer or the system libraries it needs are missing on this server."""


# ---- what the dossier holds ----------------------------------------------------------------


@dataclass(frozen=True)
class RevisionRecord:
    revision: UseCaseRevision
    # The first revision: every answer given. Later ones: what changed since `previous`.
    answers: list[Change]
    previous: int | None
    # True when the revision froze the answers (or obligations) the use case has now: the dossier
    # prints them once, under "Current answers" (or "Classification"), and says so here.
    answers_as_now: bool = False
    obligations_as_now: bool = False


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
    kpis: list[dict[str, Any]]  # now, each as oversight.value.kpi_labelled has it
    pilot: PilotJudged | None  # None while nobody judged the pilot's results


@dataclass(frozen=True)
class EventRecord:
    event: AuditEvent
    # Who did what, in words: "Helen Fairweather decided as chair: Approved with conditions".
    summary: str
    # (field, before, after) in words as the page prints them; long values shortened.
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
            event_in_words(event)
            for event in _events_of(use_case, reviews=reviews, deployments=deployments)
        ],
        chain_head=chain_head(),
        generated_at=timezone.now(),
    )


def _revisions_of(use_case: UseCase) -> list[RevisionRecord]:
    revisions = list(use_case.revisions.select_related("submitted_by").order_by("number"))
    names = answer_names([revision.answers for revision in revisions])
    answers_now = plain_json(answers_of(use_case))
    records, previous = [], None
    for revision in revisions:
        before: dict[str, Any] = previous.answers if previous else {}
        records.append(
            RevisionRecord(
                revision,
                answers_diff(before, revision.answers, names=names),
                previous.number if previous else None,
                answers_as_now=revision.answers == answers_now,
                obligations_as_now=revision.obligations == use_case.obligations,
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
                queryset=Condition.objects.select_related(
                    "owner", "vote__reviewer", "closed_by", "sent_back_by"
                ).order_by("id"),
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
    """The use case's entries, each with its KPIs now (`kpis_listed`), versions and incidents."""
    return (
        use_case.deployments.annotate(kpis_listed=kpis_listed())
        .select_related("business_owner", "technical_owner", "approval", "created_by")
        .prefetch_related(
            Prefetch("versions", queryset=DeploymentVersion.objects.order_by("valid_from", "id")),
            Prefetch(
                "incidents",
                queryset=Incident.objects.select_related("reported_by", "resolved_by").order_by(
                    "reported_at", "id"
                ),
            ),
        )
    )


def _deployment_record(deployment: Deployment) -> DeploymentRecord:
    versions, before = [], None
    for version in deployment.versions.all():
        versions.append(VersionRecord(version, _version_changes(before, version.data)))
        before = version.data
    return DeploymentRecord(
        deployment,
        versions,
        list(deployment.incidents.all()),
        # `kpis_listed`: annotated by `_deployments_of`.
        kpis=[
            kpi_labelled(record)
            for record in kpi_records_in(deployment.kpis_listed)  # type: ignore[attr-defined]
        ],
        pilot=pilot_judged(deployment.pilot_results),
    )


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
    return (
        AuditEvent.objects.filter(
            Q(object_type=UseCase._meta.label_lower, object_id=str(use_case.pk))
            | Q(object_type=Review._meta.label_lower, object_id__in=[str(r.pk) for r in reviews])
            | Q(object_type=Condition._meta.label_lower, object_id__in=condition_ids)
            | Q(
                object_type=Deployment._meta.label_lower,
                object_id__in=[str(d.pk) for d in deployments],
            )
        )
        .select_related("actor")
        .order_by("seq")
    )


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


# ---- the audit trail in words -----------------------------------------------------------

# What each action did, as a sentence after the person's name. {object} is what it was done to
# ("the use case", "registry entry AI-0001"), {items} the names it recorded (checklist items),
# {vote}, {outcome} and {stage} the labels of the value it recorded. An action missing here reads
# as its code in words, followed by its object.
ACTION_WORDS = {
    "created": "created {object}",
    "changed": "changed {object}",
    "submitted": "submitted the use case",
    "review_started": "put the use case in review",
    "decision_recorded": "recorded the council's decision on the use case",
    "deployed": "marked the use case deployed",
    "retired": "retired the use case",
    "withdrawn": "withdrew the use case",
    "access_granted": "gave view access to the use case",
    "access_revoked": "took back view access to the use case",
    "object_permissions_changed": "changed who may see or edit the use case",
    "attachment_added": "attached a file",
    "attachment_removed": "removed a file",
    "review_opened": "opened a council review",
    "review_reopened": "reopened the council review",
    "review_closed": "closed the council review",
    "reviewer_assigned": "assigned a reviewer",
    "verifier_assigned": "assigned a verifier",
    "verifier_released": "released a verifier",
    "assignment_pending": "left a seat waiting for a reviewer",
    "reviewer_recused": "stepped back from the review (recusal)",
    "checklist_answered": "answered checklist item {items}",
    "checklist_verified": "checked the answer to checklist item {items}",
    "checklist_item_waived": "waived checklist item {items}",
    "comment_added": "commented on the review",
    "vote_cast": "voted {vote}",
    "review_decided": "recorded the review's outcome: {outcome}",
    "chair_decision": "decided as chair: {outcome}",
    "rejection_proposed": "proposed a rejection",
    "rejection_proposal_withdrawn": "withdrew the proposed rejection",
    "conditions_superseded": "set earlier conditions aside",
    "condition_met": "marked a condition met",
    "condition_claimed": "marked a condition met, for the council to confirm",
    "condition_confirmed": "confirmed a condition is met",
    "condition_sent_back": "sent a condition back to the team",
    "condition_waived": "waived a condition",
    "condition_open": "reopened a condition",
    "review_requested": "asked for a review of {object}",
    "stage_changed": "moved {object} to {stage}",
    "stage_requested": "asked to move {object} to {stage}",
    "stage_request_dropped": "dropped the request to move {object}",
    "re_reviewed": "recorded the re-review of {object}",
    "incident_reported": "reported an incident on {object}",
    "incident_updated": "updated an incident on {object}",
    "public_wording_approved": "approved the public wording of {object}",
    "complaint_received": "recorded a complaint about {object}",
    "dossier_exported": "downloaded the dossier as a PDF",
}
# The stored codes each recorded field holds, shown by their labels.
CODE_LABELS: dict[str, Any] = {
    "state": State,
    "stage": Stage,
    "vote": VoteChoice,
    "outcome": Outcome,
    "answer": AnswerChoice,
    "verdict": Verdict,
    "severity": Severity,
    "role": CouncilRole,
    "roles": CouncilRole,
    "required_roles": CouncilRole,
}
# Counters the services keep for optimistic concurrency: not something a reader of the record did.
UNSHOWN_FIELDS = frozenset({"version"})
# An event that records more fields than this (a use case or entry created, many answers changed)
# lists their names only: their values are the answers and entry details printed above.
FIELDS_SHOWN = 6
# A value longer than this is shortened in the appendix: the full text is in the sections above
# (answers, checklist, votes, conditions) and in the audit trail itself, by the event's number.
VALUE_SHOWN = 160


# Actions recorded as {item code: [before, {field: value}]}: the code is named in the sentence,
# its fields are listed after it.
ITEM_ACTIONS = frozenset({"checklist_answered", "checklist_verified", "checklist_item_waived"})


def event_in_words(event: AuditEvent) -> EventRecord:
    """The event as one short line: who did what, then what it recorded, labelled."""
    changes = event.changes if isinstance(event.changes, dict) else {"": event.changes}
    summary = f"{_who(event)} {_what(event, changes)}"
    if event.action in ITEM_ACTIONS and len(changes) == 1:
        changes = _item_fields(next(iter(changes.values())), changes)
    return EventRecord(event, summary, _changes_in_words(changes))


def _item_fields(change: Any, changes: dict[str, Any]) -> dict[str, Any]:
    after = change[1] if isinstance(change, list | tuple) and len(change) == 2 else change
    return (
        {name: [None, value] for name, value in after.items()}
        if isinstance(after, dict)
        else changes
    )


def _changes_in_words(changes: dict[str, Any]) -> list[tuple[str, str, str]]:
    shown = [name for name in changes if name not in UNSHOWN_FIELDS]
    if len(shown) > FIELDS_SHOWN:
        return [("Fields recorded", "", ", ".join(_field_label(name) for name in shown))]
    rows = []
    for name in shown:
        change = changes[name]
        pair = isinstance(change, list | tuple) and len(change) == 2
        before, after = change if pair else (None, change)
        if before in (None, "") and after in (None, ""):
            continue  # nothing recorded in this field
        rows.append((_field_label(name), _short(before, name), _short(after, name)))
    return rows


def _who(event: AuditEvent) -> str:
    if event.actor is not None:
        return event.actor.get_full_name() or event.actor_username or event.actor.get_username()
    return event.actor_username or "The system"


def _what(event: AuditEvent, changes: dict[str, Any]) -> str:
    words = ACTION_WORDS.get(event.action, event.action.replace("_", " ") + " ({object})")
    return words.format(
        object=_object_words(event),
        items=", ".join(changes) or "—",
        vote=_recorded_label(changes, "vote").lower(),
        outcome=_recorded_label(changes, "outcome"),
        stage=_recorded_label(changes, "stage").lower(),
    )


def _object_words(event: AuditEvent) -> str:
    if event.object_type == Deployment._meta.label_lower:
        return f"registry entry {event.object_ref or event.object_id}"
    if event.object_type == Review._meta.label_lower:
        return "the council review"
    if event.object_type == Condition._meta.label_lower:
        return "a condition"
    return "the use case"


def _recorded_label(changes: dict[str, Any], name: str) -> str:
    """The label of the value the event recorded for `name` (its "after"), or a dash."""
    change = changes.get(name)
    value = change[1] if isinstance(change, list | tuple) and len(change) == 2 else change
    return value_in_words(value, name) if value not in (None, "") else "—"


def _field_label(name: str) -> str:
    """A recorded field's name in words ("ai_act_class": "AI act class"); codes stay as they are."""
    if not name.islower():
        return name
    return name.replace("_", " ").capitalize().replace("Ai ", "AI ")


def value_in_words(value: Any, name: str = "") -> str:
    """A recorded value in words, stored codes replaced by their labels (a state, a vote...)."""
    codes = CODE_LABELS.get(name)
    if codes is not None and isinstance(value, str):
        return dict(codes.choices).get(value, value)
    if isinstance(value, list):
        return ", ".join(value_in_words(v, name) for v in value) or "—"
    if isinstance(value, dict):
        pairs = (f"{_field_label(k)}: {value_in_words(v, k)}" for k, v in value.items())
        return "; ".join(pairs) or "—"
    return plain_text(value)


def _short(value: Any, name: str) -> str:
    if value is None or value == "":
        return ""
    text = value_in_words(value, name)
    return text if len(text) <= VALUE_SHOWN else text[: VALUE_SHOWN - 1].rstrip() + "…"


# ---- long dossiers, built in the background ----------------------------------------------

# Above either count the PDF link queues a task (oversight.tasks) instead of answering with the
# file. bench/dossier_pdf.py: the demo's largest dossier (111 events, 1 revision, 11 pages) takes
# 1.8 s of CPU; the appendix costs about 1 s per 300 events and each later revision (its diff,
# reasons, a review round with its 30-item checklist) about 0.3 s. At these counts a dossier
# nears 3 s on a quiet server, and a loaded one would come close to the 30 s worker timeout.
BACKGROUND_EVENTS = 300
BACKGROUND_REVISIONS = 6
STORED_FOLDER = "dossiers"


def dossier_in_background(dossier: Dossier) -> bool:
    return len(dossier.events) > BACKGROUND_EVENTS or len(dossier.revisions) > BACKGROUND_REVISIONS


@dataclass(frozen=True)
class StoredDossierPdf:
    name: str  # in the default storage, private: served only by the dossier's view
    manifest: dict[str, Any]


def dossier_pdf_store(*, use_case: UseCase, export: "DossierPdf") -> int:
    """Keep a PDF built in the background, named by its export's audit event; returns its seq.

    Called once the transaction that recorded the export has committed (its event has its
    number then): a file no event names is never served.
    """
    seq = export.event.seq
    assert seq is not None, "the export is recorded, and committed, before its file is kept"
    default_storage.save(_stored_name(use_case, seq), ContentFile(export.pdf))
    return seq


def dossier_pdf_stored(*, use_case: UseCase, seq: int) -> StoredDossierPdf:
    """The PDF kept for export `seq` of this use case; 404 for any other number."""
    event = _exports_of(use_case).filter(seq=seq).first() if 0 < seq <= SEQ_MAX else None
    name = _stored_name(use_case, seq)
    if event is None or not default_storage.exists(name):
        raise Http404("No PDF of this dossier was kept under this number.")
    return StoredDossierPdf(name, event.changes["manifest"][1])


def _exports_of(use_case: UseCase) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        action="dossier_exported",
        object_type=UseCase._meta.label_lower,
        object_id=str(use_case.pk),
    )


def _stored_name(use_case: UseCase, seq: int) -> str:
    return f"{STORED_FOLDER}/{use_case.pk}/{seq}.pdf"


# ---- the PDF export ----------------------------------------------------------------------


@dataclass(frozen=True)
class DossierPdf:
    pdf: bytes
    manifest: dict[str, Any]
    signature: str  # of the manifest, with the installation's key (docs/audit-format.md)
    event: AuditEvent  # the export's, numbered once its transaction commits


def dossier_pdf_render(*, actor, dossier: Dossier, sections: Any) -> DossierPdf:
    """The dossier's PDF, recorded as an export: for the view and the background task alike.
    `sections` are the current answers by section (usecases.answers.answers_by_section)."""
    context = {
        "dossier": dossier,
        "sections": sections,
        "word_break": PDF_WORD_BREAK,
        "user": actor,
    }
    return dossier_pdf_export(
        actor=actor,
        dossier=dossier,
        html=render_to_string("oversight/dossier_pdf.html", context),
        # The PDF links nothing outside itself: no page or file is fetched from this address.
        base_url=settings.STATIC_URL,
        stylesheet=finders.find(STYLESHEET),
    )


def dossier_pdf_export(
    *, actor, dossier: Dossier, html: str, base_url: str, stylesheet: str | None
) -> DossierPdf:
    """The dossier as PDF bytes with its signed manifest (the SHA-256 of those bytes); the
    export is recorded, and a checkpoint of the chain follows its commit.

    Raises DossierPdfUnavailable when the renderer cannot run here (nothing is recorded then).
    """
    pdf = _render_pdf(html=html, base_url=base_url, stylesheet=stylesheet)
    manifest = _manifest(actor=actor, dossier=dossier, pdf=pdf)
    event = audit_record(
        actor=actor,
        action="dossier_exported",
        obj=dossier.use_case,
        changes={"manifest": [None, manifest]},
    )
    checkpoint_after_commit()
    return DossierPdf(pdf, manifest, manifest_signature(manifest), event)


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
