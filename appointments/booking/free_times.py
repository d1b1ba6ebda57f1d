"""Free times: a clinician's working hours minus what is taken, in the clinic's local time.

Stepped in wall-clock time, so 9:00 stays 9:00 across the clock changes; a start that does not
exist (March) is skipped and one that happens twice (November) is offered once.
"""

import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from itertools import accumulate

from django.conf import settings
from django.utils import timezone

from clinic.models import ClinicProfile
from clinic.opening_hours import at_local, closed_days, spelled_out_time

from .models import Appointment, Clinician, TimeOff

SLOT_KEY = re.compile(r"(\d{1,9})-(\d{8}T\d{6}Z)")
NOON = time(12)


@dataclass(frozen=True)
class Slot:
    clinician: Clinician
    starts_at: datetime

    @property
    def ends_at(self):
        return self.starts_at + self.clinician.length

    @property
    def key(self):
        """The form value for this time: the clinician and the UTC start, e.g. "3-20270316T140000Z"."""
        return f"{self.clinician.pk}-{self.starts_at.astimezone(UTC):%Y%m%dT%H%M%SZ}"

    @property
    def label(self):
        return spelled_out_time(self.starts_at)

    def __str__(self):
        return f"{self.label} with {self.clinician}"

    @classmethod
    def of(cls, value):
        """A Slot from a Slot or a (clinician, starts_at) pair."""
        return value if isinstance(value, cls) else cls(*value)


SLOT_YEARS = (1970, 9000)  # far outside any time the clinic books, far inside what datetimes can hold


def parse_slot_key(value):
    """(clinician id, aware UTC start) from a slot key, or None if it is malformed."""
    match = SLOT_KEY.fullmatch(value or "")
    if not match:
        return None
    try:
        starts_at = datetime.strptime(match[2], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    if not SLOT_YEARS[0] <= starts_at.year <= SLOT_YEARS[1]:  # year 1 or 9999 overflows any arithmetic
        return None
    return int(match[1]), starts_at


def minimum_notice():
    return timedelta(hours=settings.APPOINTMENTS_MIN_NOTICE_HOURS)


def staff_minimum_notice():
    """Staff booking for a patient may go inside the patient notice, down to now plus this."""
    return timedelta(minutes=settings.APPOINTMENTS_STAFF_MIN_NOTICE_MINUTES)


def _day_starts(day, blocks, length):
    """Start times on `day` in each block, stepped in local wall-clock time.

    A start that does not exist (the hour skipped in March) is left out; one that happens twice
    (the hour repeated in November) is offered once, at its first occurrence. On the day the clocks
    change a time is also measured in real time: it ends within its block, and the next one starts
    no earlier than it really ends (a 45-minute time from 1:30 in March ends at 3:15, not 2:15).
    """
    zone = timezone.get_default_timezone()
    midnight = datetime.combine(day, time.min, tzinfo=zone)
    offset = midnight.utcoffset()
    clocks_change = (midnight + timedelta(days=1)).utcoffset() != offset
    for block in blocks:
        wall, block_end = datetime.combine(day, block.starts), datetime.combine(day, block.ends)
        if not clocks_change:  # the usual day: one offset all day
            while wall + length <= block_end:
                yield (wall - offset).replace(tzinfo=UTC)
                wall += length
            continue
        real_end = block_end.replace(tzinfo=zone).astimezone(UTC)
        previous_end = None
        while wall + length <= block_end:
            utc = wall.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the first of a repeated hour
            if utc.astimezone(zone).replace(tzinfo=None) != wall:  # it does not exist
                wall += length
                continue
            if previous_end is not None and utc < previous_end:  # resume where the previous time really ends
                wall = previous_end.astimezone(zone).replace(tzinfo=None)
                continue
            if utc + length > real_end:
                break
            yield utc
            previous_end = utc + length
            wall += length


class Availability:
    """The rules that make a time free for one clinician over some days, in one place.

    Working hours, an active clinician, clinic closures and holidays, time off, live appointments
    (unless `count_appointments` is off, or but one of them, `ignore_appointment`) and the minimum
    notice (unless `notice` is off). `free_slots`, `is_free` and the booking services all ask it.
    """

    def __init__(
        self,
        clinician,
        start_date,
        end_date,
        *,
        now=None,
        clinic=None,
        ignore_appointment=None,
        count_appointments=True,
        notice=True,
        min_notice=None,
    ):
        now = now or timezone.now()
        clinic = clinic or ClinicProfile.load()
        self.clinician, self.length, self.start_date, self.end_date = clinician, clinician.length, start_date, end_date
        self.earliest = now + (minimum_notice() if min_notice is None else min_notice) if notice else None
        self.closed = closed_days(start_date, end_date, clinic)
        self.blocks = {}
        for block in clinician.working_hours.all():
            self.blocks.setdefault(block.weekday, []).append(block)
        window_start = at_local(start_date, time.min)
        window_end = at_local(end_date + timedelta(days=1), time.min)
        busy = list(
            TimeOff.objects.filter(clinician=clinician, starts_at__lt=window_end, ends_at__gt=window_start).values_list(
                "starts_at", "ends_at"
            )
        )
        if count_appointments:
            appointments = Appointment.objects.live().filter(
                clinician=clinician, starts_at__lt=window_end, ends_at__gt=window_start
            )
            if ignore_appointment is not None:
                appointments = appointments.exclude(pk=ignore_appointment.pk)
            busy += list(appointments.values_list("starts_at", "ends_at"))
        self.taken = Taken(busy)

    def _open(self, start, end, day):
        """Free of everything but the working hours (which the caller has checked)."""
        return (
            self.clinician.active
            and (self.earliest is None or start >= self.earliest)
            and day not in self.closed
            and not self.taken.overlaps(start.timestamp(), end.timestamp())
        )

    def starts(self):
        """Every free start, soonest first."""
        slots = []
        day = self.start_date
        while day <= self.end_date:
            if day not in self.closed and day.weekday() in self.blocks:
                for start in _day_starts(day, self.blocks[day.weekday()], self.length):
                    if self._open(start, start + self.length, day):
                        slots.append(start)
            day += timedelta(days=1)
        return slots if self.clinician.active else []

    def is_free(self, starts_at, ends_at):
        """Whether [starts_at, ends_at) is one of the free times (a start `starts` lists, of the right length)."""
        day = timezone.localdate(starts_at)
        if ends_at != starts_at + self.length or not self.start_date <= day <= self.end_date:
            return False
        if not self._open(starts_at, ends_at, day):
            return False
        return starts_at in _day_starts(day, self.blocks.get(day.weekday(), []), self.length)

    def covers(self, starts_at, ends_at):
        """Whether an appointment already booked still fits: within working hours and nothing in the way."""
        day = timezone.localdate(starts_at)
        if not self._open(starts_at, ends_at, day):
            return False
        return any(
            at_local(day, block.starts) <= starts_at and ends_at <= at_local(day, block.ends)
            for block in self.blocks.get(day.weekday(), [])
        )


def free_slots(clinician, start_date, end_date, *, now=None, clinic=None, ignore_appointment=None, min_notice=None):
    """Free start times of `clinician` from `start_date` to `end_date` (inclusive), as aware datetimes.

    Working hours minus live appointments, time off, clinic closures and holidays, and anything
    sooner than the minimum notice (APPOINTMENTS_MIN_NOTICE_HOURS, or `min_notice` for staff);
    none for an inactive clinician.
    """
    return Availability(
        clinician,
        start_date,
        end_date,
        now=now,
        clinic=clinic,
        ignore_appointment=ignore_appointment,
        min_notice=min_notice,
    ).starts()


def is_free(clinician, starts_at, ends_at, *, now=None, ignore_appointment=None, clinic=None, min_notice=None):
    """Whether `clinician` is free from `starts_at` to `ends_at` by the rules of `free_slots`.

    Booking, moving and the booking page ask this under their locks, with the clinician re-read.
    """
    day = timezone.localdate(starts_at)
    availability = Availability(
        clinician, day, day, now=now, clinic=clinic, ignore_appointment=ignore_appointment, min_notice=min_notice
    )
    return availability.is_free(starts_at, ends_at)


class Taken:
    """Busy intervals, asked "does [start, end) overlap any of you?" in O(log n).

    In POSIX seconds: comparing aware datetimes of different zones costs a zone lookup each time.
    """

    def __init__(self, intervals):
        intervals = sorted((start.timestamp(), end.timestamp()) for start, end in intervals)
        self.starts = [start for start, _ in intervals]
        # latest_end[i]: the latest end among the first i + 1 intervals.
        self.latest_end = list(accumulate((end for _, end in intervals), max))

    def overlaps(self, start, end):
        before = bisect_left(self.starts, end)  # the intervals that start before `end`...
        return before > 0 and self.latest_end[before - 1] > start  # ...does one of them end after `start`?


def held_back(starts, *, now, clinic):
    """The starts held for urgent requests: the first few free ones of each day, until noon the day before."""
    per_day = clinic.urgent_slots_per_day
    if not per_day:
        return set()
    held, seen = set(), {}
    for start in starts:
        day = timezone.localdate(start)
        if now >= at_local(day - timedelta(days=1), NOON):
            continue  # released to everyone
        if seen.setdefault(day, 0) < per_day:
            held.add(start)
            seen[day] += 1
    return held


def offerable_slots(*, urgent, days=28, clinicians=None, now=None, limit=None, min_notice=None):
    """Free times across active clinicians, soonest first; urgent requests also see the held-back times."""
    now = now or timezone.now()
    clinic = ClinicProfile.load()
    today = timezone.localdate(now)
    if clinicians is None:
        clinicians = Clinician.objects.filter(active=True).prefetch_related("working_hours")
    slots = []
    for clinician in clinicians:
        starts = free_slots(
            clinician, today, today + timedelta(days=days), now=now, clinic=clinic, min_notice=min_notice
        )
        hidden = set() if urgent else held_back(starts, now=now, clinic=clinic)
        slots += [Slot(clinician, start) for start in starts if start not in hidden]
    slots.sort(key=lambda slot: (slot.starts_at, slot.clinician.name, slot.clinician.pk))
    return slots[:limit] if limit else slots
