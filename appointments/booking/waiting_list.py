"""The waiting list: patients who ticked "Tell me if an earlier time opens" hear when one does.

When a time frees up (a cancellation or a move), each waiting patient whose appointment is later,
and who may still change it online, is emailed (by the worker) a link to their own Change page with
that time chosen. The first to press gets it through the same locked `change_time`; the others are
told it was taken. A patient hears at most once a day; the list ends with the appointment (it is
only ever asked of booked, upcoming appointments).
"""

import logging
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..requests.outbox import Notification
from .emails import queue_email
from .free_times import Slot, is_free
from .models import Appointment, Clinician
from .self_booking import may_choose

logger = logging.getLogger(__name__)

AT_MOST_EVERY = timedelta(days=1)


def when_committed(clinician, starts_at):
    """Call in the transaction that frees the time: the waiting patients hear once it is committed."""
    transaction.on_commit(partial(time_freed, clinician.pk, starts_at))


def time_freed(clinician_id, starts_at, *, now=None):
    """Queue an email to each waiting patient the freed time suits; return how many were told."""
    now = now or timezone.now()
    clinician = Clinician.objects.filter(pk=clinician_id).first()
    if clinician is None or not is_free(clinician, starts_at, starts_at + clinician.length, now=now):
        return 0
    slot = Slot(clinician, starts_at)
    told = 0
    waiting = Appointment.objects.upcoming(now).filter(wants_earlier=True, starts_at__gt=starts_at)
    for appointment in waiting.select_related("consultation", "offer").order_by("created_at"):
        if not (appointment.offer and appointment.consultation.email and appointment.patient_may_change(now)):
            continue
        if not may_choose(appointment.consultation, slot, now=now):
            continue
        with transaction.atomic():
            # A conditional update decides "once a day", whoever else frees a time at this moment.
            claimed = (
                Appointment.objects.filter(pk=appointment.pk, status=Appointment.Status.BOOKED)
                .filter(Q(told_earlier_at__isnull=True) | Q(told_earlier_at__lte=now - AT_MOST_EVERY))
                .update(told_earlier_at=now, earlier_time=slot.key)
            )
            if claimed:
                appointment.told_earlier_at, appointment.earlier_time = now, slot.key  # the email is written now
                queue_email(appointment.consultation, Notification.Kind.EARLIER_TIME, appointment=appointment)
                told += 1
    if told:
        logger.info("An earlier time is free: %s waiting patient(s) told.", told)
    return told
