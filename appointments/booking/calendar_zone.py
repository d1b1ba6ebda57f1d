"""The clinic's time zone as an iCalendar VTIMEZONE with yearly RRULEs, like RFC 5545's America/New_York example.

Built from the zone's current rule: the POSIX TZ string at the end of its TZif file (for
America/New_York `EST5EDT,M3.2.0,M11.1.0`), which the tz database writes for every zone. One
STANDARD and one DAYLIGHT component, each an onset (e.g. 02:00 local) and an RRULE, starting in
the first year of the unbroken run of years the rule describes (2007 for the US rules).

Why not icalendar's `add_missing_timezones()`: it lists every transition from 1970 to 2037 as one
comma-separated RDATE per observance, which ical.js (Thunderbird, many web calendars) and vobject
read as the first date only, and they then show daylight-time appointments an hour late.
"""

import re
from calendar import monthrange
from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import TZPATH, ZoneInfo

from django.utils import timezone
from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

FIRST_YEAR = 1970
WEEKDAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")  # POSIX counts days from Sunday = 0

_NAME = r"(<[^>]+>|[A-Za-z]{3,})"
_OFFSET = r"([+-]?\d{1,3}(?::\d{2}){0,2})"
_RULE = r"M(\d{1,2})\.([1-5])\.([0-6])(?:/" + _OFFSET + r")?"
_POSIX = re.compile(rf"{_NAME}{_OFFSET}(?:{_NAME}{_OFFSET}?,{_RULE},{_RULE})?")


class UnsupportedZone(ValueError):
    """The zone's rule has no simple yearly RRULE form (or its tz data has no rule string)."""


def vtimezone(key):
    """The VTIMEZONE component for the zone named `key` (e.g. "America/New_York")."""
    return _build(key, timezone.now().year)


@lru_cache(maxsize=16)
def _build(key, this_year):
    zone = ZoneInfo(key)
    rule = posix_rule(key)
    component = Timezone()
    component.add("tzid", key)
    if rule["dst"] is None:
        standard = TimezoneStandard()
        standard.add("dtstart", datetime(FIRST_YEAR, 1, 1))
        standard.add("tzoffsetfrom", rule["std_offset"])
        standard.add("tzoffsetto", rule["std_offset"])
        standard.add("tzname", rule["std"])
        component.add_component(standard)
        return component
    into_dst = (rule["start"], rule["std_offset"], rule["dst_offset"])
    into_std = (rule["end"], rule["dst_offset"], rule["std_offset"])
    first = _first_year_of_rule(zone, (into_dst, into_std), this_year)
    for kind, name, (when, before, after) in (
        (TimezoneDaylight, rule["dst"], into_dst),
        (TimezoneStandard, rule["std"], into_std),
    ):
        observance = kind()
        observance.add("dtstart", _onset(when, first))
        observance.add("tzoffsetfrom", before)
        observance.add("tzoffsetto", after)
        observance.add("rrule", _rrule(when))
        observance.add("tzname", name)
        component.add_component(observance)
    return component


def posix_rule(key):
    """The zone's current rule, parsed: names, UTC offsets and the two yearly changes (month, week, day, time)."""
    match = _POSIX.fullmatch(_footer(key))
    if match is None:
        raise UnsupportedZone(f"{key}: its rule {_footer(key)!r} has no yearly RRULE form")
    std, std_off, dst, dst_off, *changes = match.groups()
    std_offset = -_seconds(std_off)  # POSIX offsets count hours west of Greenwich
    rule = {"std": std.strip("<>"), "std_offset": std_offset, "dst": None}
    if dst:
        rule["dst"] = dst.strip("<>")
        rule["dst_offset"] = -_seconds(dst_off) if dst_off else std_offset + timedelta(hours=1)
        for name, (month, week, day, at) in (("start", changes[0:4]), ("end", changes[4:8])):
            rule[name] = (int(month), int(week), int(day), _seconds(at) if at else timedelta(hours=2))
    return rule


def _footer(key):
    for folder in TZPATH:
        path = Path(folder, key)
        if path.is_file():
            return _last_line(path.read_bytes())
    try:
        return _last_line(resources.files("tzdata.zoneinfo").joinpath(*key.split("/")).read_bytes())
    except (ModuleNotFoundError, FileNotFoundError) as error:
        raise UnsupportedZone(f"{key}: no tz data found") from error


def _last_line(tzif):
    if not tzif.startswith(b"TZif") or tzif[4:5] < b"2":
        raise UnsupportedZone("tz data of version 1 carries no rule string")
    return tzif.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("ascii")


def _seconds(text):
    sign = -1 if text.startswith("-") else 1
    parts = [int(part) for part in text.lstrip("+-").split(":")] + [0, 0]
    return sign * timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2])


def _onset(when, year):
    """The local wall time (before the change) at which the change happens in `year`."""
    month, week, day, at = when
    first = date(year, month, 1)
    nth = first + timedelta(days=(day - (first.isoweekday() % 7)) % 7 + 7 * (week - 1))
    while nth.month != month:  # week 5 means "the last"
        nth -= timedelta(days=7)
    return datetime.combine(nth, datetime.min.time()) + at


def _rrule(when):
    month, week, day, at = when
    days_later, _time_of_day = divmod(at, timedelta(days=1))
    if not days_later:
        return {"freq": "yearly", "bymonth": month, "byday": f"{week if week < 5 else -1}{WEEKDAYS[day]}"}
    # The change happens on another day than the rule's weekday (e.g. "Thursday at 26:00"):
    # name the weekday it falls on and the days of the month it can fall on.
    weekday = WEEKDAYS[(day + days_later) % 7]
    first_day = (week - 1) * 7 + 1 + days_later if week < 5 else -7 + days_later
    monthdays = list(range(first_day, first_day + 7))
    shortest = 28 if month == 2 else monthrange(2001, month)[1]
    if not (all(1 <= d <= shortest for d in monthdays) or all(-shortest <= d <= -1 for d in monthdays)):
        raise UnsupportedZone("the change crosses into another month")
    return {"freq": "yearly", "bymonth": month, "byday": weekday, "bymonthday": monthdays}


def _first_year_of_rule(zone, changes, this_year):
    """The first year of the unbroken run, up to this year, in which the zone changed as the rule says."""
    first = FIRST_YEAR
    for year in range(FIRST_YEAR, this_year + 1):
        if not all(_changes_then(zone, when, before, after, year) for when, before, after in changes):
            first = year + 1
    return min(first, this_year)


def _changes_then(zone, when, before, after, year):
    utc = (_onset(when, year) - before).replace(tzinfo=ZoneInfo("UTC"))
    return (
        utc.astimezone(zone).utcoffset() == after
        and (utc - timedelta(seconds=1)).astimezone(zone).utcoffset() == before
    )
