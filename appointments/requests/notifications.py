"""Notification emails: queued after the commit, sent by the background worker, each exactly once.

The whole workflow of an email the clinic owes (a `Notification` row):

1. Whoever decides that an email is owed creates the `Notification` rows inside its own
   transaction and calls `enqueue_notifications(rows)`; nothing is sent in a web request.
2. After the commit, one `send_notification` task per row is queued (Django's Tasks API, in
   the database); `manage.py run_worker` runs it.
3. The task claims the row (one conditional UPDATE: only one worker, or the cron fallback
   `send_pending_notifications`, can win it), sends, and marks it sent. A failure is recorded
   (the kind of error only), the row goes back to pending with a later `next_attempt_at`
   (exponential backoff) and a task is queued for then; after
   `APPOINTMENTS_NOTIFICATION_MAX_ATTEMPTS` it is left as failed for staff.

A new kind of email needs a `Notification.Kind` and a builder registered with `email_builder` (see
`emails.py` here and `appointments/booking/emails.py`).
"""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from clinic.models import ClinicProfile

from .outbox import Notification

logger = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 60
LONGEST_RETRY_SECONDS = 3600

_builders = {}


def email_builder(kind):
    """Register `builder(notification, clinic) -> (subject, body, recipients[, attachments])` for a Notification.Kind.

    The body carries a reference and a link, never what the patient wrote.
    """

    def register(builder):
        _builders[kind] = builder
        return builder

    return register


def enqueue_notifications(notifications):
    """Queue the sending of these notifications once the current transaction commits.

    `notifications`: Notification rows, their ids, or a queryset. Call it in the transaction that
    creates the rows: if that transaction rolls back, nothing is queued. If queueing itself fails
    (the database went away right after the commit), the rows stay pending and the periodic
    `send_pending_notifications` sends them; the caller never sees an error.
    """
    ids = [getattr(item, "pk", item) for item in notifications]
    if ids:
        transaction.on_commit(partial(_enqueue_now, ids), robust=True)


def _enqueue_now(ids, run_after=None):
    task = send_notification.using(run_after=run_after) if run_after else send_notification
    try:
        with transaction.atomic():  # one commit for all of them
            for pk in ids:
                task.enqueue(pk)
    except Exception:
        logger.warning("Could not queue %s notification(s); the periodic sweep will send them.", len(ids))


@task()
def send_notification(notification_id):
    """The worker's task: send one notification if it is still owed and nobody else has it."""
    return deliver(notification_id)


def deliver(notification_id):
    """Claim, send and record one notification. Returns "sent", "retry", "failed" or "skipped"."""
    if not claim(notification_id):
        return "skipped"  # sent already, being sent by another worker, or not due yet
    notification = Notification.objects.select_related("consultation").get(pk=notification_id)
    try:
        send_email(*_builders[notification.kind](notification, ClinicProfile.load()))
    except Exception as error:  # any backend failure: keep the notification, retry later
        return record_failure(notification, error)
    notification.status = Notification.Status.SENT
    notification.sent_at = timezone.now()
    notification.last_error = ""
    notification.save(update_fields=["status", "sent_at", "last_error"])
    return "sent"


def send_email(subject, body, recipients, attachments=()):
    """`attachments`: (filename, content, mimetype) tuples, e.g. an appointment's .ics file."""
    message = EmailMessage(subject, body, None, recipients)
    for attachment in attachments:
        message.attach(*attachment)
    message.send(fail_silently=False)


def claim(notification_id):
    """Take the row for this worker; True for exactly one of several workers asking at once."""
    now = timezone.now()
    claimed = Notification.objects.due(now).filter(pk=notification_id)
    return bool(claimed.update(status=Notification.Status.SENDING, claimed_at=now))


def retry_delay(attempts):
    """Seconds before the next attempt: 1, 2, 4... minutes, at most an hour."""
    return min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), LONGEST_RETRY_SECONDS)


def record_failure(notification, error):
    notification.attempts += 1
    notification.last_error = type(error).__name__[:200]  # never the message: it may quote an address
    if notification.attempts >= settings.APPOINTMENTS_NOTIFICATION_MAX_ATTEMPTS:
        notification.status = Notification.Status.FAILED
        outcome = "failed"
    else:
        notification.status = Notification.Status.PENDING
        notification.next_attempt_at = timezone.now() + timedelta(seconds=retry_delay(notification.attempts))
        outcome = "retry"
    notification.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
    logger.warning(
        "Could not send the %s email for request %s (attempt %s): %s.",
        notification.kind,
        notification.consultation.reference,
        notification.attempts,
        notification.last_error,
    )
    if outcome == "retry":
        _enqueue_now([notification.pk], run_after=notification.next_attempt_at)
    return outcome


def send_due_notifications(limit=100):
    """The cron fallback: send what is owed and due (or abandoned by a dead worker).

    Returns (sent, failed); a row another worker is sending at the same moment is skipped.
    """
    due = Notification.objects.due().order_by("created_at").values_list("pk", flat=True)[:limit]
    outcomes = [deliver(pk) for pk in due]
    return outcomes.count("sent"), outcomes.count("retry") + outcomes.count("failed")
