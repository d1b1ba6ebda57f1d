import secrets

from django.db import models
from django.urls import reverse
from phonenumber_field.modelfields import PhoneNumberField

from education.models import Article, Topic

# No 0/O, 1/I/L: a reference read out over the phone cannot be misheard as another.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_PREFIX = "BR-"
REFERENCE_LENGTH = 6


def new_reference():
    return REFERENCE_PREFIX + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


class RedFlag(models.TextChoices):
    """Warning signs that need emergency care now, not a consultation."""

    BLADDER_BOWEL = "bladder_bowel", "New loss of bladder or bowel control"
    GROIN_NUMBNESS = "groin_numbness", "Numbness in the groin or inner thighs"
    LEG_WEAKNESS = "leg_weakness", "Leg weakness that is quickly getting worse"
    FEVER_WOUND = "fever_wound", "Fever, or fluid leaking from the wound, after recent surgery"
    FALL_INJURY = "fall_injury", "Severe pain after a fall or injury"


class ConsultationRequest(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        IN_REVIEW = "in_review", "In review"
        CONTACTED = "contacted", "Contacted"
        SCHEDULED = "scheduled", "Scheduled"
        CLOSED = "closed", "Closed"

    class Priority(models.TextChoices):
        URGENT = "urgent", "Urgent"
        NORMAL = "normal", "Normal"

    class ContactMethod(models.TextChoices):
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone"

    class PreferredTimes(models.TextChoices):
        MORNINGS = "mornings", "Mornings"
        AFTERNOONS = "afternoons", "Afternoons"
        ANY = "any", "Any time"

    class SpineSurgery(models.TextChoices):
        NO = "no", "No"
        UNDER_6_MONTHS = "under_6_months", "Yes, in the last 6 months"
        UNDER_2_YEARS = "under_2_years", "Yes, 6 months to 2 years ago"
        OVER_2_YEARS = "over_2_years", "Yes, more than 2 years ago"

    MESSAGE_MAX_LENGTH = 4000

    reference = models.CharField(max_length=12, unique=True, editable=False)
    # One per rendered form: a repeated POST of the same form finds the request it already made.
    submission_token = models.UUIDField(unique=True, editable=False)

    full_name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = PhoneNumberField(blank=True)
    preferred_contact = models.CharField(max_length=10, choices=ContactMethod.choices)
    preferred_times = models.CharField(max_length=12, choices=PreferredTimes.choices, default=PreferredTimes.ANY)
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Empty: something else."
    )
    article = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultation_requests",
        help_text="The article the patient was reading when they asked.",
    )
    had_spine_surgery = models.CharField(max_length=20, choices=SpineSurgery.choices)
    message = models.TextField(max_length=MESSAGE_MAX_LENGTH)
    red_flags = models.JSONField(default=list, blank=True)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW, db_index=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = "consultation request"

    def __str__(self):
        return self.reference

    def get_admin_url(self):
        return reverse("admin:appointments_consultationrequest_change", args=[self.pk])

    @property
    def is_urgent(self):
        return self.priority == self.Priority.URGENT

    @property
    def red_flag_labels(self):
        return [RedFlag(flag).label for flag in self.red_flags if flag in RedFlag.values]

    @classmethod
    def priority_for(cls, red_flags):
        return cls.Priority.URGENT if red_flags else cls.Priority.NORMAL


class NotificationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=Notification.Status.PENDING)


class Notification(models.Model):
    """An email owed about a request: kept until it is sent, so a mail outage loses nothing."""

    class Kind(models.TextChoices):
        TRIAGE = "triage", "New request, to the triage inbox"
        PATIENT_CONFIRMATION = "patient_confirmation", "Confirmation, to the patient"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Gave up after repeated failures"

    request = models.ForeignKey(ConsultationRequest, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The kind of failure only (e.g. "SMTPServerDisconnected"), never a message that could quote an address.
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["request", "kind"], name="one_notification_of_each_kind")]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.request.reference}"
