"""Urgent requests are never left waiting: on-call is alerted when nobody takes one on.

An urgent request that is still New and unassigned APPOINTMENTS_URGENT_ACK_MINUTES after it came
in alerts APPOINTMENTS_ONCALL_EMAIL (reference and admin link only), then again every 30 minutes,
three alerts at most. Outside clinic hours an alert waits for opening time, unless
APPOINTMENTS_ONCALL_AFTER_HOURS is on. Each alert is one `UrgentAlert` row, numbered 1 to 3 and
unique per request: several servers running `escalate_urgent_requests` at once cannot both claim
the same alert. Its email goes through the site's one outbox as an urgent email: never given up
while the request is still not taken on (tried again at least every 15 minutes, and staff see an
"alerts failing" banner meanwhile), dropped once someone takes the request on.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.template.loader import render_to_string
from django.utils import timezone

from clinic import outbox
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
    """Claim every alert that is due and queue its email in the outbox; return how many this call claimed."""
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
                alert.email = outbox.queue_composed(alert_email(alert, now))
                alert.save(update_fields=["email"])
        except IntegrityError:
            logger.info("Alert %s for request %s was claimed by another run.", number, consultation.reference)
            continue
        claimed += 1
        logger.warning("Urgent request %s not taken on: on-call alert %s queued.", consultation.reference, number)
    return claimed


ONCALL_KIND = "oncall_alert"


def alert_email(alert, now=None):
    """The alert's email, written now: reference and admin link only (unsaved outbox row)."""
    consultation = alert.consultation
    context = {
        "consultation": consultation,
        "alert": alert,
        "max_alerts": MAX_ALERTS,
        "waited_minutes": int(((now or timezone.now()) - consultation.created_at).total_seconds() // 60),
        "site_url": settings.SITE_URL,
    }
    return outbox.compose(
        kind=ONCALL_KIND,
        about=consultation.reference,
        recipients=[settings.APPOINTMENTS_ONCALL_EMAIL],
        subject=f"[Urgent, not taken on] Consultation request {consultation.reference}",
        body=render_to_string("appointments/email/oncall_alert.txt", context),
        facts={"consultation": consultation.pk},
        urgent=True,
    )


@outbox.still_true_check(ONCALL_KIND)
def still_not_taken_on(email):
    """An alert stops once someone has taken the request on."""

    if ConsultationRequest.objects.unacknowledged_urgent().filter(pk=email.facts.get("consultation")).exists():
        return ""
    return "The request was taken on before this alert went out."


@outbox.content_writer(ONCALL_KIND)
def write_carried_over(email):
    """Alerts carried over from before the outbox (migration 0013) are written when first sent."""
    alert = UrgentAlert.objects.select_related("consultation").get(email=email)
    written = alert_email(alert, alert.created_at)
    for field in ("subject", "body", "attachments", "recipients", "facts"):
        setattr(email, field, getattr(written, field))
