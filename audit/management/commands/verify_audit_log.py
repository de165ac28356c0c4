from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.checkpoints import record_verification


class Command(BaseCommand):
    help = (
        "Recompute the audit trail's hash chain and check it against the signed checkpoints of"
        " the witness (AUDIT_WITNESS_PATH); exit non-zero naming the first break: an altered,"
        " missing or reordered event, a deleted tail, a truncated table, a re-hashed chain."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        verification = record_verification()
        if verification.broken is not None:
            raise CommandError(verification.summary())
        self.stdout.write(self.style.SUCCESS(verification.summary()))
