# celery ships no types: its decorator is untyped.
from celery import shared_task

from .checkpoints import checkpoint_write


@shared_task  # type: ignore[untyped-decorator]
def write_checkpoint() -> int:
    """The hourly signed checkpoint of the chain head; returns its event number."""
    return int(checkpoint_write()["seq"])
