"""When the clinic is open: working weekdays, opening hours, closures and US federal holidays.

The one definition behind every promise the clinic makes in time: the date by which a request is
answered, when a request becomes overdue, when the clinic next opens, and which days have no
appointments. Times are the clinic's local time (settings.TIME_ZONE); aware datetimes in, aware out.
"""

from bisect import bisect_right
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays
from django.utils import timezone

from .cache import try_cache
from .models import ClinicClosure, ClinicProfile

ONE_DAY = timedelta(days=1)
# How far to look for the next working day before giving up (a clinic closed for longer is not open).
MAX_LOOKAHEAD_DAYS = 400
CLOSURES_CACHE_KEY = "clinic:closures"


def _closures():
    """Every closure as (first day, last day): a short list, cached until a closure changes."""
    closures = try_cache("get", CLOSURES_CACHE_KEY)
    if closures is None:
        closures = list(ClinicClosure.objects.values_list("starts_on", "ends_on"))
        try_cache("set", CLOSURES_CACHE_KEY, closures, timeout=3600)
    return closures


def forget_closures(**kwargs):
    """Signal handler: a closure was added, changed or removed."""
    try_cache("delete", CLOSURES_CACHE_KEY)


def closed_days(start, end, clinic=None):
    """The dates from `start` to `end` (inclusive) on which the clinic is closed besides its weekly days off."""
    clinic = clinic or ClinicProfile.load()
    days = set()
    for starts_on, ends_on in _closures():
        day = max(starts_on, start)
        while day <= min(ends_on, end):
            days.add(day)
            day += ONE_DAY
    if clinic.observe_federal_holidays:
        days.update(day for day in federal_holidays(start.year, end.year) if start <= day <= end)
    return days


@lru_cache(maxsize=16)
def federal_holidays(first_year, last_year):
    """US federal holidays (observed dates) of these years; built once per process, it takes milliseconds."""
    return frozenset(holidays.country_holidays("US", years=range(first_year, last_year + 1)))


def working_days(start, end, clinic=None):
    """The clinic's working days from `start` to `end` (inclusive), in order."""
    clinic = clinic or ClinicProfile.load()
    closed = closed_days(start, end, clinic)
    weekdays = clinic.weekdays
    span = (end - start).days + 1
    return [
        day
        for day in (start + timedelta(days=n) for n in range(span))
        if day.weekday() in weekdays and day not in closed
    ]


def is_working_day(day, clinic=None):
    return bool(working_days(day, day, clinic))


def working_day_after(day, count=1, clinic=None):
    """The `count`-th working day after `day` (not counting `day` itself)."""
    clinic = clinic or ClinicProfile.load()
    end = day + timedelta(days=count * 3 + 30)
    while True:
        days = working_days(day + ONE_DAY, end, clinic)
        if len(days) >= count:
            return days[count - 1]
        if (end - day).days > MAX_LOOKAHEAD_DAYS:
            raise ValueError("The clinic has no working days in the coming year: check its profile and closures.")
        end += timedelta(days=60)


def at_local(day, clock_time):
    """`clock_time` on `day` in the clinic's time zone, as an aware datetime (right on both sides of a clock change)."""
    return timezone.make_aware(datetime.combine(day, clock_time), timezone.get_default_timezone())


def answer_by(received_at=None, clinic=None):
    """The date by which the clinic promises to answer a request received at `received_at`.

    The clinic answers within `response_business_days` working days: the answer is due by the end of
    that many working days after the day the request arrived (weekends, holidays and closures skipped).
    """
    clinic = clinic or ClinicProfile.load()
    received_on = timezone.localdate(received_at or timezone.now())
    return working_day_after(received_on, max(clinic.response_business_days, 1), clinic)


def overdue_cutoff(now=None, clinic=None):
    """Requests received before the returned moment have waited past their answer deadline at `now`."""
    clinic = clinic or ClinicProfile.load()
    now = now or timezone.now()
    today = timezone.localdate(now)
    count = max(clinic.response_business_days, 1)
    start = today - timedelta(days=count * 3 + 60)
    days = working_days(start, today + timedelta(days=count * 3 + 30), clinic)
    received_on = today
    while received_on >= start:
        # The `count`-th working day after `received_on`.
        position = bisect_right(days, received_on) + count - 1
        due = days[position] if position < len(days) else None
        if due is not None and at_local(due, clinic.closes_at) <= now:
            return at_local(received_on + ONE_DAY, datetime.min.time())
        received_on -= ONE_DAY
    return at_local(start, datetime.min.time())


def is_open(moment=None, clinic=None):
    """Whether the clinic is open (a working day, between opening and closing time) at `moment`."""
    clinic = clinic or ClinicProfile.load()
    local = timezone.localtime(moment or timezone.now())
    return is_working_day(local.date(), clinic) and clinic.opens_at <= local.time() < clinic.closes_at


def next_opening(moment=None, clinic=None):
    """`moment` itself if the clinic is open then, otherwise when it next opens."""
    clinic = clinic or ClinicProfile.load()
    moment = moment or timezone.now()
    if is_open(moment, clinic):
        return moment
    local = timezone.localtime(moment)
    today = local.date()
    if local.time() < clinic.opens_at and is_working_day(today, clinic):
        return at_local(today, clinic.opens_at)
    return at_local(working_day_after(today, 1, clinic), clinic.opens_at)


def spelled_out_day(day: date) -> str:
    """E.g. "Wednesday, November 25", the way a patient reads a date."""
    return f"{day:%A}, {day:%B} {day.day}"


# How patients say the clinic's time zone ("9:00 AM Eastern").
SPOKEN_TIME_ZONES = {
    "America/New_York": "Eastern",
    "America/Detroit": "Eastern",
    "America/Chicago": "Central",
    "America/Denver": "Mountain",
    "America/Phoenix": "Mountain",
    "America/Los_Angeles": "Pacific",
    "America/Anchorage": "Alaska",
    "Pacific/Honolulu": "Hawaii",
}


def spelled_out_time(moment) -> str:
    """E.g. "Tuesday, March 16, 2027, 9:00 AM Eastern": a moment in the clinic's time, the way a patient reads it."""
    local = timezone.localtime(moment, timezone.get_default_timezone())  # whatever zone is active
    zone = str(timezone.get_default_timezone())
    spoken = SPOKEN_TIME_ZONES.get(zone, zone.rsplit("/", 1)[-1].replace("_", " "))
    hour = local.hour % 12 or 12
    return f"{local:%A, %B} {local.day}, {local.year}, {hour}:{local:%M} {'AM' if local.hour < 12 else 'PM'} {spoken}"


def clinic_time(moment):
    """`moment` in the clinic's time zone, zone spelled out: "Nov 24, 2026, 5:41 PM EST". Every time staff read."""
    if moment is None:
        return ""
    local = timezone.localtime(moment, timezone.get_default_timezone())
    hour = local.strftime("%I").lstrip("0")
    return f"{local:%b} {local.day}, {local.year}, {hour}:{local:%M %p %Z}"
