"""Send the notification e-mails still due now, as the sweep on Celery beat does every minute."""

from django.core.management.base import BaseCommand

from council import outbox


class Command(BaseCommand):
    help = "Send every notification e-mail that is due (the sweep, run by hand)."

    def handle(self, *args, **options):
        counts = outbox.deliver_due()
        summary = ", ".join(f"{count} {result}" for result, count in sorted(counts.items()))
        self.stdout.write(summary or "nothing to send")
