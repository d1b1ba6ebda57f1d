"""Races on PostgreSQL, through threads: "Book" against "Other times", staff "Move" against patient "Cancel".

Whichever takes the offer's (or the appointment's) lock first wins, and the other is told what is true.
"""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from appointments import booking
from appointments.models import Appointment, Offer
from tests.appointments.test_booking_concurrency import run_at_once
from tests.factories import make_clinician, make_consultation

PAIRS = 15

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clinician(clinic):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (concurrent writers): DATABASE_URL=postgres://…")
    clinic.observe_federal_holidays = False
    clinic.save()
    return make_clinician(weekdays=range(7), blocks=((0, 23),))


def test_book_and_other_times_at_once_one_wins_never_a_closed_link_with_a_booking(clinician):
    slots = booking.offerable_slots(urgent=False, limit=PAIRS)
    offers = [booking.offer_times(make_consultation(), by=None, slots=[slot]) for slot in slots]

    def press_book(offer, slot):
        return lambda: Client().post(reverse("appointments:book", args=[offer.token]), {"slot": slot.key})

    def press_other_times(offer):
        return lambda: Client().post(reverse("appointments:other-times", args=[offer.token]))

    targets = []
    for offer, slot in zip(offers, slots, strict=True):
        targets += [press_book(offer, slot), press_other_times(offer)]
    responses = run_at_once(targets)

    assert [r for r in responses if isinstance(r, Exception)] == []
    for n, offer in enumerate(offers):
        book, other_times = responses[2 * n], responses[2 * n + 1]
        offer.refresh_from_db()
        booked = Appointment.objects.filter(offer=offer, status=Appointment.Status.BOOKED).exists()
        assert not (offer.closed_at and booked), "a closed link with a booked appointment"
        if booked:  # Book won: Other times was shown the appointment, and nothing was closed
            assert (book.status_code, other_times.status_code) == (303, 303)
            assert not offer.consultation.events.filter(detail="The patient asked for other times").exists()
        else:  # Other times won: Book was told the link is no longer in use
            assert (book.status_code, other_times.status_code) == (410, 200)
            assert offer.closed_at and not Appointment.objects.filter(offer=offer).exists()
    print(f"Book won {sum(1 for o in offers if o.appointments.exists())} of {PAIRS}")


def test_staff_move_against_patient_cancel_a_move_never_applies_after_a_cancel(clinician, admin_user):
    slots = booking.offerable_slots(urgent=False, limit=2 * PAIRS)
    firsts, targets_ = slots[:PAIRS], slots[PAIRS:]
    appointments = []
    for slot in firsts:
        offer = booking.offer_times(make_consultation(), by=None, slots=[slot])
        appointments.append(booking.book(offer, slot))

    def press_cancel(appointment):
        return lambda: Client().post(reverse("appointments:cancel", args=[appointment.offer.token]))

    def press_move(appointment, target):
        return lambda: booking.move(Appointment.objects.get(pk=appointment.pk), target, by=admin_user)

    work = []
    for appointment, target in zip(appointments, targets_, strict=True):
        work += [press_cancel(appointment), press_move(appointment, target)]
    results = run_at_once(work)

    moved_first = 0
    for n, (appointment, first, target) in enumerate(zip(appointments, firsts, targets_, strict=True)):
        cancel, move = results[2 * n], results[2 * n + 1]
        assert not isinstance(cancel, Exception) and cancel.status_code == 200
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.CANCELLED
        kinds = list(
            appointment.consultation.events.filter(new_value__in=["moved", "cancelled"])
            .order_by("pk")
            .values_list("new_value", flat=True)
        )
        assert kinds in (["cancelled"], ["moved", "cancelled"])
        if isinstance(move, booking.BookingError):  # the cancel got there first: the time stays where it was
            assert "cancelled" in str(move) and kinds == ["cancelled"]
            assert appointment.starts_at == first.starts_at
        else:
            assert not isinstance(move, Exception), move
            assert kinds == ["moved", "cancelled"] and appointment.starts_at == target.starts_at
            moved_first += 1
    assert not Offer.objects.filter(appointments__status=Appointment.Status.BOOKED).exists()
    print(f"Move got there first in {moved_first} of {PAIRS}")
