"""The registry's background work: the daily job (its name predates this module and stays: the
beat schedule and any message already queued refer to it) and imports of large inventories."""

from celery import shared_task
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

import workflows
from common.errors import DomainError

from . import services
from .models import ImportStatus, RegistryImport
from .notifications import notify_import_finished


@shared_task(name="council.tasks.registry_rereview_sweep")
def registry_rereview_sweep() -> dict[str, int]:
    """Daily: re-review reminders 30 days ahead, re-reviews opened when due."""
    return workflows.rereview_sweep()


@shared_task
def vendor_lapse_sweep() -> int:
    """Daily: a vendor's lapsed assessment opens change reviews of the entries on its models."""
    return workflows.vendor_lapse_sweep()


@shared_task
def registry_import(import_id: int, actor_id: int) -> str:
    """Import a checked inventory file in the background; its importer hears how it ended."""
    registry_import = RegistryImport.objects.get(pk=import_id)
    if registry_import.status != ImportStatus.IMPORTING:
        return registry_import.status  # done already (a task delivered twice)
    actor = User.objects.get(pk=actor_id)
    try:
        done = workflows.registry_import_run(actor=actor, registry_import=registry_import)
    except (ValidationError, DomainError) as error:
        problem = " ".join(getattr(error, "messages", [str(error)]))
        services.registry_import_failed(
            actor=actor, registry_import=registry_import, problem=problem
        )
        return ImportStatus.CHECKED
    notify_import_finished(done)
    return done.status
