"""The emails a request owes and the on-call alerts it raised: each tied to its row in the site's outbox.

The email itself (its words, its Message-ID, how delivery went) is a `clinic.OutboxEmail`; see
notifications.py and escalation.py here, and clinic/outbox.py.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Notification(models.Model):
    """An email owed about a request; the email itself (its words and delivery) is in the site's outbox."""

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

    consultation = models.ForeignKey(
        "appointments.ConsultationRequest", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # Booking emails are about one offer or appointment (a request may have several of each).
    offer = models.ForeignKey("appointments.Offer", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    appointment = models.ForeignKey(
        "appointments.Appointment", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    email = models.OneToOneField(
        "clinic.OutboxEmail", null=True, blank=True, on_delete=models.SET_NULL, related_name="notification"
    )
    created_at = models.DateTimeField(auto_now_add=True)

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
    """One alert to on-call about one urgent request (its email is in the outbox)."""

    consultation = models.ForeignKey(
        "appointments.ConsultationRequest", on_delete=models.CASCADE, related_name="urgent_alerts"
    )
    number = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    email = models.OneToOneField(
        "clinic.OutboxEmail", null=True, blank=True, on_delete=models.SET_NULL, related_name="urgent_alert"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["consultation", "number"], name="one_alert_of_each_number")]

    def __str__(self):
        return f"Alert {self.number} about {self.consultation.reference}"
