"""Fifty patients choose one time at once (reminders with several workers: test_reminders.py)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appointments import booking
from appointments.models import Appointment
from tests.factories import make_clinician, make_consultation


def run_at_once(targets):
    """Start every callable on its own thread at the same moment; return their results."""
    barrier = threading.Barrier(len(targets))
    results = [None] * len(targets)

    def run(index, target):
        try:
            barrier.wait()
            results[index] = target()
        except Exception as error:  # recorded, so the test can say what went wrong
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, target)) for n, target in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_fifty_patients_choose_the_same_time_at_once_one_appointment(clinic):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (concurrent writers): DATABASE_URL=postgres://…")
    clinician = make_clinician(weekdays=range(7))
    slot = booking.offerable_slots(urgent=False, limit=3)[0]
    offers = [
        booking.offer_times(make_consultation(), by=None, slots=booking.offerable_slots(urgent=False, limit=3))
        for _ in range(50)
    ]
    assert all(booking.offered_slots(offer)[0] == slot for offer in offers)

    def press_book(offer):
        return lambda: Client().post(reverse("appointments:book", args=[offer.token]), {"slot": slot.key})

    responses = run_at_once([press_book(offer) for offer in offers])

    assert [r for r in responses if isinstance(r, Exception)] == []
    booked = [r for r in responses if r.status_code == 303]
    taken = [r for r in responses if r.status_code == 200 and "that time was just taken" in r.content.decode()]
    assert (len(booked), len(taken)) == (1, 49)
    assert Appointment.objects.filter(clinician=clinician, starts_at=slot.starts_at).count() == 1
    # The pages that were told it was taken show the other offered times.
    assert all(booking.offered_slots(offers[0])[1].label in r.content.decode() for r in taken)


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_overlapping_live_appointments(clinic):
    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraint exists on PostgreSQL only")
    from django.db import IntegrityError, transaction

    clinician = make_clinician()
    start = timezone.now() + timedelta(days=3)
    Appointment.objects.create(
        clinician=clinician, consultation=make_consultation(), starts_at=start, ends_at=start + timedelta(minutes=30)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            clinician=clinician,
            consultation=make_consultation(),
            starts_at=start + timedelta(minutes=15),
            ends_at=start + timedelta(minutes=45),
        )
    Appointment.objects.create(  # cancelled ones do not count
        clinician=clinician,
        consultation=make_consultation(),
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        status=Appointment.Status.CANCELLED,
    )
