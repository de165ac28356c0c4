"""Every write of council review: atomic, rule-checked, audited (SPEC section 5)."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from council.errors import ActionForbidden, TransitionNotAllowed
from council.selectors import is_chair, user_active_roles
from usecases.models import UseCase
from usecases.selectors import usecase_is_editor

from . import rules
from .models import (
    AnswerChoice,
    Assignment,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistTemplate,
    Comment,
    Condition,
    ConditionStatus,
    Outcome,
    Review,
    ReviewKind,
    ReviewPolicy,
    ReviewState,
    Verdict,
    Vote,
    VoteChoice,
)
from .notifications import notify_assigned, notify_decision
from .selectors import (
    checklist_complete,
    conflicted,
    current_votes_by_role,
    eligible_reviewers,
    item_is_applicable,
    standing_conditions,
    usecase_settled_in_service,
)

NEEDS_REASONS = {VoteChoice.REQUEST_CHANGES, VoteChoice.REJECT}


def _lock(review: Review) -> Review:
    # Every vote, verification and recusal locks the review row, so decisions are computed
    # one at a time and two concurrent votes can never both miss each other.
    return Review.objects.select_for_update().select_related("use_case").get(pk=review.pk)


def _require_open(review: Review) -> None:
    if review.state != ReviewState.OPEN:
        raise TransitionNotAllowed("This review is decided: nothing more can be recorded on it.")


def _require_four_eyes(*, actor, review: Review, doing: str) -> None:
    if conflicted(user=actor, use_case=review.use_case):
        raise ActionForbidden(
            f"Four eyes: you cannot {doing} a use case you submitted, own, or whose team you belong to."
        )


def _require_chair(actor, doing: str) -> None:
    if not is_chair(actor):
        raise ActionForbidden(f"Only the chair can {doing}.")


# ---- opening and assignment ----------------------------------------------------------------


def review_open(*, actor, use_case: UseCase) -> Review:
    """Open (or reopen for a new revision) the review of a just-submitted use case.

    Called by usecases.services.usecase_submit inside its transaction.
    """
    from usecases.services import usecase_start_review

    review = use_case.reviews.select_for_update().order_by("-opened_at").first()
    if review is not None and review.outcome == Outcome.CHANGES_REQUESTED:
        review = _reopen(review=review, use_case=use_case, actor=actor)
    else:
        review = _create_review(use_case=use_case, actor=actor)
    usecase_start_review(actor=actor, use_case=use_case)
    return review


def _create_review(
    *, use_case: UseCase, actor, kind: str = ReviewKind.INITIAL, reason: str = ""
) -> Review:
    policy = ReviewPolicy.objects.get(tier=use_case.risk_tier, active=True)
    now = timezone.now()
    review = Review.objects.create(
        use_case=use_case,
        revision=use_case.revision,
        kind=kind,
        reason=reason,
        policy=policy,
        checklist_template=ChecklistTemplate.objects.get(active=True),
        required_roles=rules.required_roles(
            policy_roles=policy.required_roles, functions=use_case.functions
        ),
        opened_at=now,
        due_date=rules.add_working_days(timezone.localdate(now), policy.sla_working_days),
    )
    audit_record(
        actor=actor,
        action="review_opened",
        obj=review,
        object_ref=use_case.reference,
        changes={
            "revision": [None, review.revision],
            "policy": [None, str(policy)],
            "required_roles": [None, review.required_roles],
            "due_date": [None, review.due_date],
            "kind": [None, kind],
            "reason": [None, reason],
        },
    )
    for role in review.required_roles:
        _assign_next(review=review, role=role, actor=actor)
    return review


def _reopen(*, review: Review, use_case: UseCase, actor) -> Review:
    before = review.revision
    review.revision = use_case.revision
    review.state, review.outcome = ReviewState.OPEN, ""
    review.decided_at, review.decided_by, review.decided_by_chair, review.rationale = (
        None,
        None,
        False,
        "",
    )
    review.due_date = rules.add_working_days(timezone.localdate(), review.policy.sla_working_days)
    review.save()
    audit_record(
        actor=actor,
        action="review_reopened",
        obj=review,
        object_ref=use_case.reference,
        changes={"revision": [before, review.revision], "state": ["decided", "open"]},
    )
    # Reviewers vote again on the new revision: tell each of them.
    for assignment in review.assignments.filter(recused=False).select_related("reviewer"):
        notify_assigned(assignment)
    return review


def _step_down(*, review: Review, assignment: Assignment, reason: str, actor) -> None:
    """End an assignment; the person loses access unless another role keeps them on the review."""
    from usecases.services import usecase_revoke_access

    assignment.recused, assignment.recusal_reason = True, reason
    assignment.save(update_fields=["recused", "recusal_reason"])
    if not review.assignments.filter(reviewer=assignment.reviewer, recused=False).exists():
        usecase_revoke_access(
            actor=actor,
            use_case=review.use_case,
            user=assignment.reviewer,
            why="no longer a reviewer",
        )


def _assign_next(*, review: Review, role: str, actor, exclude_ids=()) -> Assignment | None:
    reviewer = eligible_reviewers(
        role=role, use_case=review.use_case, exclude_ids=exclude_ids
    ).first()
    if reviewer is None:
        audit_record(
            actor=actor,
            action="assignment_pending",
            obj=review,
            object_ref=review.use_case.reference,
            changes={"role": [None, role], "why": [None, "no eligible member holds this role"]},
        )
        return None
    return _assign(review=review, role=role, reviewer=reviewer, actor=actor)


def _assign(*, review: Review, role: str, reviewer, actor) -> Assignment:
    from usecases.services import usecase_grant_access

    assignment = Assignment.objects.create(review=review, role=role, reviewer=reviewer)
    usecase_grant_access(
        actor=actor, use_case=review.use_case, user=reviewer, why=f"reviewer ({role})"
    )
    notify_assigned(assignment)
    audit_record(
        actor=actor,
        action="reviewer_assigned",
        obj=review,
        object_ref=review.use_case.reference,
        changes={"role": [None, role], "reviewer": [None, reviewer.get_username()]},
    )
    return assignment


@transaction.atomic
def review_reassign(*, actor, review: Review, role: str, reviewer) -> Assignment:
    """The chair puts another member on a role (after a recusal, or to rebalance)."""
    _require_chair(actor, "reassign reviewers")
    review = _lock(review)
    _require_open(review)
    if role not in review.required_roles:
        raise ValidationError({"role": [f"'{role}' is not a required role of this review."]})
    if role not in user_active_roles(reviewer):
        raise ValidationError(
            {"reviewer": [f"{reviewer.get_username()} does not hold the role '{role}'."]}
        )
    if conflicted(user=reviewer, use_case=review.use_case):
        raise ValidationError(
            {
                "reviewer": [
                    "Four eyes: this person submitted, owns or is in the team of this use case."
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
    return _assign(review=review, role=role, reviewer=reviewer, actor=actor)


@transaction.atomic
def review_recuse(*, actor, review: Review, reason: str) -> list[Assignment]:
    """A reviewer steps back with a reason; each role they held goes to the next eligible member."""
    review = _lock(review)
    _require_open(review)
    mine = list(review.assignments.filter(reviewer=actor, recused=False))
    if not mine:
        raise ActionForbidden("You are not an active reviewer of this use case.")
    if not reason.strip():
        raise ValidationError({"reason": ["Say why you recuse yourself."]})
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
            review=review, role=assignment.role, actor=actor, exclude_ids=[actor.pk]
        )
        if replacement:
            replacements.append(replacement)
    # The recused reviewer's vote no longer counts; the outcome may change.
    Vote.objects.filter(
        review=review, reviewer=actor, revision=review.revision, current=True
    ).update(current=False)
    _recompute(review=review, actor=actor)
    return replacements


# ---- checklist -------------------------------------------------------------------------------


def _item_on(review: Review, item_id) -> ChecklistItem:
    item = review.checklist_template.items.filter(pk=item_id).first()
    if item is None or not item_is_applicable(review, item):
        raise ValidationError({"item": ["This checklist item does not apply to this use case."]})
    return item


@transaction.atomic
def checklist_answer(
    *, actor, review: Review, item_id, answer: str, evidence: str = ""
) -> ChecklistAnswer:
    """The team answers an item of the revision under review, with evidence."""
    from usecases.selectors import usecase_is_editor

    review = _lock(review)
    _require_open(review)
    if not usecase_is_editor(user=actor, use_case=review.use_case):
        raise ActionForbidden("Only the owning team or the business owner answers the checklist.")
    item = _item_on(review, item_id)
    if answer not in AnswerChoice.values:
        raise ValidationError({"answer": [f"Answer one of: {', '.join(AnswerChoice.values)}."]})
    if answer == "not_applicable" and not evidence.strip():
        raise ValidationError({"evidence": ["Justify why the item does not apply."]})
    now = timezone.now()
    row, created = ChecklistAnswer.objects.update_or_create(
        review=review,
        item=item,
        revision=review.revision,
        defaults={
            "answer": answer,
            "evidence": evidence,
            "answered_by": actor,
            "answered_at": now,
            # A changed answer must be verified again.
            "verdict": "",
            "verification_comment": "",
            "verified_by": None,
            "verified_at": None,
        },
    )
    audit_record(
        actor=actor,
        action="checklist_answered",
        obj=review,
        object_ref=review.use_case.reference,
        changes={item.code: [None, {"answer": answer, "evidence": evidence}]},
    )
    # No decision to compute: an answer only ever withdraws a verification, never adds one.
    return row


@transaction.atomic
def checklist_verify(
    *, actor, review: Review, item_id, verdict: str, comment: str = ""
) -> ChecklistAnswer:
    """The reviewer of the item's role verifies or rejects the team's answer."""
    review = _lock(review)
    _require_open(review)
    _require_four_eyes(actor=actor, review=review, doing="verify checklist items of")
    item = _item_on(review, item_id)
    if not review.assignments.filter(reviewer=actor, role=item.role, recused=False).exists():
        raise ActionForbidden(
            f"Only the assigned {item.get_role_display()} reviewer verifies this item."
        )
    row = ChecklistAnswer.objects.filter(review=review, item=item, revision=review.revision).first()
    if row is None:
        raise ValidationError({"item": ["The team has not answered this item yet."]})
    if verdict not in Verdict.values:
        raise ValidationError({"verdict": [f"Choose one of: {', '.join(Verdict.values)}."]})
    if verdict == "rejected" and not comment.strip():
        raise ValidationError({"comment": ["Say what is missing or wrong."]})
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
    _recompute(review=review, actor=actor)
    return row


# ---- votes and decisions ---------------------------------------------------------------------


@transaction.atomic
def vote_cast(
    *, actor, review: Review, choice: str, reasons: str = "", conditions: Iterable[dict] = ()
) -> Vote:
    review = _lock(review)
    _require_open(review)
    _require_four_eyes(actor=actor, review=review, doing="vote on")
    held = user_active_roles(actor)  # a role that has ended no longer votes
    roles = [
        a.role
        for a in review.assignments.filter(reviewer=actor, recused=False)
        if a.role in review.required_roles and a.role in held
    ]
    if not roles:
        raise ActionForbidden(
            "Only reviewers assigned to a required role they still hold can vote on this review."
        )
    conditions = list(conditions)
    _validate_vote(choice=choice, reasons=reasons, conditions=conditions)
    previous = Vote.objects.filter(
        review=review, reviewer=actor, revision=review.revision, current=True
    )
    before = previous.values_list("choice", flat=True).first()
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
    _recompute(review=review, actor=actor)
    return vote


def _drop_conditions_of(votes, *, actor, review: Review) -> None:
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


def _validate_vote(*, choice: str, reasons: str, conditions: list[dict]) -> None:
    errors = {}
    if choice not in VoteChoice.values:
        errors["choice"] = [
            f"'{choice}' is not a vote. Choose one of: {', '.join(VoteChoice.values)}."
        ]
    if choice in NEEDS_REASONS and not reasons.strip():
        errors["reasons"] = ["Give the reasons for this vote: the team needs them to act."]
    if choice == VoteChoice.APPROVE_WITH_CONDITIONS and not conditions:
        errors["conditions"] = ["List at least one condition."]
    if choice != VoteChoice.APPROVE_WITH_CONDITIONS and conditions:
        errors["conditions"] = ["Conditions go with 'approve with conditions' only."]
    if any(not str(c.get("text", "")).strip() for c in conditions):
        errors["conditions"] = ["Every condition needs a text."]
    if errors:
        raise ValidationError(errors)


def _open_conditions_of_current_votes(review: Review) -> bool:
    return standing_conditions().filter(review=review).exists()


def _recompute(*, review: Review, actor) -> None:
    """Apply SPEC section 5's decision rules after any vote, verification or recusal."""
    outcome = rules.decide(
        required=review.required_roles,
        votes=current_votes_by_role(review),
        checklist_complete=checklist_complete(review),
        has_conditions=_open_conditions_of_current_votes(review),
    )
    if outcome is not None:
        _decide(review=review, outcome=outcome, actor=actor, by_chair=False, rationale="")


def _decide(*, review: Review, outcome: str, actor, by_chair: bool, rationale: str) -> None:
    from usecases.services import usecase_record_decision

    review.state, review.outcome = ReviewState.DECIDED, outcome
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
    deployed = review.kind != ReviewKind.INITIAL
    usecase_record_decision(
        actor=actor, use_case=review.use_case, outcome=outcome, deployed=deployed
    )
    if deployed:
        # Imported here: the registry builds on reviews.
        from registry.services import deployments_apply_review

        deployments_apply_review(actor=actor, review=review)
    notify_decision(review)


@transaction.atomic
def review_open_for_deployed(*, actor, use_case: UseCase, kind: str, reason: str) -> Review | None:
    """Open a change review or re-review of a deployed use case (its entries keep running).

    Returns None when a review is already under way (one is open, or the council asked the team
    for changes and waits for the next revision) or the use case is no longer in service. One
    review at a time covers every reason.
    """
    use_case = UseCase.objects.select_for_update().get(pk=use_case.pk)
    if not usecase_settled_in_service(use_case):
        return None
    return _create_review(use_case=use_case, actor=actor, kind=kind, reason=reason)


@transaction.atomic
def decision_record_by_chair(*, actor, review: Review, outcome: str, rationale: str) -> Review:
    """The chair decides with a written rationale once every required role has voted."""
    _require_chair(actor, "record a decision")
    review = _lock(review)
    _require_open(review)
    _require_four_eyes(actor=actor, review=review, doing="decide")
    errors = {}
    if outcome not in Outcome.values:
        errors["outcome"] = [f"Choose one of: {', '.join(Outcome.values)}."]
    if not rationale.strip():
        errors["rationale"] = ["A chair decision needs a written rationale."]
    if errors:
        raise ValidationError(errors)
    if not rules.all_required_voted(
        required=review.required_roles, votes=current_votes_by_role(review)
    ):
        raise TransitionNotAllowed("The chair can decide only once every required role has voted.")
    _decide(review=review, outcome=outcome, actor=actor, by_chair=True, rationale=rationale)
    return review


# ---- conditions and comments -----------------------------------------------------------------


@transaction.atomic
def condition_meet(*, actor, condition: Condition, evidence: str) -> Condition:
    from usecases.selectors import usecase_is_editor

    condition = (
        Condition.objects.select_for_update()
        .select_related("review__use_case")
        .get(pk=condition.pk)
    )
    if not usecase_is_editor(user=actor, use_case=condition.review.use_case):
        raise ActionForbidden("Only the owning team or the business owner marks a condition met.")
    if not evidence.strip():
        raise ValidationError({"evidence": ["Show how the condition is met."]})
    return _close_condition(
        actor=actor, condition=condition, status=ConditionStatus.MET, evidence=evidence
    )


@transaction.atomic
def condition_waive(*, actor, condition: Condition, reason: str) -> Condition:
    _require_chair(actor, "waive a condition")
    condition = (
        Condition.objects.select_for_update()
        .select_related("review__use_case")
        .get(pk=condition.pk)
    )
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the condition is waived."]})
    return _close_condition(
        actor=actor, condition=condition, status=ConditionStatus.WAIVED, waiver_reason=reason
    )


def _close_condition(*, actor, condition: Condition, status: str, **fields) -> Condition:
    if condition.status != ConditionStatus.OPEN:
        raise TransitionNotAllowed(
            f"This condition is already {condition.get_status_display().lower()}."
        )
    before = condition.status
    condition.status, condition.closed_at = status, timezone.now()
    for name, value in fields.items():
        setattr(condition, name, value)
    condition.save()
    audit_record(
        actor=actor,
        action=f"condition_{status}",
        obj=condition,
        object_ref=condition.review.use_case.reference,
        changes={
            "status": [before, status],
            **{name: [None, value] for name, value in fields.items()},
        },
    )
    return condition


def can_comment(*, user, review: Review) -> bool:
    """The team and business owner, the assigned reviewers and the chair talk on a review."""
    return (
        usecase_is_editor(user=user, use_case=review.use_case)
        or review.assignments.filter(reviewer=user, recused=False).exists()
        or is_chair(user)
    )


@transaction.atomic
def comment_add(*, actor, review: Review, body: str, is_question: bool = False) -> Comment:
    if not can_comment(user=actor, review=review):
        raise ActionForbidden(
            "Only the team, the assigned reviewers and the chair comment on a review."
        )
    if not body.strip():
        raise ValidationError({"body": ["Write something."]})
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
    return comment


def review_close_withdrawn(*, actor, use_case: UseCase) -> None:
    """A withdrawn use case's open review closes without an outcome."""
    for review in use_case.reviews.select_for_update().filter(state=ReviewState.OPEN):
        review.state = ReviewState.DECIDED
        review.decided_at = timezone.now()
        review.save(update_fields=["state", "decided_at"])
        audit_record(
            actor=actor,
            action="review_closed",
            obj=review,
            object_ref=use_case.reference,
            changes={"state": ["open", "decided"], "why": [None, "use case withdrawn"]},
        )
