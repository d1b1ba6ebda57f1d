"""The appointment's calendar file, read back by two parsers no one here wrote: icalendar and vobject.

Both 2027 clock changes (US: 2027-03-14 and 2027-11-07): a 9:00 appointment on either side must
come back as 9:00 clinic time, also when a reader has only the file's VTIMEZONE to go by.
"""

import email
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import vobject
from bs4 import BeautifulSoup
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from appointments import booking
from appointments.booking.calendar_file import calendar_file
from appointments.booking.calendar_zone import UnsupportedZone, vtimezone
from appointments.models import Appointment
from tests.factories import make_clinician, make_consultation

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
# Around both 2027 changes: before and after the spring one, before and after the autumn one.
WALL_TIMES = [
    datetime(2027, 3, 12, 9, 0),
    datetime(2027, 3, 15, 9, 0),
    datetime(2027, 11, 5, 9, 0),
    datetime(2027, 11, 8, 9, 0),
    datetime(2027, 11, 8, 16, 30),
]
PATIENT = {"full_name": "Maria Example", "email": "maria@example.org", "message": "Sciatica after my L5 fusion."}


def appointment_at(wall_time, clinician, **fields):
    starts_at = wall_time.replace(tzinfo=NEW_YORK)
    return Appointment.objects.create(
        clinician=clinician,
        consultation=make_consultation(**PATIENT),
        starts_at=starts_at,
        ends_at=starts_at + clinician.length,
        **fields,
    )


def without_zone_name(ics):
    """The same file with a TZID no tz database knows: a reader must use the file's own VTIMEZONE."""
    return ics.replace(b"America/New_York", b"Clinic Local Time")


def read_with_icalendar(ics):
    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    return event.decoded("dtstart"), event.decoded("dtend")


def read_with_vobject(ics):
    event = vobject.readOne(ics.decode()).vevent
    return event.dtstart.value, event.dtend.value


@pytest.mark.parametrize("wall_time", WALL_TIMES, ids=lambda when: f"{when:%Y-%m-%d-%H%M}")
@pytest.mark.parametrize("read", [read_with_icalendar, read_with_vobject], ids=["icalendar", "vobject"])
@pytest.mark.parametrize("tzid", ["named", "only-the-vtimezone"])
def test_both_parsers_read_the_clinics_wall_time_across_the_2027_clock_changes(clinic, wall_time, read, tzid):
    appointment = appointment_at(wall_time, make_clinician())
    ics = calendar_file(appointment, clinic)
    start, end = read(without_zone_name(ics) if tzid == "only-the-vtimezone" else ics)
    assert start == appointment.starts_at and end == appointment.ends_at  # the same instant
    assert (start.hour, start.minute) == (wall_time.hour, wall_time.minute)  # and the same wall time
    assert start.utcoffset() == appointment.starts_at.astimezone(NEW_YORK).utcoffset()


def test_the_vtimezone_is_rfc_5545s_new_york_example_with_rrules_not_rdate_lists(clinic):
    ics = calendar_file(appointment_at(WALL_TIMES[1], make_clinician()), clinic).decode()
    zone = ics[ics.index("BEGIN:VTIMEZONE") : ics.index("END:VTIMEZONE")]
    assert "RDATE" not in zone
    assert "BEGIN:DAYLIGHT\r\nDTSTART:20070311T020000\r\nRRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\n" in zone
    assert "BEGIN:STANDARD\r\nDTSTART:20071104T020000\r\nRRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\n" in zone
    assert "TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400" in zone and "TZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500" in zone


@pytest.mark.parametrize(
    "key",
    [
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "Pacific/Honolulu",
        "America/Halifax",
        "Europe/London",
        "Australia/Sydney",
        "Asia/Jerusalem",
    ],
)
def test_each_zones_vtimezone_gives_the_tz_databases_offsets_for_years_ahead(key):
    """Read back as a time zone, the VTIMEZONE agrees with zoneinfo at noon on every day of 2027 to 2030."""
    component = vtimezone(key)
    assert "RDATE" not in component.to_ical().decode()
    from_file, reference = component.to_tz(), ZoneInfo(key)
    day = datetime(2027, 1, 1, 12)
    while day.year < 2031:
        assert day.replace(tzinfo=from_file).utcoffset() == day.replace(tzinfo=reference).utcoffset(), day
        day += timedelta(days=1)


def test_a_zone_with_no_yearly_rule_form_is_refused_not_guessed(clinic, settings):
    with pytest.raises(UnsupportedZone):
        vtimezone("Africa/Cairo")  # changes on "the day after the last Thursday", which may be the 1st
    settings.TIME_ZONE = "Africa/Cairo"
    appointment = appointment_at(WALL_TIMES[1], make_clinician())
    (event,) = Calendar.from_ical(calendar_file(appointment, clinic)).walk("VEVENT")
    assert event.decoded("dtstart") == appointment.starts_at and event["dtstart"].to_ical().endswith(b"Z")


def test_the_file_names_the_clinic_as_organizer_and_carries_no_link_or_patient_detail(clinic, settings):
    settings.APPOINTMENTS_ORGANIZER_EMAIL = "desk@clinic.example"
    appointment = appointment_at(WALL_TIMES[1], make_clinician(name="Dr. Ana Rivera", minutes=45))
    ics = calendar_file(appointment, clinic)
    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["organizer"]) == "mailto:desk@clinic.example"
    assert event["organizer"].params["CN"] == "Test Spine Clinic"
    assert str(event["summary"]) == "Appointment at Test Spine Clinic"
    assert str(event["location"]) == "1 Test Street"
    description = str(event["description"])
    for fact in ("1 Test Street", "45 minutes", "photo ID", "insurance card", appointment.consultation.reference):
        assert fact in description
    assert "(555) 010-0199" in description
    text = ics.decode()
    assert "http" not in text.lower() and "/appointments/" not in text and "ATTENDEE" not in text
    for offer in appointment.consultation.offers.all():
        assert offer.token not in text
    for detail in PATIENT.values():
        assert detail not in text
    assert "fusion" not in text.lower() and "sciatica" not in text.lower()


@pytest.fixture
def booked(clinic, admin_user, django_capture_on_commit_callbacks, run_worker):
    """A patient books the first offered time; the booking email has been sent."""
    make_clinician(weekdays=range(7))
    consultation = make_consultation(**PATIENT)
    with django_capture_on_commit_callbacks(execute=True):
        offer = booking.offer_times(consultation, by=admin_user)
        slot = booking.offered_slots(offer)[0]
        appointment = booking.book(offer, slot)
    run_worker()
    return offer, appointment


def calendar_parts(message):
    """The text/calendar parts of a sent email, as a mail client parses the message."""
    parsed = email.message_from_bytes(message.message().as_bytes())
    return [part for part in parsed.walk() if part.get_content_type() == "text/calendar"]


def test_the_download_and_the_email_part_say_method_and_charset(client, booked):
    offer, _appointment = booked
    response = client.get(reverse("appointments:calendar-file", args=[offer.token]))
    assert response["Content-Type"] == "text/calendar; method=REQUEST; charset=utf-8"
    assert b"METHOD:REQUEST" in response.content
    (part,) = calendar_parts(mail.outbox[-1])
    assert part.get_param("method") == "REQUEST" and part.get_content_charset() == "utf-8"
    assert part.get_filename() == "appointment.ics"
    assert b"METHOD:REQUEST" in part.get_payload(decode=True)


def test_a_move_keeps_the_uid_and_raises_the_sequence_and_a_cancel_is_method_cancel(
    booked, admin_user, django_capture_on_commit_callbacks, run_worker
):
    _offer, appointment = booked
    (first,) = calendar_parts(mail.outbox[-1])
    first = Calendar.from_ical(first.get_payload(decode=True))
    new_slot = booking.offerable_slots(urgent=False, limit=5)[-1]
    with django_capture_on_commit_callbacks(execute=True):
        booking.move(appointment, new_slot, by=admin_user)
    run_worker()
    (moved_part,) = calendar_parts(mail.outbox[-1])
    moved = Calendar.from_ical(moved_part.get_payload(decode=True))
    with django_capture_on_commit_callbacks(execute=True):
        booking.cancel(Appointment.objects.get(pk=appointment.pk), by=None)
    run_worker()
    cancel_mail = next(m for m in reversed(mail.outbox) if m.to == [PATIENT["email"]])
    (cancelled_part,) = calendar_parts(cancel_mail)
    cancelled = Calendar.from_ical(cancelled_part.get_payload(decode=True))

    events = [calendar.walk("VEVENT")[0] for calendar in (first, moved, cancelled)]
    assert len({str(event["uid"]) for event in events}) == 1
    sequences = [int(event["sequence"]) for event in events]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3
    assert [str(c["method"]) for c in (first, moved, cancelled)] == ["REQUEST", "REQUEST", "CANCEL"]
    assert moved_part.get_param("method") == "REQUEST" and cancelled_part.get_param("method") == "CANCEL"
    assert str(events[2]["status"]) == "CANCELLED"
    assert events[1].decoded("dtstart") == new_slot.starts_at
    for calendar in (first, moved, cancelled):
        assert calendar.walk("VEVENT")[0]["organizer"]


def test_no_calendar_file_in_any_email_holds_a_link_or_the_offer_token(booked):
    offer, _appointment = booked
    for message in mail.outbox:
        for part in calendar_parts(message):
            text = part.get_payload(decode=True).decode()
            assert offer.token not in text and not re.search(r"https?://", text)


def test_the_booked_page_and_email_offer_google_and_outlook_links_built_from_the_appointment(client, booked):
    offer, appointment = booked
    page = client.get(reverse("appointments:booked", args=[offer.token])).content.decode()
    soup = BeautifulSoup(page, "html.parser")
    google = soup.find("a", string="Add to Google Calendar")
    outlook = soup.find("a", string="Add to Outlook")
    assert google and outlook
    starts, ends = (
        f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}" for moment in (appointment.starts_at, appointment.ends_at)
    )
    for link, when in ((google, {"dates": [f"{starts}/{ends}"]}), (outlook, {"startdt": [iso(appointment.starts_at)]})):
        assert "noreferrer" in link["rel"]  # the page's address holds the booking link: never sent to them
        query = parse_qs(urlsplit(link["href"]).query)
        for name, value in when.items():
            assert query[name] == value
        title = query.get("text") or query.get("subject")
        details = (query.get("details") or query.get("body"))[0]
        assert title == ["Appointment at Test Spine Clinic"] and query["location"] == ["1 Test Street"]
        assert appointment.consultation.reference in details and "30 minutes" in details
        assert offer.token not in link["href"] and "http" not in details and "/appointments/" not in details
    assert parse_qs(urlsplit(outlook["href"]).query)["enddt"] == [iso(appointment.ends_at)]
    # Links only: the page loads nothing from another site.
    for tag in soup.find_all(["script", "img", "iframe", "link"]):
        source = tag.get("src") or tag.get("href") or ""
        assert not source.startswith(("http:", "https:", "//")), tag
    booked_email = next(m for m in mail.outbox if m.subject.startswith("Your appointment is booked"))
    assert google["href"] in booked_email.body and outlook["href"] in booked_email.body


def iso(moment):
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def test_the_system_check_warns_when_the_clinics_zone_has_no_yearly_rule_form(settings):
    from appointments.checks import check_time_zone_for_calendar_files

    assert check_time_zone_for_calendar_files(None) == []
    settings.TIME_ZONE = "Africa/Cairo"
    (warning,) = check_time_zone_for_calendar_files(None)
    assert warning.id == "appointments.W001" and "UTC" in warning.msg
