"""The accounting of access to patients' requests (HIPAA audit controls, 45 CFR 164.312(b)).

Every open of a request's page, every listing of requests (search or filter) and every export is
one row: who, when, from which address, which requests (references) and the kind of access.
Never the search text, which may itself be a patient's name. Rows are only ever added: the model
refuses changes and deletion, the admin offers neither, and the references are text rather than
foreign keys, so purging closed requests leaves the record of who saw them in place. On
PostgreSQL a trigger (migration 0010) refuses UPDATE and DELETE whatever the code does, except
the retention purge (`purge_expired_records`, entries older than ACCESS_LOG_KEPT, six years),
which says so with a transaction-local setting, and the unlinking of a removed staff account.
"""

import ipaddress
from datetime import timedelta

from django.conf import settings
from django.db import connections, models, router, transaction
from django.utils import timezone

from clinic.net import client_ip
from clinic.opening_hours import clinic_time

# The retention purge tells the trigger of migration 0010 its cutoff (now minus this period).
ACCESS_LOG_KEPT = timedelta(days=6 * 366)
# Set (transaction-local) by the retention purge; the PostgreSQL trigger lets its deletes through.
PURGE_SETTING = "clinic.access_log_purge"


class AccessRecordQuerySet(models.QuerySet):
    def for_reference(self, reference):
        """Entries that include `reference`, oldest first."""
        return self.filter(references__contains=f" {reference.strip().upper()} ").order_by("at", "pk")

    def update(self, **kwargs):
        raise TypeError("The access log is append-only.")

    def delete(self):
        raise TypeError("The access log is append-only.")


class AccessRecord(models.Model):
    """One access to one or more consultation requests. Added, never changed or deleted."""

    class Kind(models.TextChoices):
        VIEW = "view", "Opened the request page"
        HISTORY = "history", "Opened the request's history"
        BOOKING = "booking", "Opened a booking page (appointment, offer times, move)"
        SEARCH = "search", "Searched the queue"
        LIST = "list", "Listed the queue"
        AGENDA = "agenda", "Listed the agenda"
        LOOKUP = "lookup", "Looked up a reference"
        DELETE = "delete", "Deleted, or was shown what deleting removes"
        EXPORT = "export", "Exported"

    at = models.DateTimeField("when", default=timezone.now, db_index=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name="staff member",
    )
    # Copied, so the record still names the person after their account is removed.
    username = models.CharField(max_length=150, editable=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices, editable=False)
    # " BR-AAAAAA BR-BBBBBB ": space-delimited so one reference is found with a `contains` on any database.
    references = models.TextField(editable=False)
    count = models.PositiveIntegerField(default=0, editable=False)

    objects = AccessRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "access record"
        verbose_name_plural = "access log"

    def __str__(self):
        return f"{self.username}: {self.get_kind_display().lower()}, {clinic_time(self.at)}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The access log is append-only: an entry is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The access log is append-only: an entry is never deleted.")

    @property
    def reference_list(self):
        return self.references.split()


def record_access(request, kind, references):
    """Record that `request.user` accessed the requests with these references: one INSERT, nothing if none."""
    references = list(dict.fromkeys(references))
    if not references:
        return None
    user = request.user
    return AccessRecord.objects.create(
        user=user,
        username=user.get_username(),
        ip_address=valid_ip(client_ip(request)),
        kind=kind,
        references=f" {' '.join(references)} ",
        count=len(references),
    )


def record_page(request, response, kind, shown, reference=lambda obj: obj.reference):
    """Record `kind` when an admin page was rendered showing the object in its context under `shown`.

    A redirect (after saving or deleting) or a refusal has no such context and records nothing.
    """
    obj = (getattr(response, "context_data", None) or {}).get(shown)
    if obj is not None:
        record_access(request, kind, [reference(obj)])
    return response


def purge_expired_records(now=None):
    """Delete the entries older than ACCESS_LOG_KEPT; return how many. The one deletion the log allows."""
    cutoff = (now or timezone.now()) - ACCESS_LOG_KEPT
    using = router.db_for_write(AccessRecord)
    connection = connections[using]
    with transaction.atomic(using=using):
        expired = AccessRecord.objects.using(using).filter(at__lt=cutoff)
        if connection.vendor != "postgresql":
            return models.QuerySet.delete(expired)[0]
        with connection.cursor() as cursor:
            # The trigger lets through deletions of entries older than this cutoff only.
            cursor.execute("SELECT set_config(%s, %s, true)", [PURGE_SETTING, cutoff.isoformat()])
            try:
                return models.QuerySet.delete(expired)[0]
            finally:  # until the end of the transaction otherwise, which may be a caller's
                cursor.execute("SELECT set_config(%s, '', true)", [PURGE_SETTING])


def valid_ip(text):
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def access_report(reference):
    """Lines saying who accessed the request `reference` and when, oldest first."""
    return [
        f"{clinic_time(record.at)}  {record.username}  {record.get_kind_display().lower()}  "
        f"from {record.ip_address or 'an unknown address'}"
        + (f"  ({record.count} requests)" if record.count > 1 else "")
        for record in AccessRecord.objects.for_reference(reference)
    ]
