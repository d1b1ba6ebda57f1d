"""The request's own emails: the new request to the triage inbox, the confirmation to the patient."""

from django.conf import settings
from django.template.loader import render_to_string

from ..booking.self_booking import self_booking_offer
from .notifications import email_builder
from .outbox import Notification


def _consultation_context(notification, clinic):
    return {"consultation": notification.consultation, "clinic": clinic, "site_url": settings.SITE_URL}


@email_builder(Notification.Kind.TRIAGE)
def triage_email(notification, clinic):
    consultation = notification.consultation
    subject = f"[{consultation.get_priority_display()}] New consultation request {consultation.reference}"
    body = render_to_string("appointments/email/triage.txt", _consultation_context(notification, clinic))
    return subject, body, [settings.APPOINTMENTS_TRIAGE_EMAIL]


@email_builder(Notification.Kind.PATIENT_CONFIRMATION)
def patient_confirmation_email(notification, clinic):
    consultation = notification.consultation
    subject = f"We received your request {consultation.reference}"
    context = _consultation_context(notification, clinic)
    offer = self_booking_offer(consultation) if not consultation.is_urgent else None
    context["book_link"] = settings.SITE_URL + offer.get_absolute_url() if offer else ""
    body = render_to_string("appointments/email/patient_confirmation.txt", context)
    return subject, body, [consultation.email]
