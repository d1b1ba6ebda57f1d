"""The one way out for email: every email the site sends is an `OutboxEmail` row, sent by the worker.

The path of one email:

1. `queue(...)` writes the whole email (recipients, subject, body wrapped at 78 characters,
   attachments, a Message-ID on the site's domain) inside the caller's transaction, with the
   facts it states; after the commit one `send_email` task is queued (Django's Tasks API, in the
   database). Nothing is sent in a web request, inside a transaction or under a row lock.
2. The worker (`manage.py run_worker`) runs the task: `deliver()` claims the row (one conditional
   UPDATE: only one worker, or the `send_pending_notifications` sweep, wins it), asks the app's
   registered check whether the email is still true (a "booked" email for a cancelled
   appointment is dropped, with the reason), then sends it with a `Date` in the clinic's zone.
3. A failure is recorded (the kind of error only); the row goes back to pending with a later
   `next_attempt_at` (1, 2, 4... minutes, at most an hour; 15 minutes for on-call alerts) and a
   task is queued for then. After `APPOINTMENTS_NOTIFICATION_MAX_ATTEMPTS` it is left as failed for
   staff; an on-call alert is never given up while it is owed.

Delivery is at-least-once: a worker that loses the database after the mail server accepted an
email waits for it (briefly) to record "sent"; one that dies there leaves the claim, and the email
goes again once the claim is stale. The Message-ID stays the same on every attempt, so mail
servers and clients drop the second copy.
"""

import contextlib
import logging
import time
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import DatabaseError, InterfaceError, connections, transaction
from django.utils import timezone
from django_tasks import task

from .cache import try_cache
from .email_format import as_message, new_message_id, wrap_body
from .models import OutboxEmail

logger = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 60
LONGEST_RETRY_SECONDS = 3600
LONGEST_URGENT_RETRY_SECONDS = 15 * 60
LONGEST_OUTCOME_WAIT_SECONDS = 120

_checks = {}
_writers = {}


def still_true_check(*kinds):
    """Register `check(email) -> reason` for emails of these kinds: a non-empty reason drops the email."""

    def register(check):
        for kind in kinds:
            _checks[kind] = check
        return check

    return register


def content_writer(*kinds):
    """Register `writer(email)`, which fills in subject, body and attachments of a row queued without them.

    Only rows carried over from before the outbox stored each email's content need it.
    """

    def register(writer):
        for kind in kinds:
            _writers[kind] = writer
        return writer

    return register


def compose(*, kind, recipients, subject, body, attachments=(), facts=None, about="", urgent=False):
    """One email, written now and not yet saved: body wrapped, a fresh Message-ID.

    `attachments`: (filename, content, mimetype) tuples; bytes content is stored as UTF-8 text.
    """
    return OutboxEmail(
        kind=kind,
        about=about[:100],
        recipients=list(recipients),
        subject=subject,
        body=wrap_body(body),
        attachments=[
            {
                "filename": name,
                "content": content.decode() if isinstance(content, bytes) else content,
                "mimetype": mimetype,
            }
            for name, content, mimetype in attachments
        ],
        facts=facts or {},
        message_id=new_message_id(),
        urgent=urgent,
    )


def queue(**email):
    """Store one email (the arguments of `compose`); the worker sends it once the transaction commits."""
    return queue_composed(compose(**email))


def queue_composed(email):
    """Store an email from `compose`; the worker sends it once the transaction commits."""
    email.save()
    enqueue([email])
    return email


def enqueue(emails):
    """Queue the sending of these emails (rows or ids) once the current transaction commits.

    If queueing itself fails (the database went away right after the commit), the rows stay
    pending and the periodic `send_pending_notifications` sweep sends them; the caller never sees
    an error.
    """
    ids = [getattr(item, "pk", item) for item in emails]
    if ids:
        transaction.on_commit(partial(_enqueue_now, ids), robust=True)


def _enqueue_now(ids, run_after=None):
    sender = send_email.using(run_after=run_after) if run_after else send_email
    try:
        with transaction.atomic():  # one commit for all of them
            for pk in ids:
                sender.enqueue(pk)
    except Exception:
        logger.warning("Could not queue %s email(s); the periodic sweep will send them.", len(ids))


@task()
def send_email(email_id):
    """The worker's task: send one email if it is still owed and nobody else has it."""
    return deliver(email_id)


def deliver(email_id):
    """Claim, check and send one email. Returns "sent", "dropped", "retry", "failed" or "skipped"."""
    if not claim(email_id):
        return "skipped"  # sent already, being sent by another worker, or not due yet
    email = OutboxEmail.objects.get(pk=email_id)
    if not email.subject and email.kind in _writers:  # carried over from before the outbox held words
        _writers[email.kind](email)
        email.save(update_fields=["subject", "body", "attachments", "recipients", "facts"])
    check = _checks.get(email.kind)
    reason = check(email) if check else ""
    if reason:
        return _finish(email, OutboxEmail.Status.DROPPED, reason)
    try:
        as_message(email).send(fail_silently=False)
    except Exception as error:  # any backend failure: keep the email, retry later
        return record_failure(email, error)
    return _finish(email, OutboxEmail.Status.SENT)


def _finish(email, status, reason=""):
    email.status, email.last_error = status, reason[:200]
    email.sent_at = timezone.now() if status == OutboxEmail.Status.SENT else None
    _save_outcome(email, ["status", "sent_at", "last_error"])
    if status == OutboxEmail.Status.DROPPED:
        logger.info("Dropped the %s email #%s (%s): %s", email.kind, email.pk, email.about, reason)
    if email.urgent:
        refresh_alerts_failing()
    return status


def _save_outcome(email, fields):
    """Record what happened, waiting out a short database outage (up to half the stale-claim time,
    two minutes at most): the mail server has the email already, and a claim left "sending" would
    make another worker send it a second time."""
    patience = min(settings.OUTBOX_STALE_CLAIM_SECONDS / 2, LONGEST_OUTCOME_WAIT_SECONDS)
    deadline, delay = time.monotonic() + patience, 0.5
    conn = connections[email._state.db or "default"]
    while True:
        try:
            email.save(update_fields=fields)
            return
        except (DatabaseError, InterfaceError) as error:
            if conn.in_atomic_block or time.monotonic() + delay > deadline:
                raise
            kind = type(error).__name__
            logger.warning("Could not record email #%s as %s (%s); trying again.", email.pk, email.status, kind)
            with contextlib.suppress(Exception):  # a dead connection may fail to close: it is gone either way
                conn.close()
            time.sleep(delay)
            delay = min(delay * 2, 10)


def claim(email_id):
    """Take the row for this worker; True for exactly one of several workers asking at once."""
    now = timezone.now()
    claimed = OutboxEmail.objects.due(now).filter(pk=email_id)
    return bool(claimed.update(status=OutboxEmail.Status.SENDING, claimed_at=now))


def retry_delay(attempts, *, urgent=False):
    """Seconds before the next attempt: 1, 2, 4... minutes, at most an hour (15 minutes if urgent)."""
    longest = LONGEST_URGENT_RETRY_SECONDS if urgent else LONGEST_RETRY_SECONDS
    return min(FIRST_RETRY_SECONDS * 2 ** min(max(attempts - 1, 0), 16), longest)


def record_failure(email, error):
    email.attempts += 1
    email.last_error = type(error).__name__[:200]  # never the message: it may quote an address
    if email.attempts >= settings.APPOINTMENTS_NOTIFICATION_MAX_ATTEMPTS and not email.urgent:
        email.status = OutboxEmail.Status.FAILED
        outcome = "failed"
    else:
        email.status = OutboxEmail.Status.PENDING
        email.next_attempt_at = timezone.now() + timedelta(seconds=retry_delay(email.attempts, urgent=email.urgent))
        outcome = "retry"
    email.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
    logger.warning(
        "Could not send the %s email for %s (attempt %s): %s.",
        email.kind,
        email.about or f"email #{email.pk}",
        email.attempts,
        email.last_error,
    )
    if email.urgent:
        refresh_alerts_failing()
    if outcome == "retry":
        _enqueue_now([email.pk], run_after=email.next_attempt_at)
    return outcome


def send_due(limit=100):
    """The sweep behind the tasks: send what is owed and due (or abandoned by a dead worker).

    Returns (sent, failed); a row another worker is sending at the same moment is skipped, and an
    email that is no longer true is dropped (counted in neither).
    """
    due = OutboxEmail.objects.due().order_by("created_at", "pk").values_list("pk", flat=True)[:limit]
    outcomes = [deliver(pk) for pk in due]
    refresh_alerts_failing()
    return outcomes.count("sent"), outcomes.count("retry") + outcomes.count("failed")


ALERTS_FAILING_KEY = "clinic:outbox:alerts-failing"


def alerts_failing():
    """True while any on-call alert is owed and the mail server has refused it at least once.

    Read from the shared cache, so the admin pages pay no query for it: the worker writes the flag
    whenever an alert fails, goes or is dropped, and again on every sweep (`send_due`, every five
    minutes), so a restarted cache has it back within minutes.
    """
    return bool(try_cache("get", ALERTS_FAILING_KEY, default=False))


def refresh_alerts_failing():
    try_cache("set", ALERTS_FAILING_KEY, OutboxEmail.objects.failing_alerts().exists(), timeout=None)
