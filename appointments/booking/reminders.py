"""Appointment reminders: when one is owed, what the patient is told about it, and the sweep that sends it.

The rule (`reminder_time`), decided when a time is booked or moved and stored as
`Appointment.remind_at`:
- booked more than APPOINTMENTS_REMINDER_HOURS (48) ahead: one reminder that long before;
- booked inside that window but at least NO_REMINDER_WITHIN (12 hours) ahead: one reminder the day
  before, in the evening (DAY_BEFORE_AT, clinic time), or 12 hours before if that evening has passed;
- booked less than 12 hours ahead: none (the booking email is the reminder).
A move decides again from the new time. The sweep claims each reminder with one conditional UPDATE,
so two workers (or a worker and cron) never send it twice; a cancelled appointment gets none.
"""

import logging
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..requests.outbox import Notification
from .emails import queue_email
from .models import Appointment

logger = logging.getLogger(__name__)

NO_REMINDER_WITHIN = timedelta(hours=12)
DAY_BEFORE_AT = time(18, 0)


def reminder_time(starts_at, *, now=None):
    """When to remind the patient of an appointment at `starts_at` booked (or moved) `now`; None for no reminder."""
    now = now or timezone.now()
    ahead = starts_at - now
    lead = timedelta(hours=settings.APPOINTMENTS_REMINDER_HOURS)
    if ahead > lead:
        return starts_at - lead
    if ahead < NO_REMINDER_WITHIN:
        return None
    day_before = timezone.localtime(starts_at).date() - timedelta(days=1)
    evening = timezone.make_aware(datetime.combine(day_before, DAY_BEFORE_AT))
    return evening if now < evening < starts_at else starts_at - NO_REMINDER_WITHIN


def reminder_is_due(starts_at):
    """Booked this close to the start, no reminder is sent: the booking email is the reminder."""
    return reminder_time(starts_at) is None


def send_due_reminders(*, now=None):
    """Queue the reminders owed by now for booked appointments still ahead; return how many this call queued."""
    now = now or timezone.now()
    due = Appointment.objects.filter(
        status=Appointment.Status.BOOKED, remind_at__lte=now, starts_at__gt=now
    ).select_related("consultation")
    queued = 0
    for appointment in due:
        with transaction.atomic():
            claimed = Appointment.objects.filter(
                pk=appointment.pk,
                status=Appointment.Status.BOOKED,
                starts_at=appointment.starts_at,
                remind_at=appointment.remind_at,
            ).update(remind_at=None, reminded_for=F("starts_at"))
            if claimed and appointment.consultation.email:
                queue_email(appointment.consultation, Notification.Kind.REMINDER, appointment=appointment)
                queued += 1
    if queued:
        logger.info("Queued %s appointment reminder(s).", queued)
    return queued
