"""Booking re-checks what is true when the patient or staff act: time off, closures, notice, links."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments import booking
from appointments.models import Appointment, TimeOff
from clinic.models import ClinicClosure
from tests.factories import make_clinician, make_consultation

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinician(clinic):
    clinic.observe_federal_holidays = False  # whatever day the suite runs on
    clinic.save()
    return make_clinician(name="Dr. Ana Rivera", weekdays=range(7))


@pytest.fixture
def offer(clinician):
    slots = booking.offerable_slots(urgent=False)
    # Three times on three different days, so a closure of one day leaves the others.
    days, chosen = set(), []
    for slot in slots:
        if timezone.localdate(slot.starts_at) not in days:
            days.add(timezone.localdate(slot.starts_at))
            chosen.append(slot)
    return booking.offer_times(make_consultation(), by=None, slots=chosen[:3])


def book_url(offer):
    return reverse("appointments:book", args=[offer.token])


def make_unavailable(how, slot):
    if how == "time off":
        TimeOff.objects.create(clinician=slot.clinician, starts_at=slot.starts_at, ends_at=slot.ends_at)
    elif how == "closure":
        day = timezone.localdate(slot.starts_at)
        ClinicClosure.objects.create(starts_on=day, ends_on=day, reason="Flooded")
    elif how == "inactive":
        slot.clinician.active = False
        slot.clinician.save()


@pytest.mark.parametrize("how", ["time off", "closure"])
def test_a_time_covered_since_it_was_offered_is_not_listed_nor_booked(client, offer, how):
    gone, *others = booking.offered_slots(offer)
    make_unavailable(how, gone)

    page = client.get(book_url(offer)).content.decode()
    assert gone.label not in page and all(slot.label in page for slot in others)

    response = client.post(book_url(offer), {"slot": gone.key})
    html = response.content.decode()
    assert response.status_code == 200 and "that time is no longer available" in html
    assert gone.label not in html and all(slot.label in html for slot in others)
    assert not Appointment.objects.exists()


def test_an_inactive_clinicians_times_are_not_listed_nor_booked(client, offer):
    gone = booking.offered_slots(offer)[0]
    make_unavailable("inactive", gone)
    page = client.get(book_url(offer)).content.decode()
    assert "None of the times we offered you is still free" in page
    response = client.post(book_url(offer), {"slot": gone.key})
    assert "that time is no longer available" in response.content.decode()
    assert not Appointment.objects.exists()


def test_an_offered_time_inside_the_notice_window_cannot_be_booked(client, offer, settings):
    first = booking.offered_slots(offer)[0]
    settings.APPOINTMENTS_MIN_NOTICE_HOURS = int((first.starts_at - timezone.now()).total_seconds() // 3600) + 1
    response = client.post(book_url(offer), {"slot": first.key})
    assert "that time is no longer available" in response.content.decode()
    assert not Appointment.objects.exists()
    with pytest.raises(booking.TimeNotFree):
        booking.book(offer, first)


@pytest.mark.parametrize("status", [Appointment.Status.ATTENDED, Appointment.Status.NO_SHOW])
def test_a_link_cannot_book_again_after_its_appointment_was_marked(client, offer, status, admin_user):
    first, second = booking.offered_slots(offer)[:2]
    booking.mark(booking.book(offer, first), status, by=admin_user)

    page = client.get(book_url(offer))
    assert page.status_code == 410 and first.label in page.content.decode()
    assert second.label not in page.content.decode()
    response = client.post(book_url(offer), {"slot": second.key})
    assert response.status_code == 410
    assert list(Appointment.objects.values_list("status", flat=True)) == [status]
    with pytest.raises(booking.AlreadyBooked):
        booking.book(offer, second)
    # A new offer after the visit books again.
    again = booking.offer_times(offer.consultation, by=admin_user, slots=[second])
    assert booking.book(again, second).status == Appointment.Status.BOOKED


def test_an_older_link_says_where_the_appointment_is_without_handing_out_the_newer_link(client, offer, clinician):
    older = offer
    newer = booking.offer_times(older.consultation, by=None, slots=booking.offered_slots(older)[1:])
    chosen = booking.offered_slots(newer)[0]
    client.post(book_url(newer), {"slot": chosen.key})

    page = client.get(book_url(older))
    html = page.content.decode()
    assert page.status_code == 410
    assert f"You already booked {chosen.label}" in html
    assert "use the link in the email that confirmed your booking" in html
    assert str(newer.token) not in html  # whoever holds an old link must not get the one that changes it
    # Book on the old link never silently returns to the list.
    response = client.post(book_url(older), {"slot": booking.offered_slots(older)[0].key})
    assert response.status_code == 410 and f"You already booked {chosen.label}" in response.content.decode()
    assert Appointment.objects.count() == 1
    assert list(booking.links.link_state(older).appointment.offer.times.all()) == list(newer.times.all())


def test_open_offers_are_those_whose_link_still_books(offer, admin_user):
    from appointments.models import Offer

    assert list(Offer.objects.open()) == [offer]
    booking.book(offer, booking.offered_slots(offer)[0])
    assert list(Offer.objects.open()) == []


def test_other_times_from_the_list_does_not_cancel_a_booking_that_got_there_first(client, offer):
    slot = booking.offered_slots(offer)[0]
    booking.book(offer, slot)
    response = client.post(reverse("appointments:other-times", args=[offer.token]))
    assert response.status_code == 303  # to the appointment that was booked
    assert Appointment.objects.get().status == Appointment.Status.BOOKED
    offer.refresh_from_db()
    assert offer.closed_at is None
    # The appointment page's button does cancel it.
    response = client.post(reverse("appointments:other-times", args=[offer.token]), {"cancel_booked": "1"})
    assert response.status_code == 200
    assert Appointment.objects.get().status == Appointment.Status.CANCELLED


def test_a_move_onto_time_off_or_after_a_cancel_is_refused(offer, admin_user):
    first, second, third = booking.offered_slots(offer)
    appointment = booking.book(offer, first)
    make_unavailable("time off", second)
    with pytest.raises(booking.TimeNotFree):
        booking.move(appointment, second, by=admin_user)
    stale = Appointment.objects.get()
    booking.cancel(appointment, by=admin_user)
    with pytest.raises(booking.BookingError, match="cancelled"):
        booking.move(stale, third, by=admin_user)
    assert Appointment.objects.get().starts_at == first.starts_at


def test_a_move_within_its_own_time_is_allowed(offer, admin_user, clinician):
    first = booking.offered_slots(offer)[1]  # 9:00 on the second day: on the grid of one-hour consultations too
    appointment = booking.book(offer, first)
    clinician.consultation_minutes = 60  # the next half hour overlaps the appointment itself
    clinician.save()
    day = timezone.localdate(first.starts_at)
    later = list(booking.free_slots(clinician, day, day, ignore_appointment=appointment))
    assert first.starts_at in later
    moved = booking.move(appointment, booking.Slot(clinician, first.starts_at), by=admin_user)
    assert moved.ends_at - moved.starts_at == timedelta(minutes=60)


def test_marking_a_cancelled_appointment_is_refused_under_the_lock(offer, admin_user):
    appointment = booking.book(offer, booking.offered_slots(offer)[0])
    stale = Appointment.objects.get()
    booking.cancel(appointment, by=admin_user)
    with pytest.raises(booking.BookingError):
        booking.mark(stale, Appointment.Status.ATTENDED, by=admin_user)
    assert Appointment.objects.get().status == Appointment.Status.CANCELLED
