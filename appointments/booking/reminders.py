"""Appointment reminders, APPOINTMENTS_REMINDER_HOURS before: each appointment claimed once."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..requests.outbox import Notification
from .emails import queue_email
from .models import Appointment

logger = logging.getLogger(__name__)


def reminder_is_due(starts_at):
    """Booked this close to the start, the booking email is the reminder: no second one is sent."""
    return starts_at - timezone.now() <= timedelta(hours=settings.APPOINTMENTS_REMINDER_HOURS)


def send_due_reminders(*, now=None):
    """Queue one reminder per booked appointment starting within APPOINTMENTS_REMINDER_HOURS.

    Each appointment is claimed by one UPDATE before its email is queued, so two workers (or a
    worker and cron) never remind twice. Returns how many reminders this call queued.
    """
    now = now or timezone.now()
    due = (
        Appointment.objects.filter(
            status=Appointment.Status.BOOKED,
            starts_at__gt=now,
            starts_at__lte=now + timedelta(hours=settings.APPOINTMENTS_REMINDER_HOURS),
        )
        .exclude(reminded_for=F("starts_at"))
        .select_related("consultation")
    )
    queued = 0
    for appointment in due:
        with transaction.atomic():
            claimed = (
                Appointment.objects.filter(pk=appointment.pk, status=Appointment.Status.BOOKED)
                .filter(starts_at=appointment.starts_at)
                .exclude(reminded_for=F("starts_at"))
                .update(reminded_for=F("starts_at"))
            )
            if claimed and appointment.consultation.email:
                queue_email(appointment.consultation, Notification.Kind.REMINDER, appointment=appointment)
                queued += 1
    if queued:
        logger.info("Queued %s appointment reminder(s).", queued)
    return queued
