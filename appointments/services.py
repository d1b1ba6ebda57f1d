"""What happens when a patient asks for a consultation: store it first, then notify."""

import logging
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from clinic.models import ClinicProfile

from .models import ConsultationRequest, Notification, RequestEvent, new_reference

logger = logging.getLogger(__name__)

REFERENCE_ATTEMPTS = 5


def submit_request(form, *, submission_id, article=None):
    """Store the request from a valid form; return it and whether this call created it.

    The row and the notifications it owes are committed together before anything can
    fail; emails go out after the commit. A form sent twice finds its first request.
    """
    for _ in range(REFERENCE_ATTEMPTS):
        consultation = form.save(commit=False)
        consultation.reference = new_reference()
        consultation.submission_token = submission_id
        consultation.article = article
        consultation.priority = ConsultationRequest.priority_for(consultation.red_flags)
        consultation.link_to_earlier_request()
        try:
            with transaction.atomic():
                consultation.save()
                consultation.record(
                    RequestEvent.Kind.CREATED, detail=f"priority: {consultation.get_priority_display()}"
                )
                Notification.objects.bulk_create(
                    Notification(consultation=consultation, kind=kind) for kind in notifications_owed(consultation)
                )
        except IntegrityError:
            earlier = ConsultationRequest.objects.filter(submission_token=submission_id).first()
            if earlier is not None:
                logger.info("Repeated submission of consultation request %s; kept the first.", earlier.reference)
                return earlier, False
            continue  # the reference was taken: draw another
        logger.info("Consultation request %s received (priority %s).", consultation.reference, consultation.priority)
        transaction.on_commit(partial(deliver, consultation.notifications.pending()))
        return consultation, True
    raise RuntimeError("Could not draw an unused reference for a consultation request.")


def notifications_owed(consultation):
    yield Notification.Kind.TRIAGE
    if consultation.email:
        yield Notification.Kind.PATIENT_CONFIRMATION


def record_dropped_spam(reason):
    """Count a post that failed the spam checks; nothing it contained is kept or logged."""
    key = f"appointments:dropped-spam:{reason}"
    try:
        cache.add(key, 0, timeout=None)
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        count = 1
    except Exception:  # the cache is down: the count is lost, the page still answers
        logger.warning("Could not count a dropped spam post: the cache did not answer.")
        count = "unknown"
    logger.info("Dropped a consultation request that failed the spam checks (%s); %s so far.", reason, count)


def deliver(notifications):
    """Send each notification; a failure is recorded and left for send_pending_notifications."""
    sent = failed = 0
    clinic = ClinicProfile.load()
    for notification in notifications.select_related("consultation"):
        try:
            send_notification(notification, clinic)
        except Exception as error:  # any backend failure: keep the notification, retry later
            notification.attempts += 1
            notification.last_error = type(error).__name__[:200]
            if notification.attempts >= settings.APPOINTMENTS_NOTIFICATION_MAX_ATTEMPTS:
                notification.status = Notification.Status.FAILED
            notification.save(update_fields=["attempts", "last_error", "status"])
            logger.warning(
                "Could not send the %s email for request %s (attempt %s): %s.",
                notification.kind,
                notification.consultation.reference,
                notification.attempts,
                notification.last_error,
            )
            failed += 1
        else:
            notification.attempts += 1
            notification.status = Notification.Status.SENT
            notification.sent_at = timezone.now()
            notification.last_error = ""
            notification.save(update_fields=["attempts", "status", "sent_at", "last_error"])
            sent += 1
    return sent, failed


def send_notification(notification, clinic):
    consultation = notification.consultation
    context = {"consultation": consultation, "clinic": clinic, "site_url": settings.SITE_URL}
    if notification.kind == Notification.Kind.TRIAGE:
        subject = f"[{consultation.get_priority_display()}] New consultation request {consultation.reference}"
        recipient = settings.APPOINTMENTS_TRIAGE_EMAIL
        template = "appointments/email/triage.txt"
    else:
        subject = f"We received your request {consultation.reference}"
        recipient = consultation.email
        template = "appointments/email/patient_confirmation.txt"
    send_mail(subject, render_to_string(template, context), None, [recipient], fail_silently=False)
