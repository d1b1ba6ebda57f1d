"""Working-day arithmetic for the clinic's response promise (Monday to Friday; holidays not counted)."""

from datetime import datetime, time, timedelta

from django.utils import timezone

SATURDAY = 5


def answer_due_cutoff(business_days, now=None):
    """The latest arrival time whose answer was due by `now`.

    A request that arrived before the returned moment has waited longer than
    `business_days` working days. Weekends do not count.
    """
    now = timezone.localtime(now)
    if now.weekday() >= SATURDAY:  # at the weekend, the clock stopped on Friday at midnight
        saturday = now.date() - timedelta(days=now.weekday() - SATURDAY)
        now = timezone.make_aware(datetime.combine(saturday, time.min))
    moment, counted = now, 0
    while counted < business_days:
        moment -= timedelta(days=1)
        if moment.weekday() < SATURDAY:
            counted += 1
    return moment
