"""Who hears about what in council review (SPEC section 10)."""

from collections import defaultdict
from datetime import timedelta

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.text import Truncator

from council.models import CouncilRole, NotificationKind, TeamMembership
from council.notifications import Notice, notify, notify_many
from usecases.models import UseCase

from .models import (
    Assignment,
    ChecklistAnswer,
    Comment,
    Condition,
    ConditionStatus,
    Review,
    ReviewState,
    Vote,
)
from .rules import DUE_SOON_WORKING_DAYS, add_working_days
from .selectors import condition_confirmers, eligible_reviewers


def _review_url(review: Review) -> str:
    # The page's address is part of the product contract (SPEC section 11b).
    return f"/reviews/{review.pk}/"


def _team_and_owner(use_case: UseCase) -> QuerySet[User]:
    """Who acts for the use case: its team's members today and its business owner."""
    members = TeamMembership.objects.active().filter(team_id=use_case.team_id).values("user_id")
    return User.objects.filter(Q(pk__in=members) | Q(pk=use_case.business_owner_id), is_active=True)


def _except(users, actor: User | None) -> list[User]:
    """Nobody is told of what they did themselves."""
    return [user for user in users if actor is None or user.pk != actor.pk]


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


def notify_legacy_reviews(*, import_id: int, seats: dict[int, int], label: str) -> None:
    """Each reviewer of an import's first reviews hears once, with how many seats they hold:
    an inventory of ten thousand tools sends one message per person, not one per tool.
    `seats`: reviewer id -> the number of their seats; `label`: what was imported."""
    for reviewer in User.objects.filter(pk__in=seats):
        count = seats[reviewer.pk]
        notify(
            users=[reviewer],
            kind=NotificationKind.ASSIGNED,
            key=f"assigned:import:{import_id}",
            subject=f"{count} first review{'s' if count != 1 else ''} of tools already in service",
            body=(
                f"{label} brought tools that run without a council review into the registry. "
                f"You hold {count} seat{'s' if count != 1 else ''} on their first reviews: "
                "your queue lists them, soonest due first."
            ),
            url="/reviews/",
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


def notify_question_to_team(comment: Comment) -> None:
    """A reviewer or the chair asks the team: its members and the business owner hear of it.
    A question asked from within the team is for the council, not the team."""
    review = comment.review
    use_case = review.use_case
    team = list(_team_and_owner(use_case))
    if not comment.is_question or comment.author_id in {user.pk for user in team}:
        return
    asker = comment.author.get_full_name() or comment.author.get_username()
    notify(
        users=_except(team, comment.author),
        kind=NotificationKind.QUESTION_TO_TEAM,
        key=f"question:comment:{comment.pk}",
        subject=f"{use_case.reference}: a question from the council",
        body=f"{asker} asks about “{use_case.title}”:\n\n{Truncator(comment.body).chars(1000)}\n\n"
        "Reply in the review's comments.",
        url=f"{_review_url(review)}#comment-{comment.pk}",
    )


def notify_answers_rejected(answers: list[ChecklistAnswer], *, actor: User) -> None:
    """Checklist answers a reviewer rejected: whoever answered each one and the team hear of
    it, once per rejected version of an answer (answered again and rejected again: told again)."""
    for answer in answers:
        if answer.verdict != "rejected":
            continue
        review = answer.review
        use_case = review.use_case
        notify(
            users=_except([answer.answered_by, *_team_and_owner(use_case)], actor),
            kind=NotificationKind.ANSWER_REJECTED,
            key=f"answer-rejected:answer:{answer.pk}:v{answer.version}",
            subject=f"{use_case.reference}: checklist answer {answer.item.code} rejected",
            body=f"“{answer.item.text}” was not accepted: {answer.verification_comment}\n\n"
            "Answer it again on the review's checklist.",
            url=f"{_review_url(review)}#checklist",
        )


def notify_condition_marked_met(condition: Condition, *, actor: User) -> None:
    """The team marked a condition met: whoever may confirm it (the holder of the role that set
    it seated on the review, the chair for the chair's) checks the evidence. Each time it is
    marked met again after being sent back, they hear again."""
    review = condition.review
    evidence = condition.evidence or "(none written)"
    if condition.evidence_file_name:
        evidence += f"\nFile: {condition.evidence_file_name}"
    notify(
        users=_except(condition_confirmers(condition), actor),
        kind=NotificationKind.CONDITION_MARKED_MET,
        key=f"condition-met:{condition.pk}:{condition.claimed_at:%Y%m%d%H%M%S%f}",
        subject=f"{review.use_case.reference}: a condition awaits your confirmation",
        body=f"Condition: {condition.text}\n\nEvidence: {evidence}\n\n"
        "Confirm it is met, or send it back to the team with a comment.",
        url=f"{_review_url(review)}#condition-{condition.pk}",
    )


def notify_condition_sent_back(condition: Condition, *, actor: User) -> None:
    """The council sent a condition back: the team, the business owner and whoever marked it
    met hear what is missing."""
    review = condition.review
    use_case = review.use_case
    who = actor.get_full_name() or actor.get_username()
    notify(
        users=_except([condition.claimed_by, *_team_and_owner(use_case)], actor),
        kind=NotificationKind.CONDITION_SENT_BACK,
        key=f"condition-sent-back:{condition.pk}:{condition.sent_back_at:%Y%m%d%H%M%S%f}",
        subject=f"{use_case.reference}: a condition was sent back",
        body=f"Condition: {condition.text}\n\n{who} did not confirm it is met: "
        f"{Truncator(condition.sent_back_comment).chars(1000)}\n\n"
        "Mark it met again with the evidence asked for.",
        url=f"{_review_url(review)}#condition-{condition.pk}",
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
    """Reminders for votes due within two working days or overdue, and conditions due within a
    week: everything due read in a few queries and told in bulk, whatever its number."""
    today = today or timezone.localdate()
    return len(notify_many([*_vote_reminders(today), *_condition_reminders(today)]))


def _vote_reminders(today) -> list[Notice]:
    """Each open review due soon or overdue: its voting seats that have not voted yet."""
    due = Review.objects.filter(
        state=ReviewState.OPEN, due_date__lte=add_working_days(today, DUE_SOON_WORKING_DAYS)
    )
    reviews = list(due.select_related("use_case"))
    waiting = _voters_waiting(due) if reviews else {}
    return [
        _vote_reminder(review, waiting[review.pk], today)
        for review in reviews
        if waiting.get(review.pk)
    ]


def _voters_waiting(reviews: QuerySet[Review]) -> defaultdict[int, list[int]]:
    """Review id -> its voting reviewers, not recused, without a current vote on its revision
    (verifiers have no vote to be reminded of)."""
    voted = Vote.objects.filter(
        review_id=OuterRef("review_id"),
        reviewer_id=OuterRef("reviewer_id"),
        revision=OuterRef("review__revision"),
        current=True,
    )
    seats = (
        Assignment.objects.filter(review__in=reviews, recused=False, voting=True)
        .exclude(Exists(voted))
        .values_list("review_id", "reviewer_id")
    )
    waiting: defaultdict[int, list[int]] = defaultdict(list)
    for review_id, reviewer_id in seats:
        waiting[review_id].append(reviewer_id)
    return waiting


def _vote_reminder(review: Review, reviewer_ids: list[int], today) -> Notice:
    overdue = review.due_date < today
    return Notice(
        user_ids=reviewer_ids,
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


# A condition is "due soon" this many days before its due date.
CONDITION_DUE_SOON_DAYS = 7


def _condition_reminders(today) -> list[Notice]:
    """Each open condition due within a week or overdue (one awaiting confirmation waits for the
    council, not the team)."""
    due = Condition.objects.filter(
        status=ConditionStatus.OPEN, due_date__lte=today + timedelta(days=CONDITION_DUE_SOON_DAYS)
    )
    conditions = list(due.select_related("review__use_case"))
    if not conditions:
        return []
    acting = _teams_and_owners(UseCase.objects.filter(pk__in=due.values("review__use_case_id")))
    return [
        # (A condition closed between the two reads is still told to its owner.)
        _condition_reminder(condition, acting.get(condition.review.use_case_id, set()), today)
        for condition in conditions
    ]


def _teams_and_owners(use_cases: QuerySet[UseCase]) -> dict[int, set[int]]:
    """As `_team_and_owner` for many use cases at once: use case id -> the ids of who acts for it."""
    members: defaultdict[int, set[int]] = defaultdict(set)
    active_members = TeamMembership.objects.active().filter(
        team_id__in=use_cases.values("team_id"), user__is_active=True
    )
    for team_id, user_id in active_members.values_list("team_id", "user_id"):
        members[team_id].add(user_id)
    rows = use_cases.values_list("pk", "team_id", "business_owner_id", "business_owner__is_active")
    return {
        pk: members[team_id] | ({owner_id} if owner_active else set())
        for pk, team_id, owner_id, owner_active in rows
    }


def _condition_reminder(condition: Condition, acting: set[int], today) -> Notice:
    """Once when the condition falls due soon, once more when it is overdue (never daily): to its
    owner, the team and the business owner."""
    overdue = condition.due_date < today
    use_case = condition.review.use_case
    due = f"{condition.due_date:%d %b %Y}"
    return Notice(
        user_ids=[condition.owner_id, *acting],
        kind=NotificationKind.CONDITION_OVERDUE if overdue else NotificationKind.CONDITION_DUE,
        # The due-soon key predates the overdue one: reminders already sent keep their key.
        key=f"condition-{'overdue' if overdue else 'due'}:{condition.pk}",
        subject=f"Condition {'overdue since' if overdue else 'due'} {due}: {use_case.reference}",
        body=f"{condition.text}\n\n"
        + ("It blocks go-live until it is met. " if condition.blocking else "")
        + "Mark it met with its evidence on the review.",
        url=f"{_review_url(condition.review)}#conditions",
    )
