"""Every write of council review: atomic, rule-checked, audited (SPEC section 5)."""

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from audit.services import audit_record
from common.errors import StaleEdit, TransitionNotAllowed, refuse
from common.files import delete_unless_committed
from council.models import CouncilRole, role_labels
from council.selectors import AUDITORS_READ_ONLY, is_auditor, user_active_roles
from usecases.attachments import validate_upload
from usecases.models import UseCase
from usecases.services import (
    usecase_grant_access,
    usecase_grant_access_many,
    usecase_revoke_access,
)

from . import rules
from .groups import regroup
from .loads import loads_change, loads_of, seats_of
from .models import (
    APPROVALS,
    AnswerChoice,
    Assignment,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistTemplate,
    ChecklistWaiver,
    Comment,
    Condition,
    ConditionStatus,
    ConfirmVerdict,
    EvidenceFile,
    Outcome,
    Review,
    ReviewKind,
    ReviewPolicy,
    ReviewState,
    Verdict,
    Vote,
    VoteChoice,
)
from .notifications import (
    notify_assigned,
    notify_condition_marked_met,
    notify_condition_sent_back,
    notify_question_to_team,
    notify_rejection_proposed,
)
from .selectors import (
    Standing,
    applicable_items,
    checklist_answer_refusal,
    checklist_answer_saved,
    checklist_answer_stale_refusal,
    checklist_complete,
    checklist_verify_refusal,
    comment_refusal,
    condition_confirm_refusal,
    condition_meet_refusal,
    condition_waive_refusal,
    conflicted,
    current_votes_by_role,
    decision_refusal,
    eligible_reviewers,
    free_roles,
    item_applies,
    judged_answers,
    reassign_refusal,
    recuse_refusal,
    seat_roles,
    standing_conditions,
    unverified_required_items,
    usecase_settled_in_service,
    verifier_roles,
    vote_refusal,
)

NEEDS_REASONS = {VoteChoice.REQUEST_CHANGES, VoteChoice.REJECT}

T = TypeVar("T")


@dataclass(frozen=True)
class RecordedWithDecision(Generic[T]):
    """What an action recorded, and the review if the action decided it.

    A decision moves the use case and the registry as well: `workflows` does that, in the same
    transaction, with what this returns.
    """

    record: T
    decided: Review | None = None


def _lock(review: Review) -> Review:
    # Every vote, verification and recusal locks the review row (and its use case's), so
    # decisions are computed one at a time and two concurrent votes can never both miss each
    # other. Not the policy row it reads too: every review of a tier shares it.
    return (
        Review.objects.select_for_update(of=("self", "use_case"))
        .select_related("use_case", "policy")
        .get(pk=review.pk)
    )


def _require_open(review: Review) -> None:
    if review.state != ReviewState.OPEN:
        raise TransitionNotAllowed(
            gettext("This review is decided: nothing more can be recorded on it.")
        )


# ---- opening and assignment ----------------------------------------------------------------


def review_open(*, actor: User, use_case: UseCase) -> Review:
    """Open (or reopen for a new revision) the review of a just-submitted use case.

    Part of submitting (workflows.usecase_submit), inside its transaction.
    """
    review = use_case.reviews.select_for_update().order_by("-opened_at").first()
    if review is not None and review.outcome == Outcome.CHANGES_REQUESTED:
        return _reopen(review=review, use_case=use_case, actor=actor)
    return _create_review(use_case=use_case, actor=actor)


def _create_review(
    *, use_case: UseCase, actor: User | None, kind: str = ReviewKind.INITIAL, reason: str = ""
) -> Review:
    review = _new_review(
        use_case=use_case,
        kind=kind,
        reason=reason,
        policy=ReviewPolicy.objects.get(tier=use_case.risk_tier, active=True),
        template=ChecklistTemplate.objects.get(active=True),
    )
    audit_record(
        actor=actor,
        action="review_opened",
        obj=review,
        object_ref=use_case.reference,
        changes=_opened_changes(review),
    )
    for role in review.required_roles:
        _assign_next(review=review, role=role, actor=actor)
    _assign_verifiers(review=review, actor=actor)
    regroup(review)
    return review


def _new_review(
    *, use_case: UseCase, kind: str, reason: str, policy: ReviewPolicy, template: ChecklistTemplate
) -> Review:
    """The review of the use case's current revision under the policy of its tier, due after
    the policy's working days."""
    now = timezone.now()
    return Review.objects.create(
        use_case=use_case,
        revision=use_case.revision,
        kind=kind,
        reason=reason,
        policy=policy,
        checklist_template=template,
        required_roles=rules.required_roles(
            policy_roles=policy.required_roles, functions=use_case.functions
        ),
        opened_at=now,
        due_date=rules.add_working_days(timezone.localdate(now), policy.sla_working_days),
    )


def _opened_changes(review: Review) -> dict[str, list[Any]]:
    """What the review_opened event records of a new review."""
    return {
        "revision": [None, review.revision],
        "policy": [None, str(review.policy)],
        "required_roles": [None, review.required_roles],
        "due_date": [None, review.due_date],
        "kind": [None, review.kind],
        "reason": [None, review.reason],
    }


def _reopen(*, review: Review, use_case: UseCase, actor: User) -> Review:
    before = review.revision
    review.revision = use_case.revision
    review.state, review.outcome, review.proposed_outcome = ReviewState.OPEN, "", ""
    review.decided_at, review.decided_by, review.decided_by_chair, review.rationale = (
        None,
        None,
        False,
        "",
    )
    review.due_date = rules.add_working_days(timezone.localdate(), review.policy.sla_working_days)
    review.save()
    loads_change(seats_of(review), +1)  # its seats count again while it is open
    audit_record(
        actor=actor,
        action="review_reopened",
        obj=review,
        object_ref=use_case.reference,
        changes={"revision": [before, review.revision], "state": ["decided", "open"]},
    )
    # Reviewers vote and verifiers verify again on the new revision: tell each of them.
    for assignment in review.assignments.filter(recused=False).select_related("reviewer"):
        notify_assigned(assignment)
    # The new answers may make items of other roles apply, or none of a verifier's role.
    _assign_verifiers(review=review, actor=actor)
    regroup(review)  # the votes on the previous revision no longer count
    return review


@transaction.atomic
def review_seat_verifiers(*, actor: User, review: Review) -> Review:
    """Seat the verifiers an open review lacks, e.g. one opened before verifiers existed
    (`manage.py assign_verifiers`). A review that has them all is left as it is."""
    review = _lock(review)
    _require_open(review)
    _assign_verifiers(review=review, actor=actor)
    return review


def _assign_verifiers(*, review: Review, actor: User | None) -> None:
    """Seat a verifier for each role that verifies an applicable item but has no vote, and
    release the verifiers whose role no longer has an applicable item (SPEC section 5)."""
    needed = verifier_roles(review)
    for assignment in review.assignments.filter(recused=False, voting=False):
        if assignment.role not in needed:
            _step_down(
                review=review,
                assignment=assignment,
                reason=f"No checklist item of this role applies to revision {review.revision}.",
                actor=actor,
            )
            audit_record(
                actor=actor,
                action="verifier_released",
                obj=review,
                object_ref=review.use_case.reference,
                changes={"role": [assignment.role, None], "revision": [None, review.revision]},
            )
    seated = set(review.assignments.filter(recused=False).values_list("role", flat=True))
    for role in needed:
        if role not in seated:
            _assign_next(review=review, role=role, actor=actor, voting=False)


def _step_down(*, review: Review, assignment: Assignment, reason: str, actor: User | None) -> None:
    """End an assignment; the person loses access unless another role keeps them on the review."""
    assignment.recused, assignment.recusal_reason = True, reason
    assignment.save(update_fields=["recused", "recusal_reason"])
    loads_change([assignment.reviewer_id], -1)
    if not review.assignments.filter(reviewer=assignment.reviewer, recused=False).exists():
        usecase_revoke_access(
            actor=actor,
            use_case=review.use_case,
            user=assignment.reviewer,
            why="no longer a reviewer",
        )


def _assign_next(
    *,
    review: Review,
    role: str,
    actor: User | None,
    exclude_ids: Iterable[int] = (),
    voting: bool = True,
) -> Assignment | None:
    """The least loaded eligible member takes the seat; verifiers as reviewers (four eyes)."""
    reviewer = eligible_reviewers(
        role=role, use_case=review.use_case, exclude_ids=exclude_ids
    ).first()
    if reviewer is None:
        audit_record(
            actor=actor,
            action="assignment_pending",
            obj=review,
            object_ref=review.use_case.reference,
            changes={
                "role": [None, role],
                "voting": [None, voting],
                "why": [None, "no eligible member holds this role"],
            },
        )
        return None
    return _assign(review=review, role=role, reviewer=reviewer, actor=actor, voting=voting)


def _assign(
    *, review: Review, role: str, reviewer: User, actor: User | None, voting: bool
) -> Assignment:
    seat = "reviewer" if voting else "verifier"
    assignment = Assignment.objects.create(
        review=review, role=role, reviewer=reviewer, voting=voting
    )
    loads_change([reviewer.pk], +1)
    usecase_grant_access(
        actor=actor, use_case=review.use_case, user=reviewer, why=f"{seat} ({role})"
    )
    notify_assigned(assignment)
    audit_record(
        actor=actor,
        action=f"{seat}_assigned",
        obj=review,
        object_ref=review.use_case.reference,
        changes={"role": [None, role], "reviewer": [None, reviewer.get_username()]},
    )
    return assignment


@transaction.atomic
def review_reassign(*, actor: User, review: Review, role: str, reviewer: User) -> Assignment:
    """The chair puts another member on a role's seat (after a recusal, or to rebalance): a
    voting role, or a role that verifies checklist items without a vote."""
    refuse(reassign_refusal(Standing(user=actor, review=review)))
    review = _lock(review)
    _require_open(review)
    (label,) = role_labels([role])
    if role not in seat_roles(review):
        raise ValidationError(
            {
                "role": [
                    gettext("%(role)s neither votes nor verifies checklist items on this review.")
                    % {"role": label}
                ]
            }
        )
    name = reviewer.get_full_name() or reviewer.get_username()
    if role not in user_active_roles(reviewer):
        raise ValidationError(
            {
                "reviewer": [
                    gettext("%(name)s does not hold the %(role)s role: choose a %(role)s member.")
                    % {"name": name, "role": label}
                ]
            }
        )
    if conflicted(user=reviewer, use_case=review.use_case):
        raise ValidationError(
            {
                "reviewer": [
                    gettext(
                        "Four eyes: %(name)s submitted, owns or is in the team of this use case, "
                        "so cannot take the %(role)s seat."
                    )
                    % {"name": name, "role": label}
                ]
            }
        )
    if is_auditor(reviewer):
        raise ValidationError(
            {
                "reviewer": [
                    gettext("%(rule)s %(name)s cannot take the %(role)s seat.")
                    % {"rule": AUDITORS_READ_ONLY, "name": name, "role": label}
                ]
            }
        )
    for current in review.assignments.filter(role=role, recused=False):
        _step_down(
            review=review,
            assignment=current,
            reason=f"Reassigned by the chair to {reviewer.get_username()}",
            actor=actor,
        )
    assignment = _assign(
        review=review,
        role=role,
        reviewer=reviewer,
        actor=actor,
        voting=role in review.required_roles,
    )
    regroup(review)
    return assignment


@transaction.atomic
def review_recuse(
    *, actor: User, review: Review, reason: str
) -> RecordedWithDecision[list[Assignment]]:
    """A reviewer steps back with a reason; each role they held goes to the next eligible member."""
    review = _lock(review)
    _require_open(review)
    standing = Standing(user=actor, review=review)
    refuse(recuse_refusal(standing))
    mine = standing.seats
    if not reason.strip():
        raise ValidationError({"reason": [gettext("Say why you recuse yourself.")]})
    replacements = []
    for assignment in mine:
        _step_down(review=review, assignment=assignment, reason=reason, actor=actor)
        audit_record(
            actor=actor,
            action="reviewer_recused",
            obj=review,
            object_ref=review.use_case.reference,
            changes={"role": [assignment.role, None], "reason": [None, reason]},
        )
        replacement = _assign_next(
            review=review,
            role=assignment.role,
            actor=actor,
            exclude_ids=[actor.pk],
            voting=assignment.voting,
        )
        if replacement:
            replacements.append(replacement)
    # The recused reviewer's vote no longer counts; the outcome may change.
    Vote.objects.filter(
        review=review, reviewer=actor, revision=review.revision, current=True
    ).update(current=False)
    regroup(review)
    return RecordedWithDecision(replacements, decided=_recompute(review=review, actor=actor))


# ---- checklist -------------------------------------------------------------------------------


def _item_on(review: Review, item_id: int) -> ChecklistItem:
    item = review.checklist_template.items.filter(pk=item_id).first()
    if item is None or not item_applies(item, judged_answers(review)):
        raise ValidationError(
            {"item": [gettext("This checklist item does not apply to this use case.")]}
        )
    return item


class ChecklistSectionRefused(Exception):
    """What stopped a section of the checklist from being saved, item by item: nothing was saved.

    `errors`: item id -> {field: [messages]}; `stale`: item id -> the StaleEdit of an answer
    saved by someone else since the page was read."""

    def __init__(
        self, *, errors: Mapping[int, dict[str, list[str]]], stale: Mapping[int, StaleEdit]
    ) -> None:
        super().__init__("Nothing was saved: some answers of the section need attention.")
        self.errors = dict(errors)
        self.stale = dict(stale)


def _answer_errors(
    *, answer: str, evidence: str, upload: "UploadedFile[bytes] | None"
) -> dict[str, list[str]]:
    """What is wrong with one answer, by field (empty: nothing)."""
    errors: dict[str, list[str]] = {}
    if answer not in AnswerChoice.values:
        errors["answer"] = [
            gettext("Answer one of: %(values)s.") % {"values": ", ".join(AnswerChoice.values)}
        ]
    elif answer == AnswerChoice.NOT_APPLICABLE and not evidence.strip():
        errors["evidence"] = [gettext("Justify why the item does not apply.")]
    if upload is not None:
        try:
            validate_upload(upload)
        except ValidationError as error:
            errors.update(error.message_dict)
    return errors


def store_evidence_file(row: EvidenceFile, upload: "UploadedFile[bytes]") -> dict[str, Any]:
    """Store the file on the row, a checklist answer or a condition (deleted again if the
    transaction rolls back, and the file it replaces once it commits); what the audit event
    says of it."""
    content_type = validate_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    replaced = row.evidence_file.name
    # validate_upload accepted a named file of a known extension and size.
    name = (upload.name or "")[:255]
    row.evidence_file.save(name, upload, save=False)
    delete_unless_committed(row.evidence_file)
    if replaced:
        storage = row.evidence_file.storage
        transaction.on_commit(lambda: storage.delete(replaced))
    row.evidence_file_name, row.evidence_file_type = name, content_type
    row.evidence_file_size, row.evidence_file_sha256 = upload.size, digest.hexdigest()
    return {"name": name, "sha256": row.evidence_file_sha256, "size": upload.size}


def _record_answer(
    *,
    actor: User,
    review: Review,
    item: ChecklistItem,
    row: ChecklistAnswer | None,
    answer: str,
    evidence: str,
    upload: "UploadedFile[bytes] | None",
) -> ChecklistAnswer:
    if row is None:
        row = ChecklistAnswer(review=review, item=item, revision=review.revision, version=0)
    row.answer, row.evidence = answer, evidence
    row.answered_by, row.answered_at = actor, timezone.now()
    # A changed answer must be verified again.
    row.verdict, row.verification_comment, row.verified_by, row.verified_at = "", "", None, None
    said: dict[str, Any] = {"answer": answer, "evidence": evidence}
    if upload is not None:
        said["file"] = store_evidence_file(row, upload)
    row.version += 1
    row.save()
    audit_record(
        actor=actor,
        action="checklist_answered",
        obj=review,
        object_ref=review.use_case.reference,
        changes={item.code: [None, said]},
    )
    # No decision to compute: an answer only ever withdraws a verification, never adds one.
    return row


@transaction.atomic
def checklist_answer(
    *,
    actor: User,
    review: Review,
    item_id: int,
    answer: str,
    evidence: str = "",
    version: int | None = None,
    upload: "UploadedFile[bytes] | None" = None,
) -> ChecklistAnswer:
    """The team answers an item of the revision under review, with evidence (text, and a file
    if `upload`).

    `version`: the one of the saved answer the new one was read at (None: not checked); when
    someone answered since, StaleEdit says who and when, and nothing is saved."""
    review = _lock(review)
    _require_open(review)
    refuse(checklist_answer_refusal(Standing(user=actor, review=review)))
    item = _item_on(review, item_id)
    errors = _answer_errors(answer=answer, evidence=evidence, upload=upload)
    if errors:
        raise ValidationError(errors)
    # Read under the review's lock taken above, so two saves of one version cannot both pass.
    row = checklist_answer_saved(review, item)
    refuse(checklist_answer_stale_refusal(row, version))
    return _record_answer(
        actor=actor,
        review=review,
        item=item,
        row=row,
        answer=answer,
        evidence=evidence,
        upload=upload,
    )


@transaction.atomic
def checklist_section_answer(
    *, actor: User, review: Review, section: str, answers: Iterable[Mapping[str, Any]]
) -> list[ChecklistAnswer]:
    """The team saves the answers of one checklist section at once: all of them, or none.

    `answers`: {"item": id, "answer", "evidence", "version" (as checklist_answer), "upload"
    (a file or None)} for each item whose answer changed. Every problem of every item is found
    before anything is written, and raised together (ChecklistSectionRefused), each with its
    item: a page shows each next to its item, the input kept."""
    review = _lock(review)
    _require_open(review)
    refuse(checklist_answer_refusal(Standing(user=actor, review=review)))
    in_section = {item.pk: item for item in applicable_items(review) if item.section == section}
    errors: dict[int, dict[str, list[str]]] = {}
    stale: dict[int, StaleEdit] = {}
    checked = []
    for entry in answers:
        item = in_section.get(int(entry["item"]))
        if item is None:
            errors[int(entry["item"])] = {
                "item": [gettext("This item is not one of the section's items for this use case.")]
            }
            continue
        problems = _answer_errors(
            answer=entry["answer"], evidence=entry.get("evidence", ""), upload=entry.get("upload")
        )
        if problems:
            errors[item.pk] = problems
        # Read under the review's lock taken above, so two saves of one version cannot both pass.
        row = checklist_answer_saved(review, item)
        refusal = checklist_answer_stale_refusal(row, entry.get("version"))
        if refusal is not None:
            stale[item.pk] = refusal
        checked.append((item, row, entry))
    if errors or stale:
        raise ChecklistSectionRefused(errors=errors, stale=stale)
    return [
        _record_answer(
            actor=actor,
            review=review,
            item=item,
            row=row,
            answer=entry["answer"],
            evidence=entry.get("evidence", ""),
            upload=entry.get("upload"),
        )
        for item, row, entry in checked
    ]


@transaction.atomic
def checklist_verify(
    *, actor: User, review: Review, item_id: int, verdict: str, comment: str = ""
) -> RecordedWithDecision[ChecklistAnswer]:
    """The reviewer or verifier of the item's role verifies or rejects the team's answer."""
    review = _lock(review)
    _require_open(review)
    item = _item_on(review, item_id)
    refuse(checklist_verify_refusal(Standing(user=actor, review=review), item))
    row = ChecklistAnswer.objects.filter(review=review, item=item, revision=review.revision).first()
    if row is None:
        raise ValidationError({"item": [gettext("The team has not answered this item yet.")]})
    if verdict not in Verdict.values:
        raise ValidationError(
            {
                "verdict": [
                    gettext("Choose one of: %(values)s.") % {"values": ", ".join(Verdict.values)}
                ]
            }
        )
    if verdict == "rejected" and not comment.strip():
        raise ValidationError({"comment": [gettext("Say what is missing or wrong.")]})
    row.verdict, row.verification_comment = verdict, comment
    row.verified_by, row.verified_at = actor, timezone.now()
    row.save()
    audit_record(
        actor=actor,
        action="checklist_verified",
        obj=review,
        object_ref=review.use_case.reference,
        changes={item.code: [None, {"verdict": verdict, "comment": comment}]},
    )
    return RecordedWithDecision(row, decided=_recompute(review=review, actor=actor))


# ---- votes and decisions ---------------------------------------------------------------------


def _same_vote(vote: Vote, choice: str, reasons: str, conditions: list[dict[str, Any]]) -> bool:
    """Whether a vote says exactly what the reviewer's standing vote says."""
    asked = [(c["text"], c.get("blocking", True), c.get("due_date")) for c in conditions]
    standing = list(vote.conditions.order_by("pk").values_list("text", "blocking", "due_date"))
    return (vote.choice, vote.reasons, standing) == (choice, reasons, asked)


@transaction.atomic
def vote_cast(
    *,
    actor: User,
    review: Review,
    choice: str,
    reasons: str = "",
    conditions: Iterable[dict[str, Any]] = (),
) -> RecordedWithDecision[Vote]:
    review = _lock(review)
    _require_open(review)
    standing = Standing(user=actor, review=review)
    refuse(vote_refusal(standing))
    roles = standing.voting_roles
    conditions = list(conditions)
    _validate_vote(choice=choice, reasons=reasons, conditions=conditions)
    previous = Vote.objects.filter(
        review=review, reviewer=actor, revision=review.revision, current=True
    )
    standing_vote = previous.first()
    if standing_vote is not None and _same_vote(standing_vote, choice, reasons, conditions):
        # A repeat (a double click, a client retrying) changes nothing and records nothing.
        return RecordedWithDecision(standing_vote)
    before = standing_vote.choice if standing_vote else None
    _drop_conditions_of(previous, actor=actor, review=review)
    previous.update(current=False)
    vote = Vote.objects.create(
        review=review,
        reviewer=actor,
        revision=review.revision,
        roles=roles,
        choice=choice,
        reasons=reasons,
        cast_at=timezone.now(),
    )
    for condition in conditions:
        Condition.objects.create(
            review=review,
            vote=vote,
            text=condition["text"],
            blocking=condition.get("blocking", True),
            due_date=condition.get("due_date"),
            owner=review.use_case.business_owner,
            confirming_role=_confirming_role(roles),
        )
    audit_record(
        actor=actor,
        action="vote_cast",
        obj=review,
        object_ref=review.use_case.reference,
        changes={
            "vote": [before, choice],
            "roles": [None, roles],
            "revision": [None, review.revision],
            "reasons": [None, reasons],
            "conditions": [None, [c["text"] for c in conditions]],
        },
    )
    regroup(review)
    return RecordedWithDecision(vote, decided=_recompute(review=review, actor=actor))


def _confirming_role(roles: list[str]) -> str:
    """The role whose holder confirms a condition of a vote cast for `roles` (the first seat)."""
    return roles[0] if roles else CouncilRole.CHAIR


def _drop_conditions_of(votes: QuerySet[Vote], *, actor: User, review: Review) -> None:
    """A replaced vote's open conditions no longer stand: the new vote says what is required."""
    superseded = Condition.objects.filter(vote__in=votes, status=ConditionStatus.OPEN)
    texts = list(superseded.values_list("text", flat=True))
    if texts:
        superseded.delete()
        audit_record(
            actor=actor,
            action="conditions_superseded",
            obj=review,
            object_ref=review.use_case.reference,
            changes={"conditions": [texts, None]},
        )


def _validate_vote(*, choice: str, reasons: str, conditions: list[dict[str, Any]]) -> None:
    errors = {}
    if choice not in VoteChoice.values:
        errors["choice"] = [
            gettext("'%(choice)s' is not a vote. Choose one of: %(values)s.")
            % {"choice": choice, "values": ", ".join(VoteChoice.values)}
        ]
    if choice in NEEDS_REASONS and not reasons.strip():
        errors["reasons"] = [gettext("Give the reasons for this vote: the team needs them to act.")]
    if choice == VoteChoice.APPROVE_WITH_CONDITIONS and not conditions:
        errors["conditions"] = [gettext("List at least one condition.")]
    if choice != VoteChoice.APPROVE_WITH_CONDITIONS and conditions:
        errors["conditions"] = [gettext("Conditions go with 'approve with conditions' only.")]
    if any(not str(c.get("text", "")).strip() for c in conditions):
        errors["conditions"] = [gettext("Every condition needs a text.")]
    if errors:
        raise ValidationError(errors)


def _open_conditions_of_current_votes(review: Review) -> bool:
    return standing_conditions().filter(review=review).exists()


def _recompute(*, review: Review, actor: User) -> Review | None:
    """Apply SPEC section 5's decision rules after any vote, verification or recusal; the review
    if they decide it."""
    votes = current_votes_by_role(review)
    # The checklist and conditions count only once every required role is heard (rules.decide
    # decides nothing before): skip reading them until then.
    heard = rules.all_required_voted(required=review.required_roles, votes=votes)
    outcome = rules.decide(
        required=review.required_roles,
        votes=votes,
        checklist_complete=heard and checklist_complete(review),
        has_conditions=heard and _open_conditions_of_current_votes(review),
    )
    _propose_rejection(review=review, actor=actor, proposed=outcome == rules.REJECTION_PROPOSED)
    if outcome in (None, rules.REJECTION_PROPOSED):
        return None
    return _decide(review=review, outcome=outcome, actor=actor, by_chair=False, rationale="")


def _propose_rejection(*, review: Review, actor: User, proposed: bool) -> None:
    """A reject once every role voted waits for the chair; a changed vote or a recusal may
    withdraw the proposal. Each change is audited; the chair hears of a new proposal."""
    before = review.proposed_outcome
    after = Outcome.REJECTED if proposed else ""
    if before == after:
        return
    review.proposed_outcome = after
    review.save(update_fields=["proposed_outcome"])
    audit_record(
        actor=actor,
        action="rejection_proposed" if proposed else "rejection_proposal_withdrawn",
        obj=review,
        object_ref=review.use_case.reference,
        changes={"proposed_outcome": [before or None, after or None]},
    )
    if proposed:
        notify_rejection_proposed(review)


def _decide(*, review: Review, outcome: str, actor: User, by_chair: bool, rationale: str) -> Review:
    review.state, review.outcome, review.proposed_outcome = ReviewState.DECIDED, outcome, ""
    _leave_pipeline(review)
    review.decided_by_chair, review.rationale = by_chair, rationale
    review.decided_by, review.decided_at = actor if by_chair else None, timezone.now()
    review.save()
    audit_record(
        actor=actor,
        action="chair_decision" if by_chair else "review_decided",
        obj=review,
        object_ref=review.use_case.reference,
        changes={
            "outcome": [None, outcome],
            "rationale": [None, rationale],
            "by_chair": [None, by_chair],
        },
    )
    return review


def _leave_pipeline(review: Review) -> None:
    """A review being decided or closed has no pipeline group (saved with it), and its seats
    weigh on nobody any more."""
    review.group = None
    loads_change(seats_of(review), -1)


@transaction.atomic
def review_open_for_deployed(
    *, actor: User | None, use_case: UseCase, kind: str, reason: str
) -> Review | None:
    """Open a change review or re-review of a deployed use case (its entries keep running).

    Returns None when a review is already under way (one is open, or the council asked the team
    for changes and waits for the next revision) or the use case is no longer in service. One
    review at a time covers every reason.
    """
    use_case = UseCase.objects.select_for_update().get(pk=use_case.pk)
    if not usecase_settled_in_service(use_case):
        return None
    return _create_review(use_case=use_case, actor=actor, kind=kind, reason=reason)


class LegacyReviews:
    """Opens the first reviews of the tools an import brings in, thousands in one transaction.

    Each review is opened as `_create_review` opens one (the policy of its tier, every voting
    and verifying seat given to the least loaded member free of a conflict), but what a review
    reads is read once per import: the policies, the checklist, each role's holders and their
    load, counted on as seats are given. Its seats and the access they grant are one audit
    event; its reviewers are told once for the whole import
    (`reviews.notifications.notify_legacy_reviews`)."""

    def __init__(self, *, actor: User) -> None:
        self.actor = actor
        self.template = ChecklistTemplate.objects.get(active=True)
        self.items = list(self.template.items.all())
        self.policies = {p.tier: p for p in ReviewPolicy.objects.filter(active=True)}
        self.load = Counter(loads_of())
        self._free: dict[tuple[int, int | None], dict[str, list[User]]] = {}
        self.seats: Counter[int] = Counter()  # reviewer id -> seats given by this import

    def open(self, *, use_case: UseCase, reason: str) -> Review:
        review = _new_review(
            use_case=use_case,
            kind=ReviewKind.LEGACY,
            reason=reason,
            policy=self.policies[use_case.risk_tier],
            template=self.template,
        )
        answers = judged_answers(review)
        verifying = {i.role for i in self.items if item_applies(i, answers)}
        verifying -= set(review.required_roles)
        roles = [(role, True) for role in review.required_roles] + [
            (role, False) for role in sorted(verifying, key=rules.ROLE_ORDER.index)
        ]
        seated = [(role, voting, self._least_loaded(use_case, role)) for role, voting in roles]
        given = [(role, voting, user) for role, voting, user in seated if user is not None]
        Assignment.objects.bulk_create(
            Assignment(review=review, role=role, reviewer=user, voting=voting)
            for role, voting, user in given
        )
        loads_change([user.pk for _, _, user in given], +1)
        usecase_grant_access_many(
            actor=self.actor,
            use_case=use_case,
            grants=[
                (user, f"{'reviewer' if voting else 'verifier'} ({role})")
                for role, voting, user in given
            ],
        )
        audit_record(
            actor=self.actor,
            action="review_opened",
            obj=review,
            object_ref=use_case.reference,
            changes={
                **_opened_changes(review),
                "seats": [
                    None,
                    [
                        {"role": role, "reviewer": user.get_username(), "voting": voting}
                        for role, voting, user in given
                    ],
                ],
                "pending": [None, [role for role, _, user in seated if user is None]],
            },
        )
        regroup(review)
        return review

    def _least_loaded(self, use_case: UseCase, role: str) -> User | None:
        """As `_assign_next`: the least loaded member free to take the role's seat."""
        free = self._free_by_role(use_case).get(role, [])
        if not free:
            return None
        user = min(free, key=lambda u: (self.load[u.pk], u.pk))
        self.load[user.pk] += 1
        self.seats[user.pk] += 1
        return user

    def _free_by_role(self, use_case: UseCase) -> dict[str, list[User]]:
        """Who is free of a conflict with an imported use case depends only on its team and its
        owner (its author and the submitter of its one revision): read once per pair."""
        key = (use_case.team_id, use_case.business_owner_id)
        if key not in self._free:
            by_role: dict[str, list[User]] = {}
            seen: set[tuple[str, int]] = set()  # a role held twice lists its holder once
            for held in free_roles(use_case).select_related("user"):
                if (held.role, held.user_id) not in seen:
                    seen.add((held.role, held.user_id))
                    by_role.setdefault(held.role, []).append(held.user)
            self._free[key] = by_role
        return self._free[key]


@transaction.atomic
def decision_record_by_chair(
    *,
    actor: User,
    review: Review,
    outcome: str,
    rationale: str,
    waivers: Iterable[Mapping[str, Any]] = (),
) -> RecordedWithDecision[Review]:
    """The chair decides with a written rationale once every required role has voted: confirms
    a proposed rejection, overturns it, or settles what the votes left open.

    An approval needs every applicable required item verified, or each one that is not waived:
    `waivers` lists {"item": id, "reason": "..."}; each waiver is recorded and audited.
    """
    refuse(decision_refusal(Standing(user=actor, review=review)))
    review = _lock(review)
    _require_open(review)
    if not rules.all_required_voted(
        required=review.required_roles, votes=current_votes_by_role(review)
    ):
        raise TransitionNotAllowed(
            gettext("The chair can decide only once every required role has voted.")
        )
    waivers = list(waivers)
    errors: dict[str, list[str] | list[ValidationError]] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = [
            gettext("Choose one of: %(values)s.") % {"values": ", ".join(Outcome.values)}
        ]
    if not rationale.strip():
        errors["rationale"] = [gettext("A chair decision needs a written rationale.")]
    unverified = unverified_required_items(review)
    waiver_errors = _waiver_errors(outcome=outcome, unverified=unverified, waivers=waivers)
    if waiver_errors:
        errors["waivers"] = waiver_errors
    if errors:
        raise ValidationError(errors)
    if outcome in APPROVALS:
        reasons = {int(w["item"]): w["reason"].strip() for w in waivers}
        for item in unverified:
            _waive(review=review, item=item, reason=reasons[item.pk], actor=actor)
    decided = _decide(
        review=review, outcome=outcome, actor=actor, by_chair=True, rationale=rationale
    )
    return RecordedWithDecision(decided, decided=decided)


def _waiver_errors(
    *, outcome: str, unverified: list[ChecklistItem], waivers: list[Mapping[str, Any]]
) -> list[ValidationError]:
    """One message per problem, each naming its item (`params["item"]`, so a page can put it
    next to that item's field): an unverified required item an approval does not waive with a
    reason, a waiver of an item that needs none, a waiver with another outcome."""
    if outcome not in APPROVALS:
        return (
            [ValidationError(gettext("Waivers go with an approval only: no item was waived."))]
            if waivers
            else []
        )
    codes = {item.pk: item.code for item in unverified}
    errors, reasons = [], {}
    for waiver in waivers:
        item_id = int(waiver["item"])
        if item_id not in codes:
            errors.append(
                ValidationError(
                    gettext(
                        "Item %(item)s is not an unverified required item of this review: "
                        "there is nothing to waive."
                    )
                    % {"item": item_id},
                    params={"item": item_id},
                )
            )
        elif item_id in reasons:
            errors.append(
                ValidationError(
                    gettext("%(code)s is waived twice.") % {"code": codes[item_id]},
                    params={"item": item_id},
                )
            )
        reasons[item_id] = str(waiver.get("reason", "")).strip()
    for item in unverified:
        if not reasons.get(item.pk):
            errors.append(
                ValidationError(
                    gettext(
                        "%(code)s is not verified: give the reason to waive it, or wait for its "
                        "verification."
                    )
                    % {"code": item.code},
                    params={"item": item.pk},
                )
            )
    return errors


def _waive(*, review: Review, item: ChecklistItem, reason: str, actor: User) -> ChecklistWaiver:
    waiver = ChecklistWaiver.objects.create(
        review=review,
        item=item,
        revision=review.revision,
        reason=reason,
        waived_by=actor,
        waived_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="checklist_item_waived",
        obj=review,
        object_ref=review.use_case.reference,
        changes={item.code: [None, reason], "revision": [None, review.revision]},
    )
    return waiver


# ---- conditions and comments -----------------------------------------------------------------


def _lock_condition(condition: Condition) -> Condition:
    return (
        Condition.objects.select_for_update()
        .select_related("review__use_case")
        .get(pk=condition.pk)
    )


def _require_status(condition: Condition, status: str, doing: str) -> None:
    if condition.status != status:
        raise TransitionNotAllowed(
            gettext("This condition is %(status)s: it cannot be %(doing)s.")
            % {"status": condition.get_status_display().lower(), "doing": doing}
        )


@transaction.atomic
def condition_meet(
    *,
    actor: User,
    condition: Condition,
    evidence: str,
    upload: "UploadedFile[bytes] | None" = None,
) -> Condition:
    """The team marks the condition met with its evidence (text, a file or both): it then waits
    for the council role that set it to confirm it (`condition_confirm`)."""
    condition = _lock_condition(condition)
    refuse(condition_meet_refusal(Standing(user=actor, review=condition.review)))
    _require_status(condition, ConditionStatus.OPEN, gettext("marked met"))
    if not evidence.strip() and upload is None:
        raise ValidationError(
            {"evidence": [gettext("Show how the condition is met: a few words, a link or a file.")]}
        )
    said: dict[str, Any] = {"evidence": evidence}
    if upload is not None:
        said["file"] = store_evidence_file(condition, upload)
    condition.status, condition.evidence = ConditionStatus.CLAIMED, evidence
    condition.claimed_by, condition.claimed_at = actor, timezone.now()
    condition.save()
    _audit_condition(
        actor=actor,
        condition=condition,
        action="condition_claimed",
        before=ConditionStatus.OPEN,
        said=said,
    )
    notify_condition_marked_met(condition, actor=actor)
    return condition


@transaction.atomic
def condition_confirm(
    *, actor: User, condition: Condition, verdict: str, comment: str = ""
) -> Condition:
    """The council role that set the condition confirms it is met, or sends it back to the team
    with a comment (open again, the comment kept and shown)."""
    condition = _lock_condition(condition)
    refuse(condition_confirm_refusal(Standing(user=actor, review=condition.review), condition))
    _validate_confirmation(verdict=verdict, comment=comment)
    _require_status(condition, ConditionStatus.CLAIMED, gettext("confirmed or sent back"))
    if verdict == ConfirmVerdict.CONFIRMED:
        condition.status, condition.closed_at = ConditionStatus.MET, timezone.now()
        condition.closed_by = actor
        action = "condition_confirmed"
    else:
        condition.status, condition.sent_back_comment = ConditionStatus.OPEN, comment
        condition.sent_back_by, condition.sent_back_at = actor, timezone.now()
        action = "condition_sent_back"
    condition.save()
    _audit_condition(
        actor=actor,
        condition=condition,
        action=action,
        before=ConditionStatus.CLAIMED,
        said={"comment": comment} if comment else {},
    )
    if verdict == ConfirmVerdict.SENT_BACK:
        notify_condition_sent_back(condition, actor=actor)
    return condition


def _validate_confirmation(*, verdict: str, comment: str) -> None:
    if verdict not in ConfirmVerdict.values:
        raise ValidationError(
            {
                "verdict": [
                    gettext("Choose one of: %(values)s.")
                    % {"values": ", ".join(ConfirmVerdict.values)}
                ]
            }
        )
    if verdict == ConfirmVerdict.SENT_BACK and not comment.strip():
        raise ValidationError(
            {
                "comment": [
                    gettext("Say what is missing: the team reads it before marking it met again.")
                ]
            }
        )


@transaction.atomic
def condition_waive(*, actor: User, condition: Condition, reason: str) -> Condition:
    refuse(condition_waive_refusal(Standing(user=actor, review=condition.review)))
    condition = _lock_condition(condition)
    if not reason.strip():
        raise ValidationError({"reason": [gettext("Say why the condition is waived.")]})
    _require_status(condition, ConditionStatus.OPEN, gettext("waived"))
    condition.status, condition.waiver_reason = ConditionStatus.WAIVED, reason
    condition.closed_by, condition.closed_at = actor, timezone.now()
    condition.save()
    _audit_condition(
        actor=actor,
        condition=condition,
        action="condition_waived",
        before=ConditionStatus.OPEN,
        said={"waiver_reason": reason},
    )
    return condition


def _audit_condition(
    *, actor: User, condition: Condition, action: str, before: str, said: dict[str, Any]
) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=condition,
        object_ref=condition.review.use_case.reference,
        changes={
            "status": [before, condition.status],
            **{name: [None, value] for name, value in said.items()},
        },
    )


@transaction.atomic
def comment_add(*, actor: User, review: Review, body: str, is_question: bool = False) -> Comment:
    refuse(comment_refusal(Standing(user=actor, review=review)))
    if not body.strip():
        raise ValidationError({"body": [gettext("Write something.")]})
    comment = Comment.objects.create(
        review=review, author=actor, body=body, is_question=is_question
    )
    audit_record(
        actor=actor,
        action="comment_added",
        obj=review,
        object_ref=review.use_case.reference,
        changes={"comment": [None, body[:500]], "question": [None, is_question]},
    )
    notify_question_to_team(comment)
    return comment


def review_close_withdrawn(*, actor: User, use_case: UseCase) -> None:
    """A withdrawn use case's open review closes without an outcome."""
    for review in use_case.reviews.select_for_update().filter(state=ReviewState.OPEN):
        review.state, review.proposed_outcome = ReviewState.DECIDED, ""
        _leave_pipeline(review)
        review.decided_at = timezone.now()
        review.save(update_fields=["state", "proposed_outcome", "group", "decided_at"])
        audit_record(
            actor=actor,
            action="review_closed",
            obj=review,
            object_ref=use_case.reference,
            changes={"state": ["open", "decided"], "why": [None, "use case withdrawn"]},
        )
