"""The emails owed, kept as rows until they are sent (see notifications.py and escalation.py)."""

from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone


class NotificationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=Notification.Status.PENDING)

    def due(self, now=None):
        """Owed and ready now: pending and past any retry delay, or claimed by a worker that died."""
        now = now or timezone.now()
        ready = Q(status=Notification.Status.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        abandoned = Q(status=Notification.Status.SENDING, claimed_at__lt=now - Notification.STALE_CLAIM)
        return self.filter(ready | abandoned)


class Notification(models.Model):
    """An email owed about a request: kept until it is sent, so a mail outage loses nothing."""

    class Kind(models.TextChoices):
        TRIAGE = "triage", "New request, to the triage inbox"
        PATIENT_CONFIRMATION = "patient_confirmation", "Confirmation, to the patient"
        OFFER = "offer", "Times offered, to the patient"
        BOOKED = "booked", "Appointment booked, to the patient"
        MOVED = "moved", "Appointment moved, to the patient"
        CANCELLED = "cancelled", "Appointment cancelled, to the patient"
        REMINDER = "reminder", "Appointment reminder, to the patient"
        TRIAGE_BOOKING = "triage_booking", "Cancelled or new times asked, to the triage inbox"
        EARLIER_TIME = "earlier_time", "An earlier time is free, to a waiting patient"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Gave up after repeated failures"

    # A worker that died while sending leaves its claim behind: after this long another may take the row.
    STALE_CLAIM = timedelta(minutes=15)

    consultation = models.ForeignKey(
        "appointments.ConsultationRequest", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # Booking emails are about one offer or appointment (a request may have several of each).
    offer = models.ForeignKey("appointments.Offer", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    appointment = models.ForeignKey(
        "appointments.Appointment", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The kind of failure only (e.g. "SMTPServerDisconnected"), never a message that could quote an address.
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When the worker took it (status "sending"), and the earliest time to try again after a failure.
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "kind"],
                condition=Q(offer__isnull=True, appointment__isnull=True),
                name="one_notification_of_each_kind",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.consultation.reference}"


class UrgentAlert(models.Model):
    """One alert to on-call about one urgent request; also the email's place in the outbox."""

    consultation = models.ForeignKey(
        "appointments.ConsultationRequest", on_delete=models.CASCADE, related_name="urgent_alerts"
    )
    number = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The kind of failure only, never a message that could quote an address.
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["consultation", "number"], name="one_alert_of_each_number")]

    def __str__(self):
        return f"Alert {self.number} about {self.consultation.reference}"
