"""The appointment as an iCalendar (.ics) file: the clinic's local time, nothing about the patient."""

from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

PRODUCT_ID = "-//BEST Health System//Appointments//EN"


def calendar_file(appointment, clinic):
    """The .ics bytes for `appointment`: a stable UID, times with their TZID and VTIMEZONE."""
    zone = ZoneInfo(settings.TIME_ZONE)
    cancelled = appointment.status == appointment.Status.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.starts_at.astimezone(zone))
    event.add("dtend", appointment.ends_at.astimezone(zone))
    event.add("summary", f"Appointment at {clinic.name}")
    event.add("location", place_text(appointment, clinic))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    link = settings.SITE_URL + appointment.offer.get_absolute_url() if appointment.offer_id else settings.SITE_URL
    event.add(
        "description",
        f"Reference {appointment.consultation.reference}. To cancel or change: {link}"
        + (f" or call {clinic.phone}." if clinic.phone else "."),
    )
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def appointment_uid(appointment):
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"appointment-{appointment.pk}@{host}"


def place_text(appointment, clinic):
    if appointment.clinician.is_telehealth:
        return "Video call (telehealth): we email you the link before the appointment"
    return " ".join(clinic.address.split()) or clinic.name
