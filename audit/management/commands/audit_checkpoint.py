from typing import Any

from django.core.management.base import BaseCommand

from audit.checkpoints import checkpoint_write, witness_path


class Command(BaseCommand):
    help = (
        "Sign the audit chain head now and append the checkpoint to the witness"
        " (AUDIT_WITNESS_PATH). The scheduler does it hourly, and every export does it."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = checkpoint_write()
        self.stdout.write(
            f"Checkpoint of event #{checkpoint['seq']} ({checkpoint['hash'][:16]}…) signed with"
            f" key {checkpoint['key_id']}, appended to {witness_path()}."
        )
