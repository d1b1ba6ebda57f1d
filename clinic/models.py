"""Site-wide models: the clinic's own profile and the days it is closed."""

import logging
from datetime import time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .cache import try_cache
from .contact import keep_copy
from .phone import tel_uri
from .warning_signs import RedFlag

logger = logging.getLogger(__name__)
# A copy of what the cache held, for the page that says the database is down.
_last_known = {}

SAME_DAY_SIGNS = """Your pain is much worse than usual and your medicine is not helping
You have new numbness or tingling in your legs or feet
You cannot walk or look after yourself because of the pain"""

WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def spoken_clock(moment):
    """E.g. "8 am", "5:30 pm": a clock time as patients read it."""
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes} {'am' if moment.hour < 12 else 'pm'}"


def describe_hours(weekdays, opens_at, closes_at):
    """The weekly opening hours as lines of text, e.g. "Monday to Friday: 8 am to 5 pm" then
    "Saturday and Sunday: closed": consecutive days with the same hours share a line."""
    runs = []  # [first day, last day, open?]
    for day in range(7):
        is_open = day in weekdays
        if runs and runs[-1][2] == is_open and runs[-1][1] == day - 1:
            runs[-1][1] = day
        else:
            runs.append([day, day, is_open])
    lines = []
    for first, last, is_open in runs:
        if first == last:
            days = WEEKDAY_NAMES[first]
        else:
            joiner = " and " if last == first + 1 else " to "
            days = f"{WEEKDAY_NAMES[first]}{joiner}{WEEKDAY_NAMES[last]}"
        hours = f"{spoken_clock(opens_at)} to {spoken_clock(closes_at)}" if is_open else "closed"
        lines.append(f"{days}: {hours}")
    return "\n".join(lines)


def validate_weekdays(value):
    if not value or any(ch not in "0123456" for ch in value) or len(set(value)) != len(value):
        raise ValidationError("Choose at least one day the clinic is open.")


class ClinicProfile(models.Model):
    """The clinic's own details, shown on every page. There is only ever one."""

    SINGLETON_PK = 1
    CACHE_KEY = "clinic:clinic-profile"
    CACHE_SECONDS = 300

    name = models.CharField(max_length=200, default="Our clinic")
    tagline = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=40, blank=True, help_text="Shown on every page, e.g. (555) 010-0100.")
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    opens_at = models.TimeField(default=time(9), help_text="When the clinic opens on a working day (clinic time).")
    closes_at = models.TimeField(default=time(17), help_text="When the clinic closes on a working day (clinic time).")
    working_weekdays = models.CharField(
        max_length=7,
        default="01234",
        validators=[validate_weekdays],
        help_text="The days the clinic is open (0 = Monday … 6 = Sunday).",
    )
    observe_federal_holidays = models.BooleanField(
        default=True, help_text="The clinic is closed on US federal holidays (New Year's Day, Thanksgiving, …)."
    )
    response_business_days = models.PositiveSmallIntegerField(
        default=1,
        help_text="How many business days the clinic promises to take to answer a consultation request.",
    )
    urgent_slots_per_day = models.PositiveSmallIntegerField(
        default=0,
        help_text="Appointment times held back each day, per clinician, for urgent requests. "
        "They are offered to everyone from noon the day before.",
    )
    patients_choose_times = models.BooleanField(
        default=False,
        help_text="After a routine request (no warning sign), patients may choose a free time themselves "
        "in the same visit. Urgent requests are always called by the clinic.",
    )
    emergency_notice = models.TextField(
        default="If you have a medical emergency, call 911 or go to the nearest emergency room.",
        help_text="Shown on every page. Tell people plainly what to do in an emergency.",
    )
    same_day_signs = models.TextField(
        default=SAME_DAY_SIGNS,
        help_text="“Call us today if…”: one sign per line.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "clinic profile"
        verbose_name_plural = "clinic profile"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON_PK
        super().save(*args, **kwargs)
        self._remember()

    def clean(self):
        if self.opens_at and self.closes_at and self.opens_at >= self.closes_at:
            raise ValidationError({"closes_at": "The clinic must close after it opens."})

    @classmethod
    def load(cls):
        """The clinic's profile, or unsaved defaults if nobody has filled it in yet.

        Read through the cache (shared by all app servers when REDIS_URL is set); a cache
        that does not answer only costs a database query.
        """
        profile = try_cache("get", cls.CACHE_KEY)
        if profile is None:
            profile = cls.objects.filter(pk=cls.SINGLETON_PK).first() or cls(pk=cls.SINGLETON_PK)
            profile._remember()
        _last_known[cls.CACHE_KEY] = profile
        return profile

    @classmethod
    def last_known(cls):
        """The profile as last seen, for pages shown while the database is down (None if never seen)."""
        return try_cache("get", cls.CACHE_KEY) or _last_known.get(cls.CACHE_KEY)

    def _remember(self):
        _last_known[self.CACHE_KEY] = self
        try_cache("set", self.CACHE_KEY, self, timeout=self.CACHE_SECONDS)
        if self.is_saved:
            keep_copy(self)  # for the 503 page of a server that cannot reach the database

    @property
    def is_saved(self):
        """False for the defaults shown before anyone has filled the profile in."""
        return not self._state.adding

    @property
    def weekdays(self):
        """The clinic's working weekdays as integers (0 = Monday)."""
        return frozenset(int(ch) for ch in self.working_weekdays)

    @property
    def hours(self):
        """The opening hours as patients read them, one line per run of days: written from the
        working days and times the clinic's calendar counts, so the two can never disagree."""
        return describe_hours(self.weekdays, self.opens_at, self.closes_at)

    @property
    def emergency_sign_list(self):
        """“Call 911 or go to the nearest emergency room if you have…”: the request form's warning signs."""
        return [sign.label for sign in RedFlag]

    @property
    def same_day_sign_list(self):
        return [line.strip(" -•") for line in self.same_day_signs.splitlines() if line.strip(" -•")]

    @property
    def response_promise(self):
        """E.g. "within one business day", for pages that tell patients when to expect an answer."""
        days = self.response_business_days
        return "within one business day" if days == 1 else f"within {days} business days"

    @property
    def phone_href(self):
        return tel_uri(self.phone)


class ClinicClosureQuerySet(models.QuerySet):
    def overlapping(self, start, end):
        """Closures that touch any day from `start` to `end` (dates, inclusive)."""
        return self.filter(starts_on__lte=end, ends_on__gte=start)


class ClinicClosure(models.Model):
    """Days the whole clinic is closed besides its weekly days off (a holiday of its own, a staff day)."""

    starts_on = models.DateField()
    ends_on = models.DateField(help_text="The last day closed; the same as the first for a single day.")
    reason = models.CharField(max_length=200, blank=True, help_text="For staff only, e.g. “Staff training”.")

    objects = ClinicClosureQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="closure_ends_after_start"
            )
        ]

    def __str__(self):
        if self.starts_on == self.ends_on:
            return f"Closed {self.starts_on:%Y-%m-%d}"
        return f"Closed {self.starts_on:%Y-%m-%d} to {self.ends_on:%Y-%m-%d}"

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The last day must be on or after the first day."})


class OutboxEmailQuerySet(models.QuerySet):
    def due(self, now=None):
        """Owed and ready now: pending and past any retry delay, or claimed by a worker that died."""
        now = now or timezone.now()
        ready = Q(status=OutboxEmail.Status.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        stale = timedelta(seconds=settings.OUTBOX_STALE_CLAIM_SECONDS)
        abandoned = Q(status=OutboxEmail.Status.SENDING, claimed_at__lt=now - stale)
        return self.filter(ready | abandoned)

    def failing_alerts(self):
        """On-call alerts the mail server has refused at least once and that are still owed."""
        owed = [OutboxEmail.Status.PENDING, OutboxEmail.Status.SENDING]
        return self.filter(urgent=True, attempts__gt=0, status__in=owed)


class OutboxEmail(models.Model):
    """One email the site owes, written when it was queued, kept until it is sent (see clinic.outbox)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Gave up after repeated failures"
        DROPPED = "dropped", "Not sent: no longer true"

    # A worker that died while sending leaves its claim behind: after this long another may take the
    # row (the default of DJANGO_OUTBOX_STALE_CLAIM_SECONDS).
    STALE_CLAIM = timedelta(minutes=15)

    # What the email is, as the app that queued it names it (e.g. "booked", "oncall_alert", "review_digest").
    kind = models.CharField(max_length=40)
    # What it is about, for staff and logs: a request's reference, never a name or an address.
    about = models.CharField(max_length=100, blank=True)
    recipients = models.JSONField(default=list)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    # [{"filename", "content" (text), "mimetype"}], e.g. the appointment's calendar file.
    attachments = models.JSONField(default=list, blank=True)
    # The facts the email states (e.g. the appointment and its sequence), re-checked before it leaves.
    facts = models.JSONField(default=dict, blank=True)
    # The same Message-ID on every attempt: a mail server or client drops a second copy.
    message_id = models.CharField(max_length=255, unique=True)
    # On-call alerts: never given up while owed, tried again at least every 15 minutes.
    urgent = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The kind of failure only (e.g. "SMTPServerDisconnected"), or why it was dropped; never an address.
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    objects = OutboxEmailQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "outbox email"

    def __str__(self):
        return f"{self.kind} email" + (f" about {self.about}" if self.about else "")


class EdgePurgeQuerySet(models.QuerySet):
    def failing(self):
        """Purges that have failed at least once and have not succeeded since (the admin index lists them)."""
        return self.exclude(status=EdgePurge.Status.DONE).filter(attempts__gt=0)


class EdgePurge(models.Model):
    """One request to drop addresses from the proxy and the CDN after a change (clinic/edge_purge.py)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        DONE = "done", "Done"
        FAILED = "failed", "Failed: pages expire on their own"

    paths = models.JSONField(help_text="The addresses to drop, e.g. /education/.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    objects = EdgePurgeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Purge of {len(self.paths)} address(es), {self.get_status_display().lower()}"
