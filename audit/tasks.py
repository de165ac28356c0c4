# celery ships no types: its decorator is untyped.
from celery import shared_task

from .checkpoints import chain_verification_run, checkpoint_write


@shared_task  # type: ignore[untyped-decorator]
def write_checkpoint() -> int:
    """The hourly signed checkpoint of the chain head; returns its event number."""
    return int(checkpoint_write()["seq"])


@shared_task  # type: ignore[untyped-decorator]
def verify_chain_requested(verification_id: int) -> bool | None:
    """The whole chain checked for the verification asked for on the auditor's page (out of
    the request); returns whether it held."""
    intact: bool | None = chain_verification_run(verification_id).intact
    return intact
