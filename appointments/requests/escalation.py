"""Urgent requests are never left waiting: on-call is alerted when nobody takes one on.

An urgent request that is still New and unassigned APPOINTMENTS_URGENT_ACK_MINUTES after it came
in alerts APPOINTMENTS_ONCALL_EMAIL (reference and admin link only), then again every 30 minutes,
three alerts at most. Outside clinic hours an alert waits for opening time, unless
APPOINTMENTS_ONCALL_AFTER_HOURS is on. Each alert is one `UrgentAlert` row, numbered 1 to 3 and
unique per request: several servers running `escalate_urgent_requests` at once cannot both claim
the same alert, and the row is the outbox its email is sent from.
"""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from clinic.opening_hours import next_opening

from .models import ConsultationRequest
from .outbox import UrgentAlert
from .timeline import RequestEvent

logger = logging.getLogger(__name__)

MAX_ALERTS = 3
REPEAT_AFTER = timedelta(minutes=30)


def alert_due_at(received_at, last_alert_at):
    """When the next alert is due: ack minutes after arrival, 30 minutes after the last, in clinic hours."""
    if last_alert_at is None:
        due = received_at + timedelta(minutes=settings.APPOINTMENTS_URGENT_ACK_MINUTES)
    else:
        due = last_alert_at + REPEAT_AFTER
    return due if settings.APPOINTMENTS_ONCALL_AFTER_HOURS else next_opening(due)


def escalate_urgent_requests(now=None):
    """Claim and send every alert that is due; return how many this call claimed."""
    now = now or timezone.now()
    ack = timedelta(minutes=settings.APPOINTMENTS_URGENT_ACK_MINUTES)
    waiting = (
        ConsultationRequest.objects.unacknowledged_urgent()
        .filter(created_at__lte=now - ack)
        .annotate(alerts=Count("urgent_alerts"), last_alert_at=Max("urgent_alerts__created_at"))
        .filter(alerts__lt=MAX_ALERTS)
        .order_by("created_at")
    )
    claimed = 0
    for consultation in waiting:
        if alert_due_at(consultation.created_at, consultation.last_alert_at) > now:
            continue
        number = consultation.alerts + 1
        try:
            with transaction.atomic():
                still_waiting = ConsultationRequest.objects.unacknowledged_urgent().select_for_update()
                if not still_waiting.filter(pk=consultation.pk).exists():
                    continue  # taken on since we looked
                # The unique (request, number) pair is the claim: a second server's insert fails here.
                alert = UrgentAlert.objects.create(consultation=consultation, number=number, created_at=now)
                consultation.record(
                    RequestEvent.Kind.ESCALATION, detail=f"alert {number} of {MAX_ALERTS} to the on-call inbox"
                )
                transaction.on_commit(partial(dispatch_alert_email, alert.pk))
        except IntegrityError:
            logger.info("Alert %s for request %s was claimed by another run.", number, consultation.reference)
            continue
        claimed += 1
        logger.warning("Urgent request %s not taken on: on-call alert %s sent.", consultation.reference, number)
    return claimed


def dispatch_alert_email(alert_pk):
    """THE one place an alert's email is handed over: queued for the background worker (run_worker)."""
    try:
        send_urgent_alert.enqueue(alert_pk)
    except Exception:  # the queue is unreachable: the next escalate_urgent_requests run sends it
        logger.warning("Could not queue on-call alert %s; the next escalation run sends it.", alert_pk)


@task()
def send_urgent_alert(alert_pk):
    """The worker's task: send one on-call alert unless it went already."""
    return send_alert_email(alert_pk)


def send_pending_alerts():
    """Retry alert emails that could not be sent; return how many went."""
    pending = UrgentAlert.objects.filter(
        sent_at__isnull=True, attempts__lt=settings.APPOINTMENTS_NOTIFICATION_MAX_ATTEMPTS
    )
    return sum(send_alert_email(pk) for pk in pending.values_list("pk", flat=True))


def send_alert_email(alert_pk):
    """Send one alert unless another process is sending it or it went already; True if sent now."""
    with transaction.atomic():
        alert = (
            UrgentAlert.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("consultation")
            .filter(pk=alert_pk, sent_at__isnull=True)
            .first()
        )
        if alert is None:
            return False
        consultation = alert.consultation
        context = {
            "consultation": consultation,
            "alert": alert,
            "max_alerts": MAX_ALERTS,
            "waited_minutes": int((timezone.now() - consultation.created_at).total_seconds() // 60),
            "site_url": settings.SITE_URL,
        }
        alert.attempts += 1
        try:
            send_mail(
                f"[Urgent, not taken on] Consultation request {consultation.reference}",
                render_to_string("appointments/email/oncall_alert.txt", context),
                None,
                [settings.APPOINTMENTS_ONCALL_EMAIL],
                fail_silently=False,
            )
        except Exception as error:  # any mail failure: keep the alert for the next run
            alert.last_error = type(error).__name__[:200]
            alert.save(update_fields=["attempts", "last_error"])
            logger.warning("Could not send on-call alert for %s: %s.", consultation.reference, alert.last_error)
            return False
        alert.sent_at, alert.last_error = timezone.now(), ""
        alert.save(update_fields=["attempts", "sent_at", "last_error"])
        return True
