"""The e-mail outbox: every Notification row is an e-mail to send, at least once.

The row is written in the action's transaction (council/notifications.py), so an e-mail exists
exactly when its action committed. Two ways send it: the task queued after the commit, and the
sweep (`deliver_due`, every minute on Celery beat) for whatever the first missed: a broker that was
down, a worker killed while sending, a mail server that failed.

Sending takes a lease (`email_claimed_until`, `email_claimed_by`), not a permanent claim: a worker
killed while sending leaves the lease to expire and the e-mail to be sent again. `emailed_at` is
set only after the mail backend accepted the e-mail. A repeat is therefore possible (killed after
sending, before recording it); it carries the same Message-ID, derived from the notification's
key, so mail systems drop it. A failure backs off exponentially; after the last attempt the
e-mail is marked failed and listed in the admin.
"""

import hashlib
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from common.outbox import SWEEP_BATCH, SWEEP_BUDGET_SECONDS, backoff, new_lessee, sweep

from .models import Notification

logger = logging.getLogger(__name__)


def lease_duration() -> timedelta:
    """How long a worker may take to send one e-mail before another may send it again."""
    return timedelta(seconds=settings.NOTIFICATION_EMAIL_LEASE_SECONDS)


def due(now: datetime) -> QuerySet[Notification]:
    """The e-mails to send now: not sent, not given up, and no lease or backoff running."""
    return Notification.objects.filter(emailed_at=None, email_failed_at=None).filter(
        Q(email_claimed_until=None) | Q(email_claimed_until__lte=now)
    )


def message_id(notification: Notification) -> str:
    """The same for every attempt at one notification: receivers drop a repeat."""
    digest = hashlib.sha256(notification.key.encode()).hexdigest()[:40]
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
    return f"<notification.{digest}@{domain}>"


def email_for(notification: Notification) -> EmailMessage:
    return EmailMessage(
        subject=f"[AI Council] {notification.subject}",
        body=f"{notification.body}\n\n{notification.url}".strip(),
        to=[notification.user.email],
        headers={"Message-ID": message_id(notification)},
    )


def deliver(notification_id: int) -> str:
    """Send one notification's e-mail if it is due; say what happened."""
    now = timezone.now()
    lessee = new_lessee()
    leased = (
        due(now)
        .filter(pk=notification_id)
        .update(
            email_claimed_until=now + lease_duration(),
            email_claimed_by=lessee,
            email_attempts=F("email_attempts") + 1,
        )
    )
    if not leased:
        state = Notification.objects.filter(pk=notification_id).values("emailed_at").first()
        if state is None:
            return "gone"
        return "already sent" if state["emailed_at"] else "not due"
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None:
        return "gone"  # deleted with its person since the lease
    if not notification.user.email:
        _record_failure(notification, lessee, "no e-mail address", final=True)
        return "no address"
    try:
        email_for(notification).send()
    except Exception as error:  # whatever the mail backend raised: recorded, tried again later
        logger.warning("E-mail of notification %s failed: %r", notification_id, error)
        final = notification.email_attempts >= settings.NOTIFICATION_EMAIL_MAX_ATTEMPTS
        _record_failure(notification, lessee, repr(error), final=final)
        return "failed" if final else "will retry"
    Notification.objects.filter(pk=notification_id, emailed_at=None).update(
        emailed_at=timezone.now(),
        email_claimed_until=None,
        email_claimed_by="",
        email_last_error="",
    )
    return "sent"


def _record_failure(notification: Notification, lessee: str, error: str, *, final: bool) -> None:
    now = timezone.now()
    Notification.objects.filter(pk=notification.pk, email_claimed_by=lessee).update(
        email_last_error=error[:2000],
        email_claimed_by="",
        email_claimed_until=None if final else now + backoff(notification.email_attempts),
        email_failed_at=now if final else None,
    )


def deliver_due(
    *, batch_size: int = SWEEP_BATCH, budget_seconds: float = SWEEP_BUDGET_SECONDS
) -> dict[str, int]:
    """The sweep: send every due e-mail, oldest first, in batches, within a time budget."""
    return sweep(
        due,
        deliver,
        what="Notification e-mail",
        batch_size=batch_size,
        budget_seconds=budget_seconds,
    )


def give_another_try(queryset: QuerySet[Notification]) -> int:
    """Failed e-mails become due again, with a fresh count of attempts (the admin's action)."""
    return queryset.filter(emailed_at=None).update(
        email_failed_at=None, email_claimed_until=None, email_claimed_by="", email_attempts=0
    )
