"""A request's timeline: staff notes and the events that happened to it. Added, never changed."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from clinic.opening_hours import clinic_time

# The timeline line of a patient who asked for other times; the queue shows such a request as waiting on us.
ASKED_FOR_OTHER_TIMES = "The patient asked for other times"


class InternalNote(models.Model):
    """A staff note on a request. Notes are added, never edited or removed (except with the request)."""

    consultation = models.ForeignKey("appointments.ConsultationRequest", on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    author_name = models.CharField(max_length=150, editable=False)
    text = models.TextField(max_length=4000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Note by {self.author_name}, {clinic_time(self.created_at)}"


class RequestEvent(models.Model):
    """One line of a request's timeline: what happened, who did it and when. Never changed."""

    class Kind(models.TextChoices):
        CREATED = "created", "Received"
        STATUS = "status", "Status changed"
        PRIORITY = "priority", "Priority changed"
        ASSIGNMENT = "assignment", "Assigned"
        NOTE = "note", "Note added"
        EXPORT = "export", "Exported"
        SPAM = "spam", "Marked as spam"
        OFFER = "offer", "Times offered"
        BOOKING = "booking", "Appointment"
        ESCALATION = "escalation", "On-call alerted"

    consultation = models.ForeignKey(
        "appointments.ConsultationRequest", on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The name is copied so the timeline still says who it was after their account is removed.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    old_value = models.CharField(max_length=150, blank=True)
    new_value = models.CharField(max_length=150, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()}, {clinic_time(self.created_at)}"

    @property
    def who(self):
        return self.actor_name or "Patient, through the website"

    @property
    def change(self):
        request_model = self._meta.get_field("consultation").related_model
        labels = {
            self.Kind.STATUS: request_model.Status,
            self.Kind.SPAM: request_model.Status,
            self.Kind.PRIORITY: request_model.Priority,
        }.get(self.kind)

        def label(value):
            if labels and value in labels.values:
                return labels(value).label
            if self.kind == self.Kind.BOOKING:
                return value.replace("_", " ").capitalize()  # an appointment's status: "no_show" → "No show"
            return value

        old, new = label(self.old_value), label(self.new_value)
        if self.kind == self.Kind.ASSIGNMENT:
            old, new = old or "Nobody", new or "Nobody"
        text = f"{old} → {new}" if old and new else new or (f"was {old}" if old else "")
        return "; ".join(part for part in [text, self.detail] if part)
