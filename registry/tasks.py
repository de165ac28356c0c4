"""The registry's daily job. Its name predates this module and stays: the beat schedule and any
message already queued refer to it."""

from celery import shared_task

import workflows


@shared_task(name="council.tasks.registry_rereview_sweep")
def registry_rereview_sweep() -> dict[str, int]:
    """Daily: re-review reminders 30 days ahead, re-reviews opened when due."""
    return workflows.rereview_sweep()
