"""Free times: working hours minus appointments, time off, closures, holidays and the minimum notice."""

import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import timezone

from appointments.booking import free_slots, offerable_slots
from appointments.models import Appointment, TimeOff
from clinic.models import ClinicClosure
from clinic.opening_hours import at_local
from tests.factories import make_clinician, make_consultation

pytestmark = pytest.mark.django_db

SPRING_FORWARD = date(2027, 3, 14)  # a Sunday of 23 hours
FALL_BACK = date(2027, 11, 7)  # a Sunday of 25 hours
LONG_BEFORE = datetime(2026, 1, 5, 12, tzinfo=UTC)  # "now" for the fixed 2027 dates


def local_times(slots):
    return [timezone.localtime(slot).time() for slot in slots]


def test_nine_oclock_stays_nine_oclock_across_both_clock_changes(clinic):
    clinician = make_clinician(weekdays=range(7), blocks=((9, 10),))
    for first, last in [(date(2027, 3, 10), date(2027, 3, 18)), (date(2027, 11, 3), date(2027, 11, 11))]:
        slots = free_slots(clinician, first, last, now=LONG_BEFORE)
        days = [timezone.localdate(slot) for slot in slots]
        assert local_times(slots) == [time(9), time(9, 30)] * len(set(days))
        utc_hours = {slot.astimezone(UTC).hour for slot in slots}
        assert utc_hours == {13, 14}  # 9:00 EDT is 13:00 UTC, 9:00 EST 14:00 UTC


def test_the_day_clocks_go_forward_has_no_slot_that_does_not_exist(clinic):
    clinician = make_clinician(weekdays=[6], blocks=((0, 5),))
    slots = free_slots(clinician, SPRING_FORWARD, SPRING_FORWARD, now=LONG_BEFORE)
    assert local_times(slots) == [
        time(0),
        time(0, 30),
        time(1),
        time(1, 30),
        time(3),
        time(3, 30),
        time(4),
        time(4, 30),
    ]
    # Each slot is a real instant whose local reading is what the patient sees.
    for slot in slots:
        assert timezone.localtime(slot.astimezone(UTC)).time() == timezone.localtime(slot).time()


def test_the_day_clocks_go_back_has_no_slot_twice(clinic):
    clinician = make_clinician(weekdays=[6], blocks=((0, 4),))
    slots = free_slots(clinician, FALL_BACK, FALL_BACK, now=LONG_BEFORE)
    assert local_times(slots) == [time(h, m) for h in range(4) for m in (0, 30)]
    assert len({slot.astimezone(UTC) for slot in slots}) == len(slots)


def test_booked_appointments_and_time_off_are_not_free(clinic):
    clinician = make_clinician(blocks=((9, 12),))
    day = timezone.localdate() + timedelta(days=14)
    while day.weekday() != 2:
        day += timedelta(days=1)
    Appointment.objects.create(
        clinician=clinician,
        consultation=make_consultation(),
        starts_at=at_local(day, time(9)),
        ends_at=at_local(day, time(9, 30)),
    )
    Appointment.objects.create(
        clinician=clinician,
        consultation=make_consultation(),
        starts_at=at_local(day, time(9, 30)),
        ends_at=at_local(day, time(10)),
        status=Appointment.Status.CANCELLED,
    )
    TimeOff.objects.create(clinician=clinician, starts_at=at_local(day, time(10, 15)), ends_at=at_local(day, time(11)))
    assert local_times(free_slots(clinician, day, day)) == [time(9, 30), time(11), time(11, 30)]


def test_minimum_notice(clinic, settings):
    settings.APPOINTMENTS_MIN_NOTICE_HOURS = 24
    clinician = make_clinician(weekdays=range(7), blocks=((0, 23),))
    now = timezone.now()
    slots = free_slots(clinician, timezone.localdate(now), timezone.localdate(now) + timedelta(days=3), now=now)
    assert slots and min(slots) >= now + timedelta(hours=24)
    assert min(slots) < now + timedelta(hours=25)


def test_closures_and_federal_holidays_have_no_slots(clinic):
    clinician = make_clinician(weekdays=range(7))
    ClinicClosure.objects.create(starts_on=date(2027, 2, 8), ends_on=date(2027, 2, 9), reason="Training")
    slots = free_slots(clinician, date(2026, 12, 31), date(2027, 2, 10), now=LONG_BEFORE)
    days = {timezone.localdate(slot) for slot in slots}
    assert date(2027, 1, 1) not in days  # New Year's Day
    assert date(2027, 1, 18) not in days  # Martin Luther King Jr. Day
    assert {date(2027, 2, 8), date(2027, 2, 9)}.isdisjoint(days)
    assert {date(2026, 12, 31), date(2027, 1, 4), date(2027, 2, 10)} <= days


def test_holidays_are_working_days_when_the_clinic_does_not_observe_them(clinic):
    clinic.observe_federal_holidays = False
    clinic.save()
    clinician = make_clinician(weekdays=range(7))
    slots = free_slots(clinician, date(2027, 1, 1), date(2027, 1, 1), now=LONG_BEFORE)
    assert len(slots) == 16


def test_held_back_slots_are_for_urgent_requests_until_noon_the_day_before(clinic, settings):
    settings.APPOINTMENTS_MIN_NOTICE_HOURS = 12  # so the morning after is still bookable at noon
    clinic.urgent_slots_per_day = 2
    clinic.save()
    make_clinician(weekdays=range(7), blocks=((9, 11),))
    day = timezone.localdate() + timedelta(days=10)
    now = at_local(day - timedelta(days=2), time(15))
    window = {"now": now, "days": 12}

    urgent = [s.starts_at for s in offerable_slots(urgent=True, **window) if timezone.localdate(s.starts_at) == day]
    routine = [s.starts_at for s in offerable_slots(urgent=False, **window) if timezone.localdate(s.starts_at) == day]
    assert local_times(urgent) == [time(9), time(9, 30), time(10), time(10, 30)]
    assert local_times(routine) == [time(10), time(10, 30)]

    at_noon_before = at_local(day - timedelta(days=1), time(12))
    released = offerable_slots(urgent=False, now=at_noon_before, days=3)
    assert local_times([s.starts_at for s in released if timezone.localdate(s.starts_at) == day]) == local_times(urgent)


@pytest.mark.parametrize("day", [SPRING_FORWARD, FALL_BACK])
@pytest.mark.parametrize("minutes", [20, 25, 30, 40, 45, 50, 60, 75, 90])
@pytest.mark.parametrize("first_hour", [0, 1])
def test_free_times_never_overlap_on_either_clock_change(clinic, day, minutes, first_hour):
    clinician = make_clinician(weekdays=[6], blocks=((first_hour, 6),), minutes=minutes)
    slots = free_slots(clinician, day, day, now=LONG_BEFORE)
    assert slots
    length = timedelta(minutes=minutes)
    for earlier, later in itertools.pairwise(slots):
        assert earlier + length <= later, f"{timezone.localtime(earlier)} overlaps {timezone.localtime(later)}"
    # Every time is within the clinician's hours, in real time as well as on the clock.
    assert all(slot + length <= at_local(day, time(6)) for slot in slots)


def test_a_45_minute_consultation_at_1_30_on_the_spring_change_ends_before_the_next_starts(clinic):
    clinician = make_clinician(weekdays=[6], blocks=((1, 5),), minutes=45)
    slots = free_slots(clinician, SPRING_FORWARD, SPRING_FORWARD, now=LONG_BEFORE)
    assert local_times(slots)[:3] == [time(1), time(1, 45), time(3, 30)]
