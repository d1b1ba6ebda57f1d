"""After booking, the same link changes the time or cancels, as a patient expects."""

import contextlib
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from appointments import booking
from appointments.booking.self_booking import choosable_slots, open_self_booking
from appointments.models import Appointment
from tests.factories import make_clinician, make_consultation

pytestmark = pytest.mark.django_db

PATIENT = {"full_name": "Maria Example", "email": "maria@example.org", "message": "Sciatica after my L5 fusion."}


@pytest.fixture
def sending(django_capture_on_commit_callbacks, run_worker):
    @contextlib.contextmanager
    def commit_and_send():
        with django_capture_on_commit_callbacks(execute=True):
            yield
        run_worker()

    return commit_and_send


@pytest.fixture
def offer(clinic):
    clinic.patients_choose_times = True
    clinic.save()
    make_clinician(name="Dr. Ana Rivera", weekdays=range(7))
    return open_self_booking(make_consultation(**PATIENT))


@pytest.fixture
def booked(client, offer, sending):
    slot = choosable_slots(offer.consultation)[0]
    with sending():
        assert client.post(url("book", offer), {"slot": slot.key}).status_code == 303
    mail.outbox.clear()
    return Appointment.objects.get()


def url(name, offer):
    return reverse(f"appointments:{name}", args=[offer.token])


def patient_emails(offer):
    return [email for email in mail.outbox if email.to == [PATIENT["email"]]]


def ics(email):
    return Calendar.from_ical(email.attachments[0][1])


def test_the_link_shows_the_appointment_with_change_and_cancel(client, offer, booked):
    response = client.get(url("book", offer), follow=True)
    html = response.content.decode()
    assert booking.Slot(booked.clinician, booked.starts_at).label in html
    assert f'href="{url("change", offer)}"' in html and f'href="{url("cancel", offer)}"' in html
    for detail in PATIENT.values():
        assert detail not in html


def test_change_keeps_the_old_time_until_the_new_one_is_booked_then_one_email_moves_the_event(
    client, offer, booked, sending
):
    old_start, old_sequence = booked.starts_at, booked.sequence
    page = client.get(url("change", offer)).content.decode()
    assert "It stays booked until you book a new time" in page
    assert Appointment.objects.get().starts_at == old_start  # looking changes nothing
    new = choosable_slots(offer.consultation)[3]
    assert new.key in page and 'name="slot"' in page
    with sending():
        response = client.post(url("change", offer), {"slot": new.key})
    assert response.status_code == 303 and response["Location"] == url("booked", offer)
    (appointment,) = Appointment.objects.all()
    assert (appointment.pk, appointment.starts_at, appointment.status) == (booked.pk, new.starts_at, "booked")
    assert appointment.sequence > old_sequence and appointment.remind_at is not None
    assert old_start in booking.free_slots(
        booked.clinician, timezone.localdate(old_start), timezone.localdate(old_start)
    )
    (email,) = patient_emails(offer)
    assert new.label in email.body
    calendar = ics(email)
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["method"]) == "REQUEST" and int(event["sequence"]) == appointment.sequence
    assert str(event["uid"]).startswith(f"appointment-{booked.pk}@")
    assert event.decoded("dtstart") == new.starts_at


def test_a_new_time_taken_meanwhile_leaves_the_old_one_booked_and_says_so(client, offer, booked):
    new = choosable_slots(offer.consultation)[2]
    booking.book_for_patient(make_consultation(), new, by=None)  # another patient, a moment before
    response = client.post(url("change", offer), {"slot": new.key})
    html = response.content.decode()
    assert response.status_code == 200 and "just taken" in html
    assert booking.Slot(booked.clinician, booked.starts_at).label in html
    assert offer.consultation.appointments.get().starts_at == booked.starts_at


@pytest.mark.parametrize("value", ["", "nonsense", "1-19991231T140000Z"])
def test_change_with_a_bad_time_shows_the_form_again(client, offer, booked, value):
    response = client.post(url("change", offer), {"slot": value})
    assert response.status_code == 200 and "Choose" in response.content.decode()
    assert Appointment.objects.get().starts_at == booked.starts_at


def test_cancel_asks_first_then_cancels_with_a_cancel_calendar_file(client, offer, booked, sending):
    page = client.get(url("cancel", offer))
    assert page.status_code == 200 and "Cancel your appointment?" in page.content.decode()
    assert Appointment.objects.get().status == "booked"  # a GET never cancels
    with sending():
        response = client.post(url("cancel", offer))
    assert response.status_code == 200 and "cancelled" in response.content.decode()
    assert Appointment.objects.get().status == "cancelled"
    (email,) = patient_emails(offer)
    calendar = ics(email)
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["method"]) == "CANCEL" and int(event["sequence"]) > booked.sequence
    assert str(event["uid"]).startswith(f"appointment-{booked.pk}@")


def test_a_cancelled_link_says_so_with_the_phone_and_a_way_to_ask_again(client, offer, booked, clinic):
    booking.cancel(booked, online=True)
    for name in ("book", "booked", "change", "cancel"):
        response = client.get(url(name, offer))
        html = response.content.decode()
        assert response.status_code == 410, name
        assert "This appointment was cancelled" in html and clinic.phone in html
        assert 'href="/appointments/request/"' in html
    assert client.post(url("change", offer), {"slot": "1-20991231T140000Z"}).status_code == 410
    assert client.post(url("cancel", offer)).status_code == 410


def test_inside_the_cutoff_neither_change_nor_cancel_and_the_page_says_why(client, offer, booked, settings, clinic):
    Appointment.objects.filter(pk=booked.pk).update(
        starts_at=timezone.now() + timedelta(hours=2), ends_at=timezone.now() + timedelta(hours=2, minutes=30)
    )
    new = choosable_slots(offer.consultation)[4]
    for response in (
        client.get(url("change", offer)),
        client.post(url("change", offer), {"slot": new.key}),
        client.get(url("cancel", offer)),
        client.post(url("cancel", offer)),
    ):
        html = response.content.decode()
        assert f"less than {settings.APPOINTMENTS_CHANGE_CUTOFF_HOURS} hours" in html and clinic.phone in html
    appointment = Appointment.objects.get()
    assert appointment.status == "booked" and appointment.starts_at != new.starts_at


def test_two_tabs_changing_one_appointment_end_with_one_live_appointment(client, offer, booked):
    first, second = choosable_slots(offer.consultation)[2:4]
    assert client.post(url("change", offer), {"slot": first.key}).status_code == 303
    assert client.post(url("change", offer), {"slot": second.key}).status_code == 303
    (live,) = Appointment.objects.live()
    assert live.starts_at == second.starts_at


@pytest.mark.parametrize("key", ["1-99991231T235959Z", "1-00010101T000000Z", "1-90001231T235959Z"])
def test_a_time_outside_any_bookable_era_is_a_plain_message_not_an_error(client, booked, offer, key):
    for name in ("change", "book"):
        response = client.post(url(name, offer), {"slot": key})
        assert response.status_code in (200, 303, 410), name  # the form again, or the booked page
    assert Appointment.objects.get().starts_at == booked.starts_at
