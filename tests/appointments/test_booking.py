"""Offering times, the patient's booking page, confirmation, cancelling and changing."""

import contextlib
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from appointments import booking
from appointments.models import Appointment, ConsultationRequest, Notification, RequestEvent
from tests.factories import make_clinician, make_consultation

pytestmark = pytest.mark.django_db(transaction=False)

PATIENT = {"full_name": "Maria Example", "email": "maria@example.org", "message": "Sciatica after my L5 fusion."}


@pytest.fixture
def sending(django_capture_on_commit_callbacks, run_worker):
    """Commit, then let the worker send what was queued."""

    @contextlib.contextmanager
    def commit_and_send():
        with django_capture_on_commit_callbacks(execute=True):
            yield
        run_worker()

    return commit_and_send


@pytest.fixture
def clinician(clinic):
    return make_clinician(name="Dr. Ana Rivera", weekdays=range(7))


@pytest.fixture
def consultation(clinic):
    return make_consultation(**PATIENT)


@pytest.fixture
def offer(consultation, clinician, admin_user, sending):
    with sending():
        return booking.offer_times(consultation, by=admin_user)


def book_url(offer):
    return reverse("appointments:book", args=[offer.token])


def choose(client, offer, slot, sending):
    with sending():
        return client.post(book_url(offer), {"slot": slot.key})


def test_offer_times_offers_the_earliest_free_times_and_records_it(offer, consultation, admin_user):
    slots = booking.offered_slots(offer)
    assert len(slots) == 3
    assert [s.starts_at for s in slots] == [s.starts_at for s in booking.offerable_slots(urgent=False, limit=3)]
    assert offer.get_absolute_url() == f"/appointments/book/{offer.token}/"
    assert len(offer.token) >= 32
    consultation.refresh_from_db()
    assert consultation.status == ConsultationRequest.Status.CONTACTED
    assert consultation.events.filter(kind=RequestEvent.Kind.OFFER, actor=admin_user).exists()
    (email,) = mail.outbox
    assert email.to == [PATIENT["email"]]
    assert f"/appointments/book/{offer.token}/" in email.body


def test_offer_times_owns_its_rules_no_email_and_at_most_five(consultation, clinician, admin_user):
    slots = booking.offerable_slots(urgent=True, limit=6)
    with pytest.raises(booking.BookingError, match="between 1 and 5"):
        booking.offer_times(consultation, by=admin_user, slots=slots)
    with pytest.raises(booking.BookingError, match="between 1 and 5"):
        booking.offer_times(consultation, by=admin_user, slots=[])
    consultation.email = ""
    with pytest.raises(booking.BookingError, match="gave no email"):
        booking.offer_times(consultation, by=admin_user, slots=slots[:1])
    assert not consultation.offers.exists()


def test_booking_page_shows_the_times_spelled_out_and_nothing_personal(client, offer):
    response = client.get(book_url(offer))
    html = response.content.decode()
    assert response.status_code == 200
    for slot in booking.offered_slots(offer):
        assert slot.label in html
        assert re.search(
            r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \w+ \d+, \d{4}, \d+:\d\d [AP]M Eastern",
            slot.label,
        )
        assert 'name="slot" id="slot-1"' in html or 'name="slot"' in html
    assert "Dr. Ana Rivera" in html
    for detail in PATIENT.values():
        assert detail not in html
    assert "<script" not in html.split("</main>")[0].split("<main")[1]


def test_patient_books_a_time(client, offer, consultation, sending):
    slot = booking.offered_slots(offer)[1]
    mail.outbox.clear()
    response = choose(client, offer, slot, sending)
    assert response.status_code == 303
    assert response["Location"] == reverse("appointments:booked", args=[offer.token])

    appointment = Appointment.objects.get()
    assert (appointment.clinician, appointment.starts_at, appointment.status) == (
        slot.clinician,
        slot.starts_at,
        "booked",
    )
    assert appointment.booked_by_patient
    consultation.refresh_from_db()
    assert consultation.status == ConsultationRequest.Status.SCHEDULED
    event = consultation.events.filter(kind=RequestEvent.Kind.BOOKING).get()
    assert event.who == "Patient, through the website" and "Booked by the patient" in event.detail

    page = client.get(response["Location"]).content.decode()
    assert slot.label in page and "What to bring" in page and "Change the time" in page

    (email,) = mail.outbox
    assert slot.label in email.body and "What to bring" in email.body and book_url(offer) in email.body
    (name, _content, mimetype) = email.attachments[0]
    assert name == "appointment.ics" and mimetype == "text/calendar; method=REQUEST"


def test_calendar_file_parses_back_with_the_clinics_local_time(client, offer, sending):
    slot = booking.offered_slots(offer)[0]
    choose(client, offer, slot, sending)
    response = client.get(reverse("appointments:calendar-file", args=[offer.token]))
    assert response["Content-Type"] == "text/calendar; method=REQUEST; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    assert str(start.tzinfo) == "America/New_York"
    assert start == slot.starts_at and start.hour == timezone.localtime(slot.starts_at).hour
    assert event["dtstart"].params["TZID"] == "America/New_York"
    assert calendar.walk("VTIMEZONE")
    assert str(event["summary"]) == "Appointment at Test Spine Clinic"
    appointment = Appointment.objects.get()
    assert str(event["uid"]) == f"appointment-{appointment.pk}@127.0.0.1" or str(event["uid"]).startswith(
        f"appointment-{appointment.pk}@"
    )
    text = response.content.decode()
    for detail in PATIENT.values():
        assert detail not in text
    # The same appointment keeps its UID in a later file.
    again = Calendar.from_ical(client.get(reverse("appointments:calendar-file", args=[offer.token])).content)
    assert str(again.walk("VEVENT")[0]["uid"]) == str(event["uid"])


def test_double_click_books_once(client, offer, sending):
    first, second = booking.offered_slots(offer)[:2]
    assert choose(client, offer, first, sending).status_code == 303
    again = choose(client, offer, first, sending)
    other = choose(client, offer, second, sending)
    assert again.status_code == other.status_code == 303
    assert Appointment.objects.count() == 1


def test_a_time_just_taken_says_so_and_shows_the_remaining_times(client, offer, clinician, sending):
    taken, *others = booking.offered_slots(offer)
    rival = booking.offer_times(make_consultation(), by=None, slots=[taken])
    booking.book(rival, taken)

    response = choose(client, offer, taken, sending)
    html = response.content.decode()
    assert response.status_code == 200
    assert "that time was just taken" in html
    assert taken.label not in html
    assert all(slot.label in html for slot in others)
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize(
    "value", ["", "nonsense", "1-20270316T140000Z", "99999-20270316T140000Z", "1-2027x316T140000Z", "1" * 40]
)
def test_a_slot_that_was_not_offered_or_is_malformed_is_a_form_error(client, offer, value):
    response = client.post(book_url(offer), {"slot": value})
    assert response.status_code == 200
    assert response.context["form"].errors["slot"]
    assert not Appointment.objects.exists()


def test_a_past_slot_is_a_form_error(client, offer):
    slot = booking.offered_slots(offer)[0]
    offer.times.filter(starts_at=slot.starts_at).update(
        starts_at=timezone.now().replace(microsecond=0) - timedelta(hours=1)
    )
    past = booking.Slot(slot.clinician, offer.times.order_by("starts_at").first().starts_at)
    response = client.post(book_url(offer), {"slot": past.key})
    assert response.status_code == 200
    assert "has passed" in response.context["form"].errors["slot"][0]
    assert not Appointment.objects.exists()


def test_unknown_forged_and_expired_links_get_a_clear_page_with_the_phone(client, offer, clinic):
    for token in ["x" * 32, "../../etc", offer.token[:-1] + ("A" if offer.token[-1] != "A" else "B"), "é" * 20]:
        response = client.get(f"/appointments/book/{token}/")
        assert response.status_code == 404
        assert clinic.phone in response.content.decode()
    assert client.get("/appointments/book/%00/").status_code in (400, 404)
    offer.expires_at = timezone.now() - timedelta(seconds=1)
    offer.save()
    response = client.get(book_url(offer))
    assert response.status_code == 410 and clinic.phone in response.content.decode()
    assert client.post(book_url(offer), {"slot": booking.offered_slots(offer)[0].key}).status_code == 410
    assert not Appointment.objects.exists()


def test_patient_cancels_then_the_time_is_free_and_triage_is_told(client, offer, consultation, sending, settings):
    slot = booking.offered_slots(offer)[0]
    choose(client, offer, slot, sending)
    mail.outbox.clear()
    with sending():
        response = client.post(reverse("appointments:cancel", args=[offer.token]))
    assert response.status_code == 200 and "cancelled" in response.content.decode()
    assert Appointment.objects.get().status == Appointment.Status.CANCELLED
    assert slot.starts_at in booking.free_slots(
        slot.clinician, timezone.localdate(slot.starts_at), timezone.localdate(slot.starts_at)
    )
    consultation.refresh_from_db()
    assert consultation.status == ConsultationRequest.Status.CONTACTED
    triage = [m for m in mail.outbox if m.to == [settings.APPOINTMENTS_TRIAGE_EMAIL]]
    assert (
        len(triage) == 1 and consultation.reference in triage[0].body and consultation.get_admin_url() in triage[0].body
    )
    # The used link no longer works; a new offer books again.
    assert client.get(book_url(offer)).status_code == 410
    again = booking.offer_times(consultation, by=None, slots=[slot])
    choose(client, again, slot, sending)
    assert Appointment.objects.filter(status="booked").count() == 1


def test_too_close_to_the_time_the_patient_must_call(client, offer, sending, settings):
    slot = booking.offered_slots(offer)[0]
    choose(client, offer, slot, sending)
    settings.APPOINTMENTS_CHANGE_CUTOFF_HOURS = 24 * 60
    response = client.post(reverse("appointments:cancel", args=[offer.token]))
    assert "cannot be changed online" in response.content.decode()
    assert Appointment.objects.get().status == Appointment.Status.BOOKED


def test_patient_asks_for_other_times(client, offer, consultation, sending, settings):
    mail.outbox.clear()
    with sending():
        response = client.post(reverse("appointments:other-times", args=[offer.token]))
    assert response.status_code == 200
    assert [m.to for m in mail.outbox] == [[settings.APPOINTMENTS_TRIAGE_EMAIL]]
    assert consultation.events.filter(detail="The patient asked for other times").exists()
    assert client.get(book_url(offer)).status_code == 410


def test_no_email_carries_a_name_condition_or_message(client, offer, consultation, admin_user, sending, settings):
    # Offered times are at least a day away: with a 12-hour reminder, booking never counts as the reminder.
    settings.APPOINTMENTS_REMINDER_HOURS = 12
    slot, new_slot = booking.offered_slots(offer)[:2]
    choose(client, offer, slot, sending)
    with sending():
        booking.move(Appointment.objects.get(), new_slot, by=admin_user)
        booking.send_due_reminders(now=new_slot.starts_at - timedelta(hours=11))
        booking.cancel(Appointment.objects.get(), by=None)
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {"offer", "booked", "moved", "reminder", "cancelled", "triage_booking"} <= kinds
    for email in mail.outbox:
        text = email.subject + email.body + "".join(str(a[1]) for a in email.attachments)
        for detail in PATIENT.values():
            assert detail not in text
        assert "Maria" not in text and "fusion" not in text.lower()
