"""Booking: clinicians and their hours, times offered to a patient, and appointments.

Times are stored in UTC and mean the clinic's local time (settings.TIME_ZONE) to people.
"""

import secrets
from datetime import time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from clinic.models import WEEKDAY_NAMES
from clinic.opening_hours import at_local


def new_offer_token():
    return secrets.token_urlsafe(24)


class Clinician(models.Model):
    class Place(models.TextChoices):
        CLINIC = "clinic", "At the clinic"
        TELEHEALTH = "telehealth", "Video call (telehealth)"

    name = models.CharField(max_length=120, help_text="Shown to patients, e.g. “Dr. Ana Rivera, spine specialist”.")
    active = models.BooleanField(default=True, help_text="Only active clinicians are offered to patients.")
    consultation_minutes = models.PositiveSmallIntegerField(default=30, help_text="Length of one consultation.")
    place = models.CharField(
        max_length=12, choices=Place.choices, default=Place.CLINIC, help_text="Where they see patients."
    )
    # Bumped by every booking: on SQLite this first write takes the database's write lock, so
    # the overlap check and the insert that follow cannot interleave with another booking.
    booking_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def length(self):
        return timedelta(minutes=self.consultation_minutes)

    @property
    def is_telehealth(self):
        return self.place == self.Place.TELEHEALTH


class WorkingHours(models.Model):
    """One block of a clinician's week, e.g. Monday 9:00–12:00 (several blocks a day are fine)."""

    clinician = models.ForeignKey(Clinician, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=list(enumerate(WEEKDAY_NAMES)))
    starts = models.TimeField(help_text="Clinic time.")
    ends = models.TimeField(help_text="Clinic time.")

    class Meta:
        ordering = ["weekday", "starts"]
        verbose_name_plural = "working hours"
        constraints = [models.CheckConstraint(condition=Q(ends__gt=models.F("starts")), name="hours_end_after_start")]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"


class TimeOff(models.Model):
    clinician = models.ForeignKey(Clinician, on_delete=models.CASCADE, related_name="time_off")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=120, blank=True, help_text="For staff only.")

    class Meta:
        ordering = ["starts_at"]
        verbose_name_plural = "time off"

    def __str__(self):
        starts, ends = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        return f"{self.clinician}: {starts:%Y-%m-%d %H:%M} to {ends:%Y-%m-%d %H:%M}"

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError("Time off must end after it starts.")


def holds_request(since):
    """Appointments that end an offer's use: booked (through any offer), or kept since it (attended, did not come).

    `since` is the offer's creation time (a value or an OuterRef): an appointment kept before it does
    not close it (a new offer after a visit, or after a missed one, books again).
    """
    return Q(status=Appointment.Status.BOOKED) | Q(status__in=Appointment.KEPT, created_at__gte=since)


class OfferQuerySet(models.QuerySet):
    def by_token(self, token):
        return self.select_related("consultation").filter(token=token).first()

    def open(self, now=None):
        """Offers whose link still books: not closed or expired, the request open and holding no appointment."""
        holders = Appointment.objects.filter(
            holds_request(OuterRef("created_at")), consultation=OuterRef("consultation")
        )
        return (
            self.filter(closed_at__isnull=True, expires_at__gt=now or timezone.now())
            .exclude(consultation__status="closed")
            .exclude(Exists(holders))
        )


class Offer(models.Model):
    """Times offered to one patient, reached through one unguessable link. Offers do not hold slots."""

    consultation = models.ForeignKey(
        "appointments.ConsultationRequest", on_delete=models.CASCADE, related_name="offers"
    )
    token = models.CharField(max_length=64, unique=True, default=new_offer_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Self-booking: no fixed times, the patient picks any free time (not one held back for urgent requests).
    any_free_time = models.BooleanField(default=False, editable=False)
    # Set when the link stops working: the booked time was cancelled, or the patient asked for others.
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Times offered to {self.consultation.reference}"

    def get_absolute_url(self):
        return reverse("appointments:book", args=[self.token])

    @property
    def booked(self):
        return self.appointments.filter(status=Appointment.Status.BOOKED).select_related("clinician").first()

    def holder(self):
        """The appointment that ends this link's use (see `holds_request`), the latest first, or None."""
        return (
            Appointment.objects.filter(holds_request(self.created_at), consultation_id=self.consultation_id)
            .select_related("clinician", "offer")
            .order_by("-created_at")
            .first()
        )


class OfferedTime(models.Model):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="times")
    clinician = models.ForeignKey(Clinician, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at", "clinician"]

    def __str__(self):
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d %H:%M} with {self.clinician}"


class AppointmentQuerySet(models.QuerySet):
    def live(self):
        """Appointments that occupy their clinician's time (anything not cancelled)."""
        return self.exclude(status=Appointment.Status.CANCELLED)

    def upcoming(self, now=None):
        return self.filter(status=Appointment.Status.BOOKED, starts_at__gte=now or timezone.now())

    def overlapping(self, clinician, starts_at, ends_at):
        return self.live().filter(clinician=clinician, starts_at__lt=ends_at, ends_at__gt=starts_at)

    def on_day(self, day):
        return self.filter(
            starts_at__gte=at_local(day, time.min), starts_at__lt=at_local(day + timedelta(days=1), time.min)
        )


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        ATTENDED = "attended", "Attended"
        NO_SHOW = "no_show", "Did not come"
        CANCELLED = "cancelled", "Cancelled"

    KEPT = (Status.ATTENDED, Status.NO_SHOW)  # its time has come: marked by staff

    clinician = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="appointments")
    consultation = models.ForeignKey(
        "appointments.ConsultationRequest", on_delete=models.CASCADE, related_name="appointments"
    )
    offer = models.ForeignKey(Offer, null=True, blank=True, on_delete=models.SET_NULL, related_name="appointments")
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED, db_index=True)
    booked_by_patient = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Raised on every change the patient's calendar must pick up (the .ics SEQUENCE).
    sequence = models.PositiveSmallIntegerField(default=0, editable=False)
    # The start time a reminder was claimed for: a moved appointment gets a reminder for its new time.
    reminded_for = models.DateTimeField(null=True, blank=True, editable=False)
    # When the reminder is owed (see booking/reminders.py); None once sent, or when none is owed.
    remind_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    # The waiting list (booking/waiting_list.py): "tell me if an earlier time opens", the freed time
    # last offered (a slot key) and when, so a patient hears at most once a day.
    wants_earlier = models.BooleanField(default=False, editable=False)
    earlier_time = models.CharField(max_length=40, blank=True, editable=False)
    told_earlier_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "clinician"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="appointment_ends_after_start"),
            # A request has at most one upcoming appointment: a double click, or two tabs, book once.
            models.UniqueConstraint(
                fields=["consultation"], condition=Q(status="booked"), name="one_booked_appointment_per_request"
            ),
        ]

    def __str__(self):
        return f"{self.consultation.reference} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    def patient_may_change(self, now=None):
        cutoff = self.starts_at - timedelta(hours=settings.APPOINTMENTS_CHANGE_CUTOFF_HOURS)
        return self.status == self.Status.BOOKED and (now or timezone.now()) < cutoff


def uses_exclusion_constraint():
    """PostgreSQL refuses two live overlapping appointments of one clinician (a constraint migration 0007 adds)."""
    return connection.vendor == "postgresql"
