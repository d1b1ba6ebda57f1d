"""Races on PostgreSQL, through threads: two tabs changing one appointment, and change against cancel."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from appointments import booking
from appointments.booking.self_booking import open_self_booking
from appointments.models import Appointment
from tests.appointments.test_booking_concurrency import run_at_once
from tests.factories import make_clinician, make_consultation

PATIENTS = 8

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def booked_offers(clinic):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (concurrent writers): DATABASE_URL=postgres://…")
    clinic.patients_choose_times, clinic.observe_federal_holidays = True, False
    clinic.save()
    make_clinician(weekdays=range(7), blocks=((0, 23),))
    slots = booking.offerable_slots(urgent=False, limit=PATIENTS * 3)
    offers = []
    for n in range(PATIENTS):
        offer = open_self_booking(make_consultation())
        booking.book(offer, slots[n])
        offers.append(offer)
    return offers, slots[PATIENTS:]


def press(name, offer, data=None):
    return lambda: Client().post(reverse(f"appointments:{name}", args=[offer.token]), data or {})


def test_two_tabs_changing_one_appointment_end_with_one_live_appointment(booked_offers):
    offers, free = booked_offers
    targets = []
    for n, offer in enumerate(offers):
        targets += [
            press("change", offer, {"slot": free[2 * n].key}),
            press("change", offer, {"slot": free[2 * n + 1].key}),
        ]
    responses = run_at_once(targets)
    assert [r for r in responses if isinstance(r, Exception)] == []
    assert all(r.status_code == 303 for r in responses)
    for n, offer in enumerate(offers):
        (live,) = Appointment.objects.live().filter(consultation=offer.consultation)
        assert live.starts_at in (free[2 * n].starts_at, free[2 * n + 1].starts_at)
        assert live.sequence == 2  # both changes applied, one after the other, to the one appointment


def test_change_against_cancel_never_leaves_a_live_appointment_after_a_cancel(booked_offers):
    offers, free = booked_offers
    targets = []
    for n, offer in enumerate(offers):
        targets += [press("change", offer, {"slot": free[n].key}), press("cancel", offer)]
    responses = run_at_once(targets)
    assert [r for r in responses if isinstance(r, Exception)] == []
    for offer in offers:
        appointments = list(Appointment.objects.filter(consultation=offer.consultation))
        assert len(appointments) == 1 and appointments[0].status == Appointment.Status.CANCELLED
    assert not Appointment.objects.live().exists()
