"""Notification delivery: small idempotent tasks that take ids and retry with backoff."""

from celery import shared_task
from django.core.mail import send_mail
from django.utils import timezone

from .models import Notification


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def deliver_notification(self, notification_id: int) -> str:
    """E-mail a notification once. Running it twice sends nothing more."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None:
        return "gone"
    # Claim the e-mail with a compare-and-set: two workers never both send it.
    claimed = Notification.objects.filter(pk=notification_id, emailed_at=None).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return "already sent"
    if not notification.user.email:
        return "no address"
    try:
        send_mail(
            subject=f"[AI Council] {notification.subject}",
            message=f"{notification.body}\n\n{notification.url}".strip(),
            from_email=None,
            recipient_list=[notification.user.email],
        )
    except OSError:
        # Give the claim back so the retry sends it.
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return "sent"
