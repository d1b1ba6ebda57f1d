"""A consultation request: what the patient sent, and its way along the triage path."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from clinic import warning_signs
from clinic.staff import staff_name
from clinic.warning_signs import RedFlag  # noqa: F401  (appointments.models.RedFlag)
from education.models import Article, Topic

from .querysets import ConsultationRequestQuerySet, TransitionNotAllowed, queue_rank
from .timeline import InternalNote, RequestEvent

# No 0/O, 1/I/L: a reference read out over the phone cannot be misheard as another.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_PREFIX = "BR-"
REFERENCE_LENGTH = 6


def new_reference():
    return REFERENCE_PREFIX + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


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

    class Outcome(models.TextChoices):
        BOOKED = "booked", "Booked"
        NOT_A_CANDIDATE = "not_a_candidate", "Not a candidate"
        COULD_NOT_REACH = "could_not_reach", "Could not reach"
        DUPLICATE = "duplicate", "Duplicate"
        SPAM = "spam", "Spam"

    MESSAGE_MAX_LENGTH = 4000
    AWAITING_CONTACT = (Status.NEW, Status.IN_REVIEW)
    OPEN_WORK = (Status.NEW, Status.IN_REVIEW, Status.CONTACTED)  # what the desk still has to do
    # Where a request may go from each status: forward along the path, or closed.
    ALLOWED_MOVES = {
        Status.NEW: {Status.IN_REVIEW, Status.CONTACTED, Status.CLOSED},
        Status.IN_REVIEW: {Status.CONTACTED, Status.CLOSED},
        Status.CONTACTED: {Status.SCHEDULED, Status.CLOSED},
        # Back to Contacted when the booked appointment is cancelled and new times are needed.
        Status.SCHEDULED: {Status.CONTACTED, Status.CLOSED},
        Status.CLOSED: set(),
    }
    DUPLICATE_WINDOW = timedelta(days=30)
    # What the patient typed or chose, and what points at it: "Close as spam" blanks exactly these.
    # tests/appointments/test_personal_fields.py fails when a new field is in neither list.
    PERSONAL_FIELDS = (
        "full_name",
        "email",
        "phone",
        "preferred_contact",
        "preferred_times",
        "topic",
        "article",
        "had_spine_surgery",
        "message",
        "red_flags",
        "possible_duplicate_of",
        "worse_since_last_request",
    )
    NOT_PERSONAL_FIELDS = (
        "id",
        "reference",
        "submission_token",
        "status",
        "priority",
        "outcome",
        "assigned_to",
        "created_at",
        "updated_at",
        "closed_at",
    )

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
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True, help_text="Needed to close.")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_consultation_requests",
        limit_choices_to={"is_staff": True, "is_active": True},
    )
    possible_duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="possible_duplicates",
        help_text="An earlier request from the same email or phone within 30 days.",
    )
    worse_since_last_request = models.BooleanField(
        default=False,
        editable=False,
        help_text="A warning sign is ticked now that the earlier request (possible duplicate) did not have.",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ConsultationRequestQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        verbose_name = "consultation request"
        permissions = [("export_consultationrequest", "Can export consultation requests to CSV")]
        indexes = [
            models.Index(fields=["status", "priority", "created_at"], name="queue_order"),
            # The queue's ORDER BY, so its first page is read from the index, not sorted from every row.
            models.Index(queue_rank(), F("created_at"), F("id"), name="queue_rank_order"),
        ]

    def __str__(self):
        return self.reference

    def get_admin_url(self):
        return reverse("admin:appointments_consultationrequest_change", args=[self.pk])

    @property
    def is_urgent(self):
        return self.priority == self.Priority.URGENT

    @property
    def red_flag_labels(self):
        return warning_signs.labels(self.red_flags)

    @property
    def red_flag_short_labels(self):
        return warning_signs.short_labels(self.red_flags)

    @property
    def is_overdue(self):
        return type(self).objects.filter(pk=self.pk).overdue().exists()

    @classmethod
    def priority_for(cls, red_flags):
        return cls.Priority.URGENT if red_flags else cls.Priority.NORMAL

    def find_possible_duplicate(self):
        """The latest earlier request from the same email or phone within the last 30 days."""
        same_person = Q()
        if self.email:
            same_person |= Q(email__iexact=self.email)
        if self.phone:
            same_person |= Q(phone=self.phone)
        if not same_person:
            return None
        since = (self.created_at or timezone.now()) - self.DUPLICATE_WINDOW
        earlier = ConsultationRequest.objects.filter(same_person, created_at__gte=since).exclude(pk=self.pk)
        return earlier.order_by("-created_at").first()

    def link_to_earlier_request(self):
        """Link a possible duplicate; mark it worse when it now ticks a warning sign the earlier one did not."""
        earlier = self.find_possible_duplicate()
        self.possible_duplicate_of = earlier
        self.worse_since_last_request = bool(earlier and not set(self.red_flags) <= set(earlier.red_flags))

    def check_move(self, status, outcome=""):
        if status == self.status:
            return
        if status not in self.ALLOWED_MOVES[self.status]:
            raise TransitionNotAllowed(
                f"{self.reference} is {self.get_status_display().lower()}: it cannot move to "
                f"“{self.Status(status).label}”. The path is New → In review → Contacted → Scheduled → Closed."
            )
        if status == self.Status.CLOSED and not outcome:
            raise TransitionNotAllowed("Choose an outcome to close the request.")

    def move_to(self, status, *, by, outcome=""):
        """Move along the triage path and record it; refuse a move the path does not allow."""
        self.check_move(status, outcome)
        if status == self.status:
            return
        old_status = self.status
        self.status = status
        fields = ["status", "updated_at"]
        if status == self.Status.CLOSED:
            self.outcome, self.closed_at = outcome, timezone.now()
            fields += ["outcome", "closed_at"]
        self.save(update_fields=fields)
        detail = f"outcome: {self.Outcome(outcome).label}" if outcome else ""
        self.record(RequestEvent.Kind.STATUS, by=by, old=old_status, new=status, detail=detail)

    def reopen(self, *, by, reason):
        """Closed → In review, with the reason in the timeline; decided under a row lock on the saved row."""
        reason = " ".join(reason.split())
        if not reason:
            raise TransitionNotAllowed("Say why the request is reopened.")
        with transaction.atomic():
            saved = type(self).objects.select_for_update(of=("self",)).get(pk=self.pk)
            if saved.status != self.Status.CLOSED:
                raise TransitionNotAllowed(f"{saved.reference} is not closed: there is nothing to reopen.")
            if saved.outcome == self.Outcome.SPAM:
                raise TransitionNotAllowed(f"{saved.reference} was closed as spam: its details are deleted.")
            saved.status, saved.outcome, saved.closed_at = self.Status.IN_REVIEW, "", None
            saved.save(update_fields=["status", "outcome", "closed_at", "updated_at"])
            saved.record(
                RequestEvent.Kind.STATUS,
                by=by,
                old=self.Status.CLOSED,
                new=saved.status,
                detail=f"Reopened: {reason}"[:200],
            )
        self.status, self.outcome, self.closed_at = saved.status, saved.outcome, saved.closed_at

    def assign_to(self, user, *, by):
        if user == self.assigned_to:
            return
        old = self.assigned_to
        self.assigned_to = user
        self.save(update_fields=["assigned_to", "updated_at"])
        self.record(RequestEvent.Kind.ASSIGNMENT, by=by, old=staff_name(old), new=staff_name(user))

    def set_priority(self, priority, *, by):
        if priority == self.priority:
            return
        old, self.priority = self.priority, priority
        self.save(update_fields=["priority", "updated_at"])
        self.record(RequestEvent.Kind.PRIORITY, by=by, old=old, new=priority)

    def add_note(self, text, *, by):
        note = InternalNote.objects.create(consultation=self, author=by, author_name=staff_name(by), text=text)
        self.record(RequestEvent.Kind.NOTE, by=by)
        return note

    def forget_personal_details(self):
        """Blank every field in PERSONAL_FIELDS (not saved)."""
        for name in self.PERSONAL_FIELDS:
            field = self._meta.get_field(name)
            if field.null:
                value = None
            elif isinstance(field, (models.CharField, models.TextField)):
                value = ""  # not even a default: "any time" would still be an answer
            elif field.has_default():
                value = field.get_default()
            else:
                value = ""
            setattr(self, field.attname if field.is_relation else name, value)

    def mark_as_spam(self, *, by):
        """Close as spam and keep nothing but the reference and the fact."""
        with transaction.atomic():
            self.check_move(self.Status.CLOSED, self.Outcome.SPAM)
            old_status = self.status
            self.forget_personal_details()
            self.priority = self.Priority.NORMAL  # "urgent" would tell that a warning sign was ticked
            self.status, self.outcome, self.closed_at = self.Status.CLOSED, self.Outcome.SPAM, timezone.now()
            self.save()
            self.notes.all().delete()
            self.record(RequestEvent.Kind.SPAM, by=by, old=old_status, new=self.Status.CLOSED)

    def record(self, kind, *, by=None, old="", new="", detail=""):
        return RequestEvent.objects.create(
            consultation=self,
            kind=kind,
            actor=by,
            actor_name=staff_name(by),
            old_value=old,
            new_value=new,
            detail=detail,
        )
