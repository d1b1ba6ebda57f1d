"""What happens when a patient asks for a consultation: store it first, then notify."""

import logging

from django.db import IntegrityError, transaction

from clinic import outbox
from clinic.cache import try_cache

from ..booking.self_booking import open_self_booking
from .models import ConsultationRequest, new_reference
from .notifications import compose_email
from .outbox import Notification
from .timeline import RequestEvent

logger = logging.getLogger(__name__)

REFERENCE_ATTEMPTS = 5


def submit_request(form, *, submission_id, article=None):
    """Store the request from a valid form; return it and whether this call created it.

    The row, its self-booking link (routine requests, when the clinic lets patients choose) and
    the emails it owes (written now, in the outbox) are committed together before anything can
    fail; after the commit the background worker sends them (never this request). A form sent
    twice finds its first request.
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
                open_self_booking(consultation)  # before the emails: the confirmation carries its link
                owed = [Notification(consultation=consultation, kind=kind) for kind in notifications_owed(consultation)]
                for notification in owed:
                    notification.email = outbox.queue_composed(compose_email(notification))
                Notification.objects.bulk_create(owed)
        except IntegrityError:
            earlier = ConsultationRequest.objects.filter(submission_token=submission_id).first()
            if earlier is not None:
                logger.info("Repeated submission of consultation request %s; kept the first.", earlier.reference)
                return earlier, False
            continue  # the reference was taken: draw another
        logger.info("Consultation request %s received (priority %s).", consultation.reference, consultation.priority)
        return consultation, True
    raise RuntimeError("Could not draw an unused reference for a consultation request.")


def notifications_owed(consultation):
    yield Notification.Kind.TRIAGE
    if consultation.email:
        yield Notification.Kind.PATIENT_CONFIRMATION


def record_dropped_spam(reason):
    """Count a post that failed the spam checks; nothing it contained is kept or logged."""
    key = f"appointments:dropped-spam:{reason}"
    try_cache("add", key, 0, timeout=None)
    count = try_cache("incr", key, default="unknown")  # unknown while the cache is down
    logger.info("Dropped a consultation request that failed the spam checks (%s); %s so far.", reason, count)
