"""Free times as the front desk sees them: a week at a time, down to the staff notice.

Staff booking for a patient may go inside the patient notice (APPOINTMENTS_MIN_NOTICE_HOURS), down
to now plus APPOINTMENTS_STAFF_MIN_NOTICE_MINUTES; times offered to the patient by email keep the
patient notice, because the patient books them. The rules of offering (up to five, an email to
send to) stay in services.offer_times.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from clinic.models import ClinicProfile
from clinic.opening_hours import spelled_out_day

from .free_times import NOON, Slot, free_slots, held_back, minimum_notice, parse_slot_key, staff_minimum_notice
from .models import Clinician

WEEK = 7
FARTHEST = timedelta(days=3660)  # ten years: a date further away is refused, not computed


def parse_day(text, *, today=None):
    """The date in `text` ("2027-03-14"), or None if it is missing, malformed or absurdly far away."""
    today = today or timezone.localdate()
    text = (text or "").strip()
    if len(text) != 10:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if abs(day - today) <= FARTHEST else None


@dataclass
class DayOfTimes:
    day: date
    slots: list = field(default_factory=list)

    @property
    def label(self):
        return f"{spelled_out_day(self.day)}, {self.day.year}"


def prefers(preferred_times, slot):
    """Whether `slot` is at the patient's preferred time of day ("mornings", "afternoons" or "any")."""
    morning = timezone.localtime(slot.starts_at).time() < NOON
    return (preferred_times == "mornings" and morning) or (preferred_times == "afternoons" and not morning)


def inside_patient_notice(slot, *, now=None):
    """Sooner than a patient may book: staff can book it on the phone, not send it by email."""
    return slot.starts_at < (now or timezone.now()) + minimum_notice()


def _free_starts(clinician, first, last, *, urgent, now, clinic):
    starts = free_slots(clinician, first, last, now=now, clinic=clinic, min_notice=staff_minimum_notice())
    hidden = set() if urgent else held_back(starts, now=now, clinic=clinic)
    return [start for start in starts if start not in hidden]


def free_week(start, *, urgent, now=None):
    """The free times of the week from `start`, soonest first, grouped by day (days without times left out)."""
    now = now or timezone.now()
    clinic = ClinicProfile.load()
    first = max(start, timezone.localdate(now))
    last = start + timedelta(days=WEEK - 1)
    slots = []
    if first <= last:
        for clinician in Clinician.objects.filter(active=True).prefetch_related("working_hours"):
            starts = _free_starts(clinician, first, last, urgent=urgent, now=now, clinic=clinic)
            slots += [Slot(clinician, start) for start in starts]
    slots.sort(key=lambda slot: (slot.starts_at, slot.clinician.name, slot.clinician.pk))
    days = {}
    for slot in slots:
        day = timezone.localdate(slot.starts_at)
        days.setdefault(day, DayOfTimes(day)).slots.append(slot)
    return list(days.values())


def staff_slot(key, *, urgent, now=None):
    """The free time a ticked `key` names, as staff may book it; None if it is malformed, taken or not free."""
    parsed = parse_slot_key(key)
    if parsed is None:
        return None
    clinician_id, starts_at = parsed
    clinician = Clinician.objects.filter(active=True, pk=clinician_id).prefetch_related("working_hours").first()
    if clinician is None:
        return None
    now = now or timezone.now()
    day = timezone.localdate(starts_at)
    starts = _free_starts(clinician, day, day, urgent=urgent, now=now, clinic=ClinicProfile.load())
    return Slot(clinician, starts_at) if starts_at in starts else None
