"""The review app's daily job. Its name predates this module and stays: the beat schedule and any
message already queued refer to it."""

from celery import shared_task

from .notifications import remind_due_votes_and_conditions


@shared_task(name="council.tasks.send_review_reminders")
def send_review_reminders() -> int:
    """Daily: remind reviewers of votes due soon or overdue, and owners of conditions due."""
    return remind_due_votes_and_conditions()
