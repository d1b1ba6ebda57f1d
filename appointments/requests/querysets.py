"""The request queue's questions, asked of the database: open, overdue, urgent and untaken, queue order."""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import BooleanField, Case, Count, Q, Value, When

from clinic.opening_hours import overdue_cutoff


class TransitionNotAllowed(ValidationError):
    """A status move the triage path does not allow."""


def queue_rank():
    """Open before closed, urgent first: the queue's first sort key (an index holds it, see Meta.indexes)."""
    return Case(
        When(status="closed", then=Value(2)),
        When(priority="urgent", then=Value(0)),
        default=Value(1),
    )


class ConsultationRequestQuerySet(models.QuerySet):
    def _overdue_condition(self, cutoff):
        return Q(status__in=self.model.AWAITING_CONTACT, created_at__lt=cutoff)

    def open(self):
        return self.exclude(status=self.model.Status.CLOSED)

    def overdue(self, now=None, *, cutoff=None):
        """THE definition of overdue: not yet contacted, and older than the clinic's response promise."""
        return self.filter(self._overdue_condition(cutoff if cutoff is not None else overdue_cutoff(now)))

    def with_overdue(self, *, cutoff):
        """Each request annotated with `overdue`, by the same condition as overdue()."""
        return self.annotate(
            overdue=Case(
                When(self._overdue_condition(cutoff), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )

    def counts(self, *, cutoff=None):
        """What needs attention: new requests, open urgent ones, overdue ones (one query)."""
        Status, Priority = self.model.Status, self.model.Priority
        cutoff = cutoff if cutoff is not None else overdue_cutoff()
        return self.aggregate(
            new=Count("pk", filter=Q(status=Status.NEW)),
            urgent=Count("pk", filter=Q(priority=Priority.URGENT) & ~Q(status=Status.CLOSED)),
            overdue=Count("pk", filter=self._overdue_condition(cutoff)),
        )

    def unacknowledged_urgent(self):
        """Urgent requests nobody has taken on: unassigned and still New."""
        return self.filter(
            priority=self.model.Priority.URGENT,
            status=self.model.Status.NEW,
            assigned_to__isnull=True,
        )

    def in_queue_order(self):
        """Open before closed, urgent first, then the longest waiting."""
        return self.annotate(queue_rank=queue_rank()).order_by("queue_rank", "created_at", "pk")

    def closed_before(self, moment):
        return self.filter(status=self.model.Status.CLOSED, closed_at__lt=moment)

    def move_to(self, status, *, by, outcome=""):
        """Move each request along the triage path; return (moved, refused) as lists of requests."""
        moved, refused = [], []
        with transaction.atomic():
            for consultation in self.select_for_update(of=("self",)).order_by("pk"):
                try:
                    consultation.move_to(status, by=by, outcome=outcome)
                except TransitionNotAllowed:
                    refused.append(consultation)
                else:
                    moved.append(consultation)
        return moved, refused
