"""The front desk: offer times by week, booking inside the patient notice, the day calendar, cancel."""

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from appointments import booking
from appointments.models import AccessRecord, Appointment, Offer
from clinic.opening_hours import at_local
from tests.factories import make_clinician, make_consultation

pytestmark = pytest.mark.django_db
DAY_URL = "admin:appointments_appointment_day"


@pytest.fixture
def open_every_day(clinic):
    """No holidays, so a test that travels to a date finds the clinic open."""
    clinic.observe_federal_holidays = False
    clinic.urgent_slots_per_day = 0
    clinic.save()
    return clinic


@pytest.fixture
def clinician(open_every_day):
    return make_clinician(name="Dr. Ana Rivera", weekdays=range(7), blocks=((8, 18),))


@pytest.fixture
def at_ten_past_ten(nurse_client):
    """The clock at 10:05 clinic time, some days from now (a Wednesday); the nurse signed in then."""
    day = timezone.localdate() + timedelta(days=10)
    day += timedelta(days=(2 - day.weekday()) % 7)
    with time_machine.travel(at_local(day, time(10, 5)), tick=False):
        nurse_client.force_login(nurse_client.user)
        yield day


def offer_url(consultation, **query):
    url = reverse("admin:appointments_consultationrequest_offer", args=[consultation.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def appointment_at(clinician, day, clock, consultation=None, **fields):
    starts_at = at_local(day, clock)
    return Appointment.objects.create(
        clinician=clinician,
        consultation=consultation or make_consultation(),
        starts_at=starts_at,
        ends_at=starts_at + clinician.length,
        **fields,
    )


# --- Offer times / book for the patient --------------------------------------------------------


def test_staff_book_inside_the_patient_notice_down_to_the_staff_notice(
    nurse_client, clinician, at_ten_past_ten, settings
):
    settings.APPOINTMENTS_STAFF_MIN_NOTICE_MINUTES = 60
    day = at_ten_past_ten
    consultation = make_consultation(email="")
    slots = nurse_client.get(offer_url(consultation)).context["slots"]
    assert slots[0].starts_at == at_local(day, time(11, 30))  # 10:05 + 60 minutes, the next whole half hour
    # Patients keep their notice: their first time is tomorrow.
    assert booking.offerable_slots(urgent=False)[0].starts_at == at_local(day + timedelta(days=1), time(10, 30))

    too_soon = booking.Slot(clinician, at_local(day, time(10, 30)))
    response = nurse_client.post(offer_url(consultation), {"slot": [too_soon.key], "book": "1"})
    assert "no longer free" in response.content.decode()
    assert not Appointment.objects.exists()

    response = nurse_client.post(offer_url(consultation), {"slot": [slots[0].key], "book": "1"})
    assert response.status_code == 302
    assert Appointment.objects.get().starts_at == at_local(day, time(11, 30))


def test_the_staff_notice_defaults_to_thirty_minutes(nurse_client, clinician, at_ten_past_ten):
    slots = nurse_client.get(offer_url(make_consultation())).context["slots"]
    assert slots[0].starts_at == at_local(at_ten_past_ten, time(11, 0))


def test_times_inside_the_patient_notice_are_booked_on_the_phone_not_sent(nurse_client, clinician, at_ten_past_ten):
    consultation = make_consultation()
    page = nurse_client.get(offer_url(consultation))
    soon = page.context["slots"][0]
    assert soon.key in page.context["phone_only"] and "phone booking only" in page.content.decode()
    response = nurse_client.post(offer_url(consultation), {"slot": [soon.key], "send": "1"})
    assert "too soon for the patient to book online" in response.content.decode()
    assert not Offer.objects.exists()


def test_ticking_six_shows_the_error_and_keeps_every_tick(nurse_client, clinician, at_ten_past_ten):
    consultation = make_consultation()
    page = nurse_client.get(offer_url(consultation, **{"from": at_ten_past_ten + timedelta(days=3)}))
    six = [slot.key for slot in page.context["slots"][:6]]
    response = nurse_client.post(
        offer_url(consultation, **{"from": at_ten_past_ten + timedelta(days=3)}), {"slot": six, "send": "1"}
    )
    content = response.content.decode()
    assert "between 1 and 5" in content
    checked = re.findall(r'name="slot" value="([^"]+)" checked', content)
    assert checked == six
    assert not Offer.objects.exists()


def test_free_times_come_a_week_at_a_time_grouped_by_day(nurse_client, clinician, at_ten_past_ten):
    consultation = make_consultation()
    first = nurse_client.get(offer_url(consultation))
    days = [day.day for day in first.context["days"]]
    assert days == [at_ten_past_ten + timedelta(days=n) for n in range(7)]
    content = first.content.decode()
    assert "Previous week" not in content and f"?from={at_ten_past_ten + timedelta(days=7)}" in content
    assert '<input type="date" id="id_from" name="from"' in content

    jump = at_ten_past_ten + timedelta(days=20)
    later = nurse_client.get(offer_url(consultation, **{"from": jump}))
    assert later.context["days"][0].day == jump
    assert f"?from={jump - timedelta(days=7)}" in later.content.decode()  # Previous week


@pytest.mark.parametrize("text", ["2027-13-45", "yesterday", "99999-01-01", "9999-12-31", "0001-01-01", "%00"])
def test_a_malformed_date_is_a_plain_message(nurse_client, clinician, text):
    consultation = make_consultation()
    response = nurse_client.get(offer_url(consultation), {"from": text})
    assert response.status_code == 200 and "not one we can show" in response.content.decode()
    response = nurse_client.get(reverse(DAY_URL), {"date": text})
    assert response.status_code == 400 and "not a date we can show" in response.content.decode()


def test_the_patients_preferred_time_of_day_is_marked(nurse_client, clinician, at_ten_past_ten):
    page = nurse_client.get(offer_url(make_consultation(preferred_times="afternoons")))
    preferred = page.context["preferred"]
    afternoons = {s.key for s in page.context["slots"] if timezone.localtime(s.starts_at).hour >= 12}
    assert preferred == afternoons and preferred
    assert "The patient prefers <strong>afternoons</strong>" in page.content.decode()


def test_staff_move_an_appointment_inside_the_patient_notice(nurse_client, clinician, at_ten_past_ten):
    appointment = appointment_at(clinician, at_ten_past_ten + timedelta(days=2), time(9))
    move_url = reverse("admin:appointments_appointment_move", args=[appointment.pk])
    soon = nurse_client.get(move_url).context["slots"][0]
    assert soon.starts_at == at_local(at_ten_past_ten, time(11))
    assert nurse_client.post(move_url, {"slot": soon.key}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.starts_at == soon.starts_at


# --- The day calendar ----------------------------------------------------------------------------


def test_the_day_calendar_shows_today_by_clinician_and_time(nurse_client, clinician):
    other = make_clinician(name="Dr. Ben Okafor", weekdays=range(7), blocks=((8, 18),))
    today = timezone.localdate()
    maria = appointment_at(
        clinician, today, time(9), make_consultation(full_name="Maria Example", phone="(312) 555-0177")
    )
    appointment_at(other, today, time(9), make_consultation(full_name="Sam Sample"), status="attended")
    appointment_at(other, today, time(10), make_consultation(full_name="Noel Noshow"), status="no_show")
    appointment_at(clinician, today, time(11), make_consultation(full_name="Cara Cancelled"), status="cancelled")
    appointment_at(clinician, today + timedelta(days=1), time(9), make_consultation(full_name="Tom Tomorrow"))

    response = nurse_client.get(reverse(DAY_URL))
    content = response.content.decode()
    calendar = response.context["calendar"]
    assert calendar.day == today
    assert [c.name for c in calendar.clinicians] == ["Dr. Ana Rivera", "Dr. Ben Okafor"]
    assert '<th scope="col">Dr. Ana Rivera</th>' in content and '<th scope="row">9:00 AM</th>' in content
    nine = next(row for row in calendar.rows if row.clock == time(9))
    assert [[a.consultation.full_name for a in cell] for cell in nine.cells] == [["Maria Example"], ["Sam Sample"]]
    for words in ["Maria Example", "Booked", "Attended", "Did not come", "Cancelled", maria.consultation.reference]:
        assert words in content
    assert "Tom Tomorrow" not in content
    assert 'href="tel:+13125550177"' in content
    assert maria.consultation.get_admin_url() in content  # the request, one click away
    assert reverse("admin:appointments_appointment_move", args=[maria.pk]) in content
    assert reverse("admin:appointments_appointment_cancel", args=[maria.pk]) in content
    assert 'class="appt appt-cancelled"' in content
    assert "Times are clinic time (E" in content and "America/New_York" in content


def test_the_day_calendar_moves_by_day_and_jumps_to_a_date(nurse_client, clinician):
    later = timezone.localdate() + timedelta(days=30)
    appointment_at(clinician, later, time(14), make_consultation(full_name="Lena Later"))
    response = nurse_client.get(reverse(DAY_URL), {"date": later.isoformat()})
    content = response.content.decode()
    assert "Lena Later" in content
    assert f"?date={later - timedelta(days=1)}" in content and f"?date={later + timedelta(days=1)}" in content
    assert '<input type="date" id="id_date" name="date"' in content


def test_opening_the_day_calendar_is_an_access_record(nurse_client, clinician):
    appointment = appointment_at(clinician, timezone.localdate(), time(9))
    nurse_client.get(reverse(DAY_URL))
    record = AccessRecord.objects.get()
    assert record.reference_list == [appointment.consultation.reference] and record.user == nurse_client.user


@pytest.mark.parametrize(
    ("day", "clocks", "zones"),
    [
        (date(2027, 3, 14), [time(1, 30), time(3, 30)], ["EST", "EDT"]),  # 2:00 to 3:00 does not exist
        (date(2027, 11, 7), [time(0, 30), time(3, 30)], ["EDT", "EST"]),
    ],
)
def test_the_day_calendar_across_the_clock_changes(nurse_client, open_every_day, day, clocks, zones):
    night = make_clinician(name="Dr. Night", weekdays=range(7), blocks=((0, 6),))
    for clock in clocks:
        appointment_at(night, day, clock)
    content = nurse_client.get(reverse(DAY_URL), {"date": day.isoformat()}).content.decode()
    for clock, zone in zip(clocks, zones, strict=True):
        assert f"{clock.hour or 12}:{clock:%M} AM {zone}" in content


def test_the_day_calendar_shows_both_appointments_of_the_repeated_hour(nurse_client, open_every_day):
    night = make_clinician(name="Dr. Night", weekdays=range(7), blocks=((0, 6),))
    first = datetime(2027, 11, 7, 1, 30, fold=0, tzinfo=timezone.get_default_timezone()).astimezone(UTC)
    for starts_at in (first, first + timedelta(hours=1)):  # 1:30 EDT, then 1:30 EST
        Appointment.objects.create(
            clinician=night, consultation=make_consultation(), starts_at=starts_at, ends_at=starts_at + night.length
        )
    content = nurse_client.get(reverse(DAY_URL), {"date": "2027-11-07"}).content.decode()
    assert "1:30 AM EDT" in content and "1:30 AM EST" in content


def test_cancel_asks_first_and_a_get_changes_nothing(nurse_client, clinician):
    appointment = booking.book_for_patient(
        make_consultation(full_name="Maria Example"), booking.offerable_slots(urgent=False)[0], by=None
    )
    cancel_url = reverse("admin:appointments_appointment_cancel", args=[appointment.pk])
    page = nurse_client.get(cancel_url)
    assert "Maria Example" in page.content.decode() and "Yes, cancel the appointment" in page.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    response = nurse_client.post(cancel_url)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert response.status_code == 302 and reverse(DAY_URL) in response["Location"]
    assert nurse_client.post(cancel_url).status_code == 302  # again: nothing to cancel, no error


def test_content_editors_cannot_open_the_day_calendar_or_cancel(editor_client, clinician):
    appointment = appointment_at(clinician, timezone.localdate(), time(9))
    assert editor_client.get(reverse(DAY_URL)).status_code == 403
    cancel_url = reverse("admin:appointments_appointment_cancel", args=[appointment.pk])
    assert editor_client.post(cancel_url).status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


# --- The agenda and the request page ---------------------------------------------------------


def test_the_agenda_shows_names_and_cancelled_appointments_in_words_and_style(nurse_client, clinician):
    today = timezone.localdate() + timedelta(days=1)
    appointment_at(clinician, today, time(9), make_consultation(full_name="Cara Cancelled"), status="cancelled")
    response = nurse_client.get(reverse("admin:appointments_appointment_changelist"))
    content = response.content.decode()
    assert "Cara Cancelled" in content
    assert '<span class="appt-status appt-cancelled">Cancelled</span>' in content
    assert "appointments/frontdesk.css" in content
    assert reverse(DAY_URL) in content
    assert AccessRecord.objects.filter(kind=AccessRecord.Kind.AGENDA).exists()


def test_the_request_page_shows_its_appointment_at_the_top(nurse_client, clinician):
    consultation = make_consultation()
    slot = booking.offerable_slots(urgent=False)[0]
    booking.book_for_patient(consultation, slot, by=nurse_client.user)
    content = nurse_client.get(consultation.get_admin_url()).content.decode()
    summary = content.index('class="appointment-summary')
    assert summary < content.index("triage-work")
    top = content[summary : content.index("</section>", summary)]
    assert "Dr. Ana Rivera" in top and "Booked" in top and f"{timezone.localtime(slot.starts_at):%-I:%M %p}" in top


def test_a_request_never_booked_has_no_appointment_at_the_top(nurse_client, clinician):
    content = nurse_client.get(make_consultation().get_admin_url()).content.decode()
    assert "appointment-summary" not in content
