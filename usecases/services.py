"""Every write to a use case: one function per action, atomic, permission-checked, audited."""

import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, get_group_perms, get_user_perms, remove_perm

from audit.selectors import stale_edit_refusal
from audit.services import audit_record, field_changes, plain_json
from common.errors import TransitionNotAllowed, refuse
from common.files import delete_unless_committed
from council.models import Team
from council.selectors import business_owner_ineligibility, user_active_team_ids
from council.services import reference_next
from inventory.models import ModelVersion
from inventory.selectors import version_labels, versions_problem

from . import risk
from .attachments import validate_upload
from .choices import AttachmentKind, State
from .models import (
    RELATING_LINK_KINDS,
    Attachment,
    LinkKind,
    UseCase,
    UseCaseLink,
    UseCaseRevision,
    UseCaseUserObjectPermission,
)
from .obligations import active_catalogue
from .selectors import (
    similar_use_cases,
    usecase_edit_refusal,
    usecase_list_visible,
    usecase_propose_refusal,
    usecase_submit_refusal,
    usecase_withdraw_refusal,
)
from .validation import submission_errors

# Every answer of SPEC section 3, in form order. `team` and `business_owner` are stored as ids.
ANSWER_FIELDS = (
    "title", "summary", "business_problem", "team", "business_owner", "confidential",
    "functions", "journey_stages", "channels",
    "capabilities", "vendor", "tool_name", "model_provenance", "automation_level",
    "data_categories", "biometric_use", "affected_people", "people_affected", "markets",
    "customer_facing", "significant_decisions", "sensitive_purposes", "vulnerable_groups",
    "outbound_contact", "operator_role", "art_6_3_conditions", "art_6_3_grounds",
    "manipulative_techniques", "exploits_vulnerabilities", "social_scoring",
    "workplace_emotion_recognition", "biometric_categorisation_sensitive",
    "expected_benefits", "kpis", "pilot_plan", "customer_disclosure", "human_escalation",
)  # fmt: skip
DERIVED_FIELDS = ("ai_act_class", "ai_act_reasons", "risk_tier", "risk_reasons",
                  "dpia_required", "dpia_reasons", "obligations")  # fmt: skip


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    verb: str  # as in "cannot be <verb>"


# The lifecycle of SPEC section 4: the moves this module performs, from which states, to which.
TRANSITIONS = {
    "submit": Transition(
        frozenset({State.DRAFT, State.CHANGES_REQUESTED}), State.SUBMITTED, "submitted"
    ),
    "start_review": Transition(frozenset({State.SUBMITTED}), State.IN_REVIEW, "put in review"),
    "deploy": Transition(
        frozenset({State.APPROVED, State.APPROVED_WITH_CONDITIONS}), State.DEPLOYED, "deployed"
    ),
    "withdraw": Transition(
        frozenset({State.DRAFT, State.SUBMITTED, State.IN_REVIEW, State.CHANGES_REQUESTED}),
        State.WITHDRAWN,
        "withdrawn",
    ),
    "retire": Transition(frozenset({State.DEPLOYED}), State.RETIRED, "retired"),
}


def answers_of(use_case: UseCase) -> dict[str, Any]:
    """The answers as plain data (ids for relations), the input of risk and validation rules."""
    return {
        name: getattr(use_case, f"{name}_id" if name in {"team", "business_owner"} else name)
        for name in ANSWER_FIELDS
    }


def _derive(use_case: UseCase, catalogue: list[risk.Obligation] | None = None) -> None:
    """Classify the answers; `catalogue`: the active obligations, when the caller read them."""
    catalogue = active_catalogue() if catalogue is None else catalogue
    assessment = risk.assess(answers_of(use_case), catalogue=catalogue)
    for name in DERIVED_FIELDS:
        setattr(use_case, name, getattr(assessment, name))


def _snapshot(use_case: UseCase) -> dict[str, Any]:
    return {**answers_of(use_case), **{name: getattr(use_case, name) for name in DERIVED_FIELDS}}


def _apply(
    use_case: UseCase, data: Mapping[str, Any], catalogue: list[risk.Obligation] | None = None
) -> None:
    unknown = set(data) - set(ANSWER_FIELDS)
    if unknown:
        raise ValueError(f"Not answers of a use case: {sorted(unknown)}")
    for name, value in data.items():
        setattr(use_case, name, value)
    _derive(use_case, catalogue)


def _check_team(*, actor: User, team: Team | None) -> None:
    if team is None:
        raise ValidationError({"team": ["Choose the team that owns this use case."]})
    if team.pk not in user_active_team_ids(actor):
        raise ValidationError(
            {"team": ["You can only propose use cases for a team you belong to."]}
        )


def _owner_errors(owner: User | None) -> dict[str, list[str]]:
    """The business owner named must be someone who can be (council.selectors)."""
    reason = business_owner_ineligibility(owner) if owner is not None else None
    return {"business_owner": [reason]} if reason else {}


def _check_owner(data: Mapping[str, Any], use_case: UseCase | None = None) -> None:
    """Naming a business owner (a new one: an owner named before stays until changed)."""
    owner = data.get("business_owner")
    named = owner is not None and (use_case is None or owner.pk != use_case.business_owner_id)
    if named and (errors := _owner_errors(owner)):
        raise ValidationError(errors)


def _check_transition(use_case: UseCase, action: str) -> str:
    transition = TRANSITIONS[action]
    if use_case.state not in transition.sources:
        raise TransitionNotAllowed(
            f"A use case in state '{use_case.get_state_display()}' cannot be {transition.verb}."
        )
    return transition.target


def _next_version(use_case: UseCase) -> dict[str, list[int]]:
    """Count the save about to happen. Its audit event records the version it made, so that an
    edit of an older one can say what it missed (audit.selectors.stale_edit_refusal)."""
    use_case.version += 1
    return {"version": [use_case.version - 1, use_case.version]}


def _lock(use_case: UseCase) -> UseCase:
    # Lock the row so two concurrent edits or transitions cannot both pass the state check.
    return UseCase.objects.select_for_update().get(pk=use_case.pk)


@transaction.atomic
def usecase_create(*, actor: User, data: Mapping[str, Any]) -> UseCase:
    """A new draft; any subset of answers, but it must belong to one of the actor's teams."""
    refuse(usecase_propose_refusal(user=actor))
    _check_team(actor=actor, team=data.get("team"))
    _check_owner(data)
    year = timezone.localdate().year
    number = reference_next(key=f"UC-{year}")
    use_case = UseCase(reference=f"UC-{year}-{number:04d}", created_by=actor, state=State.DRAFT)
    _apply(use_case, data)
    use_case.save()
    audit_record(
        actor=actor, action="created", obj=use_case, changes=field_changes({}, _snapshot(use_case))
    )
    return use_case


@transaction.atomic
def usecase_update(
    *, actor: User, use_case: UseCase, data: Mapping[str, Any], version: int | None = None
) -> UseCase:
    """Change answers. `version`: the one the answers were read at (None: not checked); when
    someone saved since, StaleEdit says who, when and which answers, and nothing is saved."""
    use_case = _lock(use_case)
    refuse(usecase_edit_refusal(user=actor, use_case=use_case))
    # Checked under the row lock taken above, so two saves of one version cannot both pass.
    refuse(
        stale_edit_refusal(
            use_case,
            read_version=version,
            current_version=use_case.version,
            noun="use case",
            fields=ANSWER_FIELDS,
        )
    )
    if "team" in data and data["team"] is not None and data["team"].pk != use_case.team_id:
        _check_team(actor=actor, team=data["team"])
    _check_owner(data, use_case)
    before = _snapshot(use_case)
    _apply(use_case, {k: v for k, v in data.items() if not (k == "team" and v is None)})
    changes = field_changes(before, _snapshot(use_case))
    if changes:
        changes |= _next_version(use_case)
        use_case.save()
        audit_record(actor=actor, action="changed", obj=use_case, changes=changes)
    return use_case


@transaction.atomic
def usecase_submit(*, actor: User, use_case: UseCase) -> UseCase:
    """Validate every answer and freeze the next revision: the use case is submitted.

    Submitting opens the council's review too (workflows.usecase_submit).
    """
    use_case = _lock(use_case)
    refuse(usecase_submit_refusal(user=actor, use_case=use_case))
    target = _check_transition(use_case, "submit")
    errors = {**submission_errors(answers_of(use_case)), **_owner_errors(use_case.business_owner)}
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    before_state = use_case.state
    use_case.revision += 1
    use_case.state = target
    use_case.submitted_at = now
    counted = _next_version(use_case)
    use_case.save()
    _freeze_revision(use_case, submitted_by=actor, at=now)
    audit_record(
        actor=actor,
        action="submitted",
        obj=use_case,
        changes={
            "state": [before_state, target],
            "revision": [use_case.revision - 1, use_case.revision],
            **counted,
        },
    )
    return use_case


def _freeze_revision(
    use_case: UseCase,
    *,
    submitted_by: User,
    at: datetime,
    attachments: list[dict[str, Any]] | None = None,
) -> None:
    """Keep the answers as they stand as the use case's revision `use_case.revision`
    (`attachments`: [] for a use case that has none)."""
    if attachments is None:
        attachments = [
            {"id": a.pk, "name": a.original_name, "kind": a.kind, "size": a.size,
             "sha256": a.sha256}
            for a in use_case.attachments.all()
        ]  # fmt: skip
    UseCaseRevision.objects.create(
        use_case=use_case,
        number=use_case.revision,
        answers=plain_json(answers_of(use_case)),
        **{name: getattr(use_case, name) for name in DERIVED_FIELDS},
        attachments=attachments,
        submitted_by=submitted_by,
        submitted_at=at,
    )


@transaction.atomic
def usecase_import_legacy(
    *,
    actor: User,
    answers: Mapping[str, Any],
    versions: Sequence[ModelVersion],
    source: str,
    catalogue: list[risk.Obligation] | None = None,
) -> UseCase:
    """A tool already in service, from an imported inventory (the registry's import, which the
    chair runs): deployed, marked legacy, its answers frozen as revision 1 for the council's
    first review. The business owner stands as its author, so the chair who imported it may
    still decide its review (four eyes); the audit trail records who imported it from where.
    `catalogue`: the active obligations, read once for a whole import."""
    owner = answers["business_owner"]
    year = timezone.localdate().year
    number = reference_next(key=f"UC-{year}")
    use_case = UseCase(
        reference=f"UC-{year}-{number:04d}",
        created_by=owner,
        state=State.DEPLOYED,
        legacy=True,
        revision=1,
    )
    _apply(use_case, answers, catalogue)
    now = timezone.now()
    use_case.submitted_at = now
    use_case.save()
    linked = _link_versions(use_case, list(versions), new=True)
    _freeze_revision(use_case, submitted_by=owner, at=now, attachments=[])
    audit_record(
        actor=actor,
        action="imported",
        obj=use_case,
        changes=field_changes({}, _snapshot(use_case))
        | linked
        | {"state": [None, State.DEPLOYED], "legacy": [None, True], "source": [None, source]},
    )
    return use_case


def _move(
    *, actor: User, use_case: UseCase, target: str, action: str, **changes: list[Any]
) -> UseCase:
    """Set the state and record the move, with any further `changes` ({field: [before, after]})."""
    before = use_case.state
    use_case.state = target
    counted = _next_version(use_case)
    use_case.save(update_fields=["state", "version", "updated_at"])
    audit_record(
        actor=actor,
        action=action,
        obj=use_case,
        changes={"state": [before, target], **changes, **counted},
    )
    return use_case


def usecase_start_review(*, actor: User, use_case: UseCase) -> UseCase:
    """Submitted -> in review, when the council's review opens (workflows.usecase_submit)."""
    use_case = _lock(use_case)
    target = _check_transition(use_case, "start_review")
    return _move(actor=actor, use_case=use_case, target=target, action="review_started")


def usecase_mark_deployed(*, actor: User, use_case: UseCase) -> UseCase:
    """Approved -> deployed, when its first registry entry is recorded (workflows)."""
    use_case = _lock(use_case)
    target = _check_transition(use_case, "deploy")
    return _move(actor=actor, use_case=use_case, target=target, action="deployed")


def usecase_retire(*, actor: User, use_case: UseCase) -> UseCase:
    """Deployed -> retired, when its last registry entry retires (workflows)."""
    use_case = _lock(use_case)
    target = _check_transition(use_case, "retire")
    return _move(actor=actor, use_case=use_case, target=target, action="retired")


DECISION_STATES = {
    State.APPROVED,
    State.APPROVED_WITH_CONDITIONS,
    State.REJECTED,
    State.CHANGES_REQUESTED,
}
APPROVALS = {State.APPROVED, State.APPROVED_WITH_CONDITIONS}


def state_after_decision(*, outcome: str, deployed: bool) -> str:
    """The council's outcome is the new state, except that an approved deployed case stays deployed.

    `deployed`: the review was a change review or re-review of a use case already in the registry.
    Changes requested on it send the use case back to the team (its entries keep running) and
    rejected leaves it rejected (registry.services suspends its entries).
    """
    return State.DEPLOYED if deployed and outcome in APPROVALS else outcome


def usecase_record_decision(
    *, actor: User, use_case: UseCase, outcome: str, deployed: bool
) -> UseCase:
    """The council's outcome on the use case (workflows, when a review is decided).

    A first review decides a use case in review; a change review or re-review decides a deployed
    one, or one that came back in review after the team answered a request for changes.
    """
    use_case = _lock(use_case)
    sources = {State.IN_REVIEW, State.DEPLOYED} if deployed else {State.IN_REVIEW}
    if use_case.state not in sources or outcome not in DECISION_STATES:
        raise TransitionNotAllowed(
            f"A use case in state '{use_case.get_state_display()}' cannot be decided as '{outcome}'."
        )
    target = state_after_decision(outcome=outcome, deployed=deployed)
    if target == use_case.state:
        return use_case
    return _move(actor=actor, use_case=use_case, target=target, action="decision_recorded")


def _require_nothing_running(use_case: UseCase, in_service: Sequence[str]) -> None:
    if in_service:
        raise TransitionNotAllowed(
            f"{use_case.reference} is in service as {', '.join(in_service)}: retire those "
            "registry entries instead of withdrawing it."
        )


@transaction.atomic
def usecase_withdraw(
    *, actor: User, use_case: UseCase, in_service: Sequence[str], reason: str = ""
) -> UseCase:
    """`in_service`: the references of the use case's registry entries still running, which the
    registry knows (workflows.usecase_withdraw reads them); a use case in service is retired
    through its entries, never withdrawn."""
    use_case = _lock(use_case)
    refuse(usecase_withdraw_refusal(user=actor, use_case=use_case))
    target = _check_transition(use_case, "withdraw")
    _require_nothing_running(use_case, in_service)
    return _move(
        actor=actor, use_case=use_case, target=target, action="withdrawn", reason=[None, reason]
    )


def usecase_grant_access(*, actor: User | None, use_case: UseCase, user: User, why: str) -> None:
    """Let one person see a submitted use case, confidential or not (e.g. an assigned reviewer)."""
    with transaction.atomic():
        assign_perm("usecases.view_usecase", user, use_case)
        audit_record(
            actor=actor,
            action="access_granted",
            obj=use_case,
            changes={"view_access": [None, user.get_username()], "why": [None, why]},
        )


def usecase_grant_access_many(
    *, actor: User | None, use_case: UseCase, grants: Sequence[tuple[User, str]]
) -> None:
    """Let several people see the use case at once ({person, why}), in one audited event (the
    seats of a review opened by an import)."""
    if not grants:
        return
    permission = _view_permission()
    UseCaseUserObjectPermission.objects.bulk_create(
        [
            UseCaseUserObjectPermission(permission=permission, user=user, content_object=use_case)
            for user, _ in grants
        ],
        ignore_conflicts=True,
    )
    audit_record(
        actor=actor,
        action="access_granted",
        obj=use_case,
        changes={
            "view_access": [None, [user.get_username() for user, _ in grants]],
            "why": [None, [why for _, why in grants]],
        },
    )


def _view_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="usecases", codename="view_usecase")


@transaction.atomic
def usecase_object_permissions_set(
    *, actor: User, use_case: UseCase, holder: User | Group, codenames: Iterable[str]
) -> None:
    """Set exactly which object permissions on the use case a person or group holds (the
    admin's object-permissions page): what changed is one audited event."""
    before = set(_held_codenames(holder, use_case))
    after = set(codenames)
    for codename in before - after:
        remove_perm(codename, holder, use_case)
    for codename in after - before:
        assign_perm(codename, holder, use_case)
    if before != after:
        kind = "group" if isinstance(holder, Group) else "user"
        audit_record(
            actor=actor,
            action="object_permissions_changed",
            obj=use_case,
            changes={
                kind: [None, str(holder)],
                "permissions": [sorted(before), sorted(after)],
            },
        )


def _held_codenames(holder: User | Group, use_case: UseCase) -> list[str]:
    if isinstance(holder, Group):
        return list(get_group_perms(holder, use_case).values_list("codename", flat=True))
    return list(get_user_perms(holder, use_case).values_list("codename", flat=True))


def usecase_revoke_access(*, actor: User | None, use_case: UseCase, user: User, why: str) -> None:
    """Take back a personal grant (a reviewer who recused or was replaced)."""
    with transaction.atomic():
        remove_perm("usecases.view_usecase", user, use_case)
        audit_record(
            actor=actor,
            action="access_revoked",
            obj=use_case,
            changes={"view_access": [user.get_username(), None], "why": [None, why]},
        )


@transaction.atomic
def attachment_add(
    *,
    actor: User,
    use_case: UseCase,
    upload: "UploadedFile[bytes]",
    kind: str = AttachmentKind.OTHER,
) -> Attachment:
    use_case = _lock(use_case)
    refuse(usecase_edit_refusal(user=actor, use_case=use_case))
    content_type = validate_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    # validate_upload accepted a named file of a known extension and size.
    name, size = upload.name or "", upload.size or 0
    attachment = Attachment(
        use_case=use_case,
        kind=kind,
        original_name=name[:255],
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        token=secrets.token_hex(16),
        uploaded_by=actor,
    )
    attachment.file.save(name, upload, save=False)
    # A refused or rolled-back upload leaves no file on disk (common/files.py).
    delete_unless_committed(attachment.file)
    attachment.save()
    audit_record(
        actor=actor,
        action="attachment_added",
        obj=use_case,
        changes={
            "attachment": [
                None,
                {
                    "name": attachment.original_name,
                    "sha256": attachment.sha256,
                    "size": attachment.size,
                },
            ]
        },
    )
    return attachment


@transaction.atomic
def attachment_remove(*, actor: User, attachment: Attachment) -> None:
    use_case = _lock(attachment.use_case)
    refuse(usecase_edit_refusal(user=actor, use_case=use_case))
    name, sha = attachment.original_name, attachment.sha256
    attachment.delete()
    audit_record(
        actor=actor,
        action="attachment_removed",
        obj=use_case,
        changes={"attachment": [{"name": name, "sha256": sha}, None]},
    )
    # The file goes only once the row is gone for good.
    stored_name = attachment.file.name
    if stored_name:
        transaction.on_commit(lambda: attachment.file.storage.delete(stored_name))


# ---- the duplicate check at intake (usecases.selectors.similar_use_cases) ----


def _record_link(*, actor: User, use_case: UseCase, other: UseCase, kind: str) -> None:
    UseCaseLink.objects.update_or_create(
        use_case=use_case, other=other, defaults={"kind": kind, "recorded_by": actor}
    )


MAX_ID_DIGITS = 18  # a longer number is no id (and overflows a database integer)


def _linkable(*, actor: User, use_case: UseCase, other_pk: int | str) -> UseCase:
    """Another use case the actor may see (the id as typed: bad input is a field error)."""
    text = str(other_pk).strip()
    visible = usecase_list_visible(user=actor)
    is_id = text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS
    other = visible.filter(pk=int(text)).first() if is_id else None
    if other is None or other.pk == use_case.pk:
        raise ValidationError({"other": ["Choose one of the use cases shown as similar."]})
    return other


@transaction.atomic
def usecase_link(*, actor: User, use_case: UseCase, other_pk: int | str, kind: str) -> UseCaseLink:
    """The team says its draft duplicates or extends another use case it may see, instead of
    proposing it again. Shown on both use cases' pages."""
    use_case = _lock(use_case)
    refuse(usecase_edit_refusal(user=actor, use_case=use_case))
    if kind not in RELATING_LINK_KINDS:
        raise ValidationError({"kind": ["Choose whether it duplicates or extends the other."]})
    other = _linkable(actor=actor, use_case=use_case, other_pk=other_pk)
    _record_link(actor=actor, use_case=use_case, other=other, kind=kind)
    audit_record(
        actor=actor,
        action="link_recorded",
        obj=use_case,
        changes={"link": [None, {"kind": kind, "other": other.reference}]},
    )
    return UseCaseLink.objects.get(use_case=use_case, other=other)


@transaction.atomic
def usecase_duplicates_dismiss(*, actor: User, use_case: UseCase) -> int:
    """The team checked the similar use cases shown and says its own is a different one: each
    current match (those it may not see included, which it is never told about) stops showing.
    Returns how many were recorded."""
    use_case = _lock(use_case)
    refuse(usecase_edit_refusal(user=actor, use_case=use_case))
    matches = similar_use_cases(use_case, user=actor).pks
    if not matches:
        return 0  # nothing was shown: nothing to record
    others = UseCase.objects.filter(pk__in=matches).order_by("pk")
    for other in others:
        _record_link(actor=actor, use_case=use_case, other=other, kind=LinkKind.DIFFERENT)
    audit_record(
        actor=actor,
        action="duplicates_checked",
        obj=use_case,
        changes={"different_from": [None, [other.reference for other in others]]},
    )
    return len(matches)


@transaction.atomic
def usecase_models_set(
    *, actor: User, use_case: UseCase, versions: Sequence[ModelVersion]
) -> UseCase:
    """The team names the inventory's model versions the use case means to use (one per
    model), while it may edit the use case: a new version of one of them shows its use cases."""
    use_case = _lock(use_case)
    refuse(usecase_edit_refusal(user=actor, use_case=use_case))
    changes = _link_versions(use_case, list(versions))
    if changes:
        audit_record(actor=actor, action="models_linked", obj=use_case, changes=changes)
    return use_case


def _link_versions(
    use_case: UseCase, versions: list[ModelVersion], *, new: bool = False
) -> dict[str, list[list[str]]]:
    """Make `versions` the ones the use case names (one per model); what changed, for its
    audit event ({} when nothing did). `new`: the use case was just created and names none."""
    problem = versions_problem(versions)
    if problem:
        raise ValidationError({"model_versions": [problem]})
    before = [] if new else version_labels(use_case.model_versions.select_related("model"))
    use_case.model_versions.set(versions)
    after = version_labels(versions)
    return {} if before == after else {"model_versions": [before, after]}
