"""The appointment as an iCalendar (.ics) file: the clinic's local time, nothing about the patient.

iTIP (RFC 5546): the clinic is the ORGANIZER; a booked appointment is `METHOD:REQUEST`, a moved one
the same UID with a higher SEQUENCE (calendars move the event rather than add a second), a cancelled
one `METHOD:CANCEL` with the same UID and a higher SEQUENCE. There is no ATTENDEE on purpose: it
would be the patient's address, and the file travels through shared calendars. Nothing in the
file can change or cancel the appointment: a reference and the clinic's phone only.
"""

import logging
from datetime import UTC
from urllib.parse import quote, urlencode, urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress

from .calendar_zone import UnsupportedZone, vtimezone

logger = logging.getLogger(__name__)

PRODUCT_ID = "-//BEST Health System//Appointments//EN"
FILENAME = "appointment.ics"
GOOGLE_CALENDAR = "https://calendar.google.com/calendar/render"
OUTLOOK_CALENDAR = "https://outlook.live.com/calendar/0/deeplink/compose"
WHAT_TO_BRING = (
    "a photo ID and your insurance card",
    "a list of the medicines you take",
    "any scans, X-rays or reports about your back or neck",
)


def calendar_file(appointment, clinic):
    """The .ics bytes for `appointment`: a stable UID, times with their TZID and an RRULE VTIMEZONE."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", calendar_method(appointment))
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", timezone.now())
    zone = _zone_component()
    for name, moment in (("dtstart", appointment.starts_at), ("dtend", appointment.ends_at)):
        # Without a VTIMEZONE we can write, UTC: right in every calendar, just without the zone's name.
        event.add(name, moment.astimezone(ZoneInfo(settings.TIME_ZONE) if zone else UTC))
    event.add("summary", event_title(clinic))
    event.add("location", place_text(appointment, clinic))
    event.add("description", event_details(appointment, clinic))
    event.add("organizer", organizer(clinic))
    event.add("status", "CANCELLED" if _cancelled(appointment) else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if zone is not None:
        calendar.add_component(zone)
    calendar.add_component(event)
    return calendar.to_ical()


def calendar_method(appointment):
    return "CANCEL" if _cancelled(appointment) else "REQUEST"


def content_type(appointment):
    """The download's Content-Type: RFC 5545 §3.7.2 wants `method=` whenever the file has METHOD."""
    return f"text/calendar; method={calendar_method(appointment)}; charset=utf-8"


def attachment(appointment, clinic):
    """The email attachment as (filename, content, mimetype); the mail library adds `charset=utf-8`."""
    return FILENAME, calendar_file(appointment, clinic), f"text/calendar; method={calendar_method(appointment)}"


def appointment_uid(appointment):
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"appointment-{appointment.pk}@{host}"


def event_title(clinic):
    """Generic on purpose: calendars are shared and shown on lock screens, so never the reason for the visit."""
    return f"Appointment at {clinic.name}"


def place_text(appointment, clinic):
    if appointment.clinician.is_telehealth:
        return "Video call (telehealth): we email you the link before the appointment"
    return " ".join(clinic.address.split()) or clinic.name


def event_details(appointment, clinic):
    """The event's description: place, length, what to bring, the reference and the phone. No links."""
    minutes = round((appointment.ends_at - appointment.starts_at).total_seconds() / 60)
    lines = [
        f"Where: {place_text(appointment, clinic)}",
        f"How long: about {minutes} minutes, with {appointment.clinician.name}",
        "What to bring: " + "; ".join(WHAT_TO_BRING) + ".",
        f"Your reference: {appointment.consultation.reference}",
    ]
    if clinic.phone:
        lines.append(f"To change or cancel, call {clinic.phone} and give your reference.")
    return "\n".join(lines)


def organizer(clinic):
    address = vCalAddress(f"mailto:{settings.APPOINTMENTS_ORGANIZER_EMAIL}")
    address.params["CN"] = clinic.name
    return address


def _cancelled(appointment):
    return appointment.status == appointment.Status.CANCELLED


def _zone_component():
    try:
        return vtimezone(settings.TIME_ZONE)
    except UnsupportedZone as error:
        logger.warning("Calendar files are written in UTC: %s", error)
        return None


def add_to_calendar_links(appointment, clinic):
    """Plain "Add to Google Calendar" / "Add to Outlook" links: nothing leaves the site until one is pressed.

    Built from what the .ics file says (generic title, UTC times, place, details without any link).
    """
    starts, ends = (moment.astimezone(UTC) for moment in (appointment.starts_at, appointment.ends_at))
    title, place, details = event_title(clinic), place_text(appointment, clinic), event_details(appointment, clinic)
    google = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{starts:%Y%m%dT%H%M%SZ}/{ends:%Y%m%dT%H%M%SZ}",
        "details": details,
        "location": place,
    }
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": f"{starts:%Y-%m-%dT%H:%M:%SZ}",
        "enddt": f"{ends:%Y-%m-%dT%H:%M:%SZ}",
        "body": details,
        "location": place,
    }
    return {
        "google": f"{GOOGLE_CALENDAR}?{urlencode(google, quote_via=quote)}",
        "outlook": f"{OUTLOOK_CALENDAR}?{urlencode(outlook, quote_via=quote)}",
    }
