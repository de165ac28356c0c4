"""Who hears about what in council review (SPEC section 10)."""

from datetime import timedelta

from django.utils import timezone

from council.models import CouncilRole, NotificationKind
from council.notifications import notify

from .models import Assignment, Condition, ConditionStatus, Review, ReviewState, Vote
from .rules import DUE_SOON_WORKING_DAYS, add_working_days
from .selectors import eligible_reviewers


def _review_url(review: Review) -> str:
    # The page's address is part of the product contract (SPEC section 11b).
    return f"/reviews/{review.pk}/"


def notify_assigned(assignment: Assignment) -> None:
    review = assignment.review
    role = assignment.get_role_display()
    if assignment.voting:
        subject = f"Review {review.use_case.reference} as {role}"
        body = (
            f"You are the {role} reviewer of “{review.use_case.title}”. "
            f"Your vote is due by {review.due_date:%d %b %Y}."
        )
    else:
        subject = f"Verify the {role} checklist items of {review.use_case.reference}"
        body = (
            f"You verify the {role} checklist items of “{review.use_case.title}” (you do not "
            f"vote). The review is due by {review.due_date:%d %b %Y}."
        )
    notify(
        users=[assignment.reviewer],
        kind=NotificationKind.ASSIGNED,
        key=f"assigned:review:{review.pk}:rev:{review.revision}:role:{assignment.role}",
        subject=subject,
        body=body,
        url=_review_url(review),
    )


def notify_rejection_proposed(review: Review) -> None:
    """Every chair who may decide it (four eyes) hears that a rejection waits for them."""
    use_case = review.use_case
    notify(
        users=eligible_reviewers(role=CouncilRole.CHAIR, use_case=use_case),
        # No kind of its own yet (council.models.NotificationKind): it announces the decision
        # the chair has to make.
        kind=NotificationKind.CHAIR_DECISION_NEEDED,
        key=f"rejection-proposed:review:{review.pk}:rev:{review.revision}",
        subject=f"{use_case.reference}: rejection proposed, your decision is needed",
        body=f"Every required role has voted on “{use_case.title}” and at least one rejects it. "
        "Confirm the rejection or overturn it with a written rationale.",
        url=_review_url(review),
    )


def notify_decision(review: Review) -> None:
    use_case = review.use_case
    submitters = [
        revision.submitted_by for revision in use_case.revisions.select_related("submitted_by")
    ]
    changes = review.outcome == "changes_requested"
    notify(
        users=[*submitters, use_case.business_owner],
        kind=NotificationKind.CHANGES_REQUESTED if changes else NotificationKind.DECISION_MADE,
        key=f"decision:review:{review.pk}:rev:{review.revision}",
        subject=f"{use_case.reference}: {review.get_outcome_display()}",
        body=(
            "The council asks for changes: see the reasons, revise and submit again."
            if changes
            else f"The council's decision on “{use_case.title}”: {review.get_outcome_display()}."
        ),
        url=_review_url(review),
    )


def remind_due_votes_and_conditions(today=None) -> int:
    """Reminders for votes due within two working days or overdue, and conditions due within a week."""
    today = today or timezone.localdate()
    soon = add_working_days(today, DUE_SOON_WORKING_DAYS)
    sent = 0
    open_reviews = Review.objects.filter(state=ReviewState.OPEN, due_date__lte=soon).select_related(
        "use_case"
    )
    for review in open_reviews:
        voted = set(
            Vote.objects.filter(review=review, revision=review.revision, current=True).values_list(
                "reviewer_id", flat=True
            )
        )
        waiting = [
            a.reviewer
            # Verifiers have no vote to be reminded of.
            for a in review.assignments.filter(recused=False, voting=True).select_related(
                "reviewer"
            )
            if a.reviewer_id not in voted
        ]
        overdue = review.due_date < today
        sent += len(
            notify(
                users=waiting,
                kind=NotificationKind.VOTE_OVERDUE if overdue else NotificationKind.VOTE_DUE_SOON,
                # Overdue reminders repeat daily; "due soon" is said once per revision.
                key=f"vote-{'overdue' if overdue else 'due'}:review:{review.pk}:rev:{review.revision}"
                + (f":{today.isoformat()}" if overdue else ""),
                subject=f"Vote {'overdue' if overdue else 'due soon'}: {review.use_case.reference}",
                body=f"Your vote on “{review.use_case.title}” was due {review.due_date:%d %b %Y}."
                if overdue
                else f"Your vote on “{review.use_case.title}” is due {review.due_date:%d %b %Y}.",
                url=_review_url(review),
            )
        )
    conditions = Condition.objects.filter(
        status=ConditionStatus.OPEN, due_date__lte=today + timedelta(days=7)
    ).select_related("review__use_case", "owner")
    for condition in conditions:
        sent += len(
            notify(
                users=[condition.owner],
                kind=NotificationKind.CONDITION_DUE,
                key=f"condition-due:{condition.pk}",
                subject=f"Condition due {condition.due_date:%d %b %Y}: {condition.review.use_case.reference}",
                body=condition.text,
                url=_review_url(condition.review),
            )
        )
    return sent
