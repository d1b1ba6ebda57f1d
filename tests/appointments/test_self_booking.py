"""Patients choose a time in the same visit: the link a routine request gets, the free times it lists."""

import contextlib
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from appointments import booking
from appointments.booking.self_booking import DAYS_PER_PAGE, choosable_slots, self_booking_offer
from appointments.models import Appointment, ConsultationRequest, Offer
from tests.factories import make_clinician, make_consultation

pytestmark = pytest.mark.django_db

REQUEST_URL = "/appointments/request/"


@pytest.fixture
def sending(django_capture_on_commit_callbacks, run_worker):
    @contextlib.contextmanager
    def commit_and_send():
        with django_capture_on_commit_callbacks(execute=True):
            yield
        run_worker()

    return commit_and_send


@pytest.fixture
def choosing_clinic(clinic):
    clinic.patients_choose_times = True
    clinic.save()
    return clinic


@pytest.fixture
def clinician(choosing_clinic):
    return make_clinician(name="Dr. Ana Rivera", weekdays=range(7))


def send_request(client, valid_data, sending, **overrides):
    with sending():
        response = client.post(REQUEST_URL, valid_data(**overrides))
    assert response.status_code == 303
    return client.get(response["Location"]).content.decode()


def test_a_routine_request_offers_choose_a_time_now_on_the_page_and_in_the_email(
    client, clinician, valid_data, sending
):
    page = send_request(client, valid_data, sending)
    consultation = ConsultationRequest.objects.get()
    offer = self_booking_offer(consultation)
    assert offer is not None and offer.any_free_time and not offer.times.exists()
    assert "What happens next" in page and "Choose a time now" in page
    assert f'href="/appointments/book/{offer.token}/"' in page
    confirmation = next(email for email in mail.outbox if email.to == [consultation.email])
    assert f"/appointments/book/{offer.token}/" in confirmation.body


def test_a_request_with_a_warning_sign_never_gets_self_booking(client, clinician, valid_data, sending):
    page = send_request(client, valid_data, sending, red_flags=["leg_weakness"])
    consultation = ConsultationRequest.objects.get()
    assert consultation.is_urgent
    assert not Offer.objects.exists()
    assert "Choose a time now" not in page and "/appointments/book/" not in page
    assert all("/appointments/book/" not in email.body for email in mail.outbox)


def test_no_self_booking_when_the_clinic_does_not_let_patients_choose(client, clinic, valid_data, sending):
    make_clinician(weekdays=range(7))
    page = send_request(client, valid_data, sending)
    assert not Offer.objects.exists() and "Choose a time now" not in page


@pytest.fixture
def self_offer(client, clinician, valid_data, sending):
    send_request(client, valid_data, sending, preferred_times="afternoons")
    mail.outbox.clear()
    return self_booking_offer(ConsultationRequest.objects.get())


def book_url(offer, **query):
    url = reverse("appointments:book", args=[offer.token])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def slot_keys(html):
    return re.findall(r'name="slot" id="[^"]+" value="([^"]+)"', html)


def test_the_page_lists_free_times_by_day_a_few_days_a_page_preferred_time_first(client, self_offer):
    response = client.get(book_url(self_offer))
    html = response.content.decode()
    assert response.status_code == 200
    slots = choosable_slots(self_offer.consultation)
    days = sorted({timezone.localdate(slot.starts_at) for slot in slots})
    first_page = [s for s in slots if timezone.localdate(s.starts_at) in days[:DAYS_PER_PAGE]]
    assert sorted(slot_keys(html)) == sorted(s.key for s in first_page)
    assert html.count('class="mb-3 free-day"') == DAYS_PER_PAGE
    # Afternoons asked for: on a day with both, the afternoon times come first.
    day_html = html.split("<legend")[2]
    assert day_html.index("Your preferred time of day") < day_html.index("1:00 PM") < day_html.index("9:00 AM")
    for detail in ("Maria Example", "maria@example.org", "555-0143", "My lower back"):
        assert detail not in html
    later = re.search(r'href="\?from=([-\d]+)">Later times', html)[1]
    assert later == days[DAYS_PER_PAGE].isoformat() and "Earlier times" not in html
    second = client.get(book_url(self_offer, **{"from": later})).content.decode()
    assert f"?from={days[0].isoformat()}" in second and "Earlier times" in second
    assert set(slot_keys(second)).isdisjoint(slot_keys(html))
    assert client.get(book_url(self_offer, **{"from": "not-a-date"})).status_code == 200


def test_the_patient_books_any_free_time_once_and_triage_sees_it(client, self_offer, sending, nurse_client):
    slot = choosable_slots(self_offer.consultation)[5]
    with sending():
        first = client.post(book_url(self_offer), {"slot": slot.key})
        second = client.post(book_url(self_offer), {"slot": slot.key})  # a double click
    assert first.status_code == second.status_code == 303
    appointment = Appointment.objects.get()
    assert (appointment.starts_at, appointment.clinician, appointment.booked_by_patient) == (
        slot.starts_at,
        slot.clinician,
        True,
    )
    assert appointment.remind_at is not None or appointment.starts_at - timezone.now() < timedelta(hours=12)
    (email,) = [e for e in mail.outbox if e.to == [self_offer.consultation.email]]
    assert slot.label in email.body
    queue = nurse_client.get(reverse("admin:appointments_consultationrequest_changelist"), {"view": "booked"})
    assert "Booked by the patient" in queue.content.decode()


def test_held_back_urgent_times_are_neither_shown_nor_bookable(client, self_offer, choosing_clinic):
    choosing_clinic.urgent_slots_per_day = 1
    choosing_clinic.save()
    held = [s for s in booking.offerable_slots(urgent=True) if s not in choosable_slots(self_offer.consultation)]
    assert held
    html = client.get(book_url(self_offer, **{"from": timezone.localdate(held[-1].starts_at)})).content.decode()
    assert held[-1].key not in html
    response = client.post(book_url(self_offer), {"slot": held[-1].key})
    assert response.status_code == 200 and "not available" in response.content.decode()
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("value", ["", "garbage", "1-20270316T140000", "999-20991231T140000Z", "1-19991231T140000Z"])
def test_a_malformed_unknown_or_past_time_shows_the_form_again(client, self_offer, value):
    response = client.post(book_url(self_offer), {"slot": value})
    assert response.status_code == 200
    assert re.search(r"Choose a time|Choose one of the times|has passed", response.content.decode())
    assert not Appointment.objects.exists()


def test_a_time_that_is_not_a_free_time_is_refused_with_a_plain_message(client, self_offer):
    slot = choosable_slots(self_offer.consultation)[0]
    off_grid = booking.Slot(slot.clinician, slot.starts_at + timedelta(minutes=7))
    response = client.post(book_url(self_offer), {"slot": off_grid.key})
    assert response.status_code == 200 and "not available" in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_time_someone_else_just_took_says_so(client, self_offer, sending):
    slot = choosable_slots(self_offer.consultation)[0]
    other = make_consultation()
    booking.book_for_patient(other, slot, by=None)
    response = client.post(book_url(self_offer), {"slot": slot.key})
    assert response.status_code == 200 and "just taken" in response.content.decode()
    assert not self_offer.consultation.appointments.exists()


def test_forged_and_expired_links_say_so_with_the_phone(client, self_offer, choosing_clinic):
    forged = client.get("/appointments/book/" + "x" * 32 + "/")
    assert forged.status_code == 404 and choosing_clinic.phone in forged.content.decode()
    assert client.get("/appointments/book/%3Cscript%3E/").status_code == 404
    Offer.objects.filter(pk=self_offer.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    expired = client.get(book_url(self_offer))
    assert expired.status_code == 410 and choosing_clinic.phone in expired.content.decode()


def test_a_deep_linked_time_is_pre_selected_after_the_request(client, clinician, valid_data, sending):
    slot = booking.offerable_slots(urgent=False)[7]
    form = client.get(REQUEST_URL, {"slot": slot.key}).content.decode()
    assert f"?slot={slot.key}" in form
    with sending():
        response = client.post(f"{REQUEST_URL}?slot={slot.key}", valid_data())
    page = client.get(response["Location"]).content.decode()
    link = re.search(r'href="(/appointments/book/[^"]+)" *>Choose a time now', page.replace("&amp;", "&"))[1]
    html = client.get(link).content.decode()
    assert f'value="{slot.key}" checked' in html
    assert client.get(REQUEST_URL, {"slot": "<script>"}).status_code == 200


@pytest.mark.parametrize("key", ["1-00010101T000000Z", "1-99991231T235959Z"])
def test_a_deep_link_outside_any_bookable_era_is_ignored_and_the_request_is_confirmed(
    client, clinician, valid_data, sending, key
):
    with sending():
        response = client.post(f"{REQUEST_URL}?slot={key}", valid_data())
    assert response.status_code == 303
    assert client.get(response["Location"]).status_code == 200
