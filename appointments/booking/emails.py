"""Booking emails: written when owed, sent through the outbox (see appointments/requests/notifications.py).

`queue_email` is the one way booking code sends email. What a booked, moved or reminder email
says is re-checked before it leaves: the worker drops it if the appointment was cancelled or moved
since (a later email tells the patient what is true).
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from clinic import outbox
from clinic.opening_hours import spelled_out_time

from ..requests.notifications import email_builder, queue_notification
from ..requests.outbox import Notification
from . import calendar_file
from .free_times import parse_slot_key
from .models import Appointment

SUBJECTS = {
    Notification.Kind.OFFER: "Choose a time for your appointment ({reference})",
    Notification.Kind.BOOKED: "Your appointment is booked: {when}",
    Notification.Kind.MOVED: "Your appointment has moved: {when}",
    Notification.Kind.CANCELLED: "Your appointment is cancelled ({reference})",
    Notification.Kind.REMINDER: "Reminder: your appointment {when}",
    Notification.Kind.TRIAGE_BOOKING: "Appointment change for request {reference}",
    Notification.Kind.EARLIER_TIME: "An earlier appointment time is free: {when}",
}
# Emails that carry the appointment as a calendar file.
WITH_CALENDAR = {
    Notification.Kind.BOOKED,
    Notification.Kind.MOVED,
    Notification.Kind.REMINDER,
    Notification.Kind.CANCELLED,
}


def queue_email(consultation, kind, *, offer=None, appointment=None):
    """Write the email owed now and keep it in the outbox; the worker sends it once the transaction commits."""
    return queue_notification(consultation, kind, offer=offer, appointment=appointment)


@outbox.still_true_check(Notification.Kind.BOOKED, Notification.Kind.MOVED, Notification.Kind.REMINDER)
def appointment_unchanged(email):
    """Why this email about an appointment is no longer true ("" while it is)."""
    appointment = Appointment.objects.filter(pk=email.facts.get("appointment")).first()
    if appointment is None:
        return "The appointment no longer exists."
    if appointment.status == Appointment.Status.CANCELLED:
        return "The appointment was cancelled after this email was written."
    if appointment.sequence != email.facts.get("sequence"):
        return "The appointment was moved after this email was written."
    return ""


def booking_email(notification, clinic):
    """Build and send one booking email: times, place and links only, never the patient's details."""
    consultation, appointment = notification.consultation, notification.appointment
    offer = notification.offer or (appointment.offer if appointment else None)
    context = {
        "consultation": consultation,
        "appointment": appointment,
        "clinic": clinic,
        "kind": notification.kind,
        "when": spelled_out_time(appointment.starts_at) if appointment else "",
        "link": settings.SITE_URL + offer.get_absolute_url() if offer else "",
        "admin_link": settings.SITE_URL + consultation.get_admin_url(),
        "site_url": settings.SITE_URL,
        "offer_days": settings.APPOINTMENTS_OFFER_DAYS,
        "cutoff_hours": settings.APPOINTMENTS_CHANGE_CUTOFF_HOURS,
    }
    if notification.kind == Notification.Kind.EARLIER_TIME:
        context |= earlier_time_context(appointment, offer)
    subject = SUBJECTS[notification.kind].format(reference=consultation.reference, when=context["when"])
    if notification.kind == Notification.Kind.TRIAGE_BOOKING:
        recipient, template = settings.APPOINTMENTS_TRIAGE_EMAIL, "appointments/email/triage_booking.txt"
    elif notification.kind == Notification.Kind.EARLIER_TIME:
        recipient, template = consultation.email, "appointments/email/earlier_time.txt"
    else:
        recipient, template = consultation.email, "appointments/email/booking.txt"
    attachments = []
    if appointment is not None and notification.kind in WITH_CALENDAR:
        attachments.append(calendar_file.attachment(appointment, clinic))
    return subject, render_to_string(template, context), [recipient], attachments


def earlier_time_context(appointment, offer):
    """The freed time offered to a waiting patient, and their Change page with it chosen."""
    parsed = parse_slot_key(appointment.earlier_time)
    starts_at = parsed[1] if parsed else appointment.starts_at
    query = urlencode({"from": timezone.localdate(starts_at).isoformat(), "slot": appointment.earlier_time})
    return {
        "current": spelled_out_time(appointment.starts_at),
        "when": spelled_out_time(starts_at),
        "link": f"{settings.SITE_URL}{reverse('appointments:change', args=[offer.token])}?{query}",
    }


for _kind in SUBJECTS:
    email_builder(_kind)(booking_email)
