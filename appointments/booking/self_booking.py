"""Patients choose a time themselves: the link a routine request gets, and the page of free times it lists.

One definition of "a time the patient may choose": a free time (free_times) that is not held back
for urgent requests, unless the request is urgent. The booking services ask `may_choose` under their locks.
"""

from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from clinic.models import ClinicProfile

from .free_times import free_slots, held_back, offerable_slots
from .models import Offer

DAYS_PER_PAGE = 3  # days that have free times, per page
WEEKS_AHEAD = 4
MORNING_ENDS = 12  # clinic time


def open_self_booking(consultation, clinic=None, *, now=None):
    """The self-booking link for a new routine request, if the clinic lets patients choose; else None.

    Call it in the transaction that stores the request: the link exists exactly when the request does.
    A request with a warning sign never gets one (the clinic calls).
    """
    clinic = clinic or ClinicProfile.load()
    if not clinic.patients_choose_times or consultation.is_urgent:
        return None
    now = now or timezone.now()
    return Offer.objects.create(
        consultation=consultation,
        any_free_time=True,
        expires_at=now + timedelta(days=settings.APPOINTMENTS_OFFER_DAYS),
    )


def self_booking_offer(consultation):
    return consultation.offers.filter(any_free_time=True).order_by("created_at").first()


def may_choose(consultation, slot, *, now):
    """Whether a free `slot` is one the patient may take: routine requests never get a held-back time."""
    if consultation.is_urgent:
        return True
    clinic = ClinicProfile.load()
    day = timezone.localdate(slot.starts_at)
    starts = free_slots(slot.clinician, day, day, now=now, clinic=clinic)
    return slot.starts_at not in held_back(starts, now=now, clinic=clinic)


def choosable_slots(consultation, *, now=None):
    return offerable_slots(urgent=consultation.is_urgent, days=WEEKS_AHEAD * 7, now=now)


def prefers_morning(preferred, slot):
    """True/False for a patient who asked for mornings/afternoons, None for any time."""
    morning = timezone.localtime(slot.starts_at).hour < MORNING_ENDS
    if preferred == "mornings":
        return morning
    if preferred == "afternoons":
        return not morning
    return None


def parse_day(value):
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def times_page(slots, *, start=None, preferred="any"):
    """A page of free times: DAYS_PER_PAGE days from `start` (a date, or the first day with times).

    Returns {"days": [{"day", "groups": [(heading, slots)]}], "earlier": date|None, "later": date|None};
    within a day the patient's preferred time of day comes first.
    """
    by_day = {}
    for slot in slots:
        by_day.setdefault(timezone.localdate(slot.starts_at), []).append(slot)
    days = sorted(by_day)
    first = next((i for i, day in enumerate(days) if start is None or day >= start), len(days))
    shown = days[first : first + DAYS_PER_PAGE]
    page = []
    for day in shown:
        liked = [s for s in by_day[day] if prefers_morning(preferred, s)]
        rest = [s for s in by_day[day] if not prefers_morning(preferred, s)]
        groups = [("", liked + rest)]
        if liked and rest:
            groups = [("Your preferred time of day", liked), ("Other times", rest)]
        page.append({"day": day, "groups": groups})
    earlier = days[max(0, first - DAYS_PER_PAGE)] if first > 0 else None
    later = days[first + DAYS_PER_PAGE] if first + DAYS_PER_PAGE < len(days) else None
    return {"days": page, "earlier": earlier, "later": later}
