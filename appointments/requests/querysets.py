"""The request queue's questions, asked of the database: open, overdue, urgent and untaken, queue order."""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact

from clinic.opening_hours import overdue_cutoff

from .timeline import ASKED_FOR_OTHER_TIMES, RequestEvent


class TransitionNotAllowed(ValidationError):
    """A status move the triage path does not allow."""


def queue_rank():
    """The queue's first sort key (an index holds it, see Meta.indexes).

    Open work first (urgent before normal, unassigned before taken), then booked, then closed.
    """
    return Case(
        When(status="closed", then=Value(5)),
        When(status="scheduled", then=Value(4)),
        When(assigned_to__isnull=True, priority="urgent", then=Value(0)),
        When(priority="urgent", then=Value(1)),
        When(assigned_to__isnull=True, then=Value(2)),
        default=Value(3),
    )


# The queue's named views, in the order the desk shows them: key, label. THE definitions are in_view().
QUEUE_VIEWS = [
    ("open", "Open work"),
    ("mine", "My open"),
    ("unassigned", "Unassigned"),
    ("urgent", "Urgent"),
    ("waiting", "Waiting on the patient"),
    ("booked", "Booked"),
    ("closed", "Closed"),
    ("all", "All"),
]
DEFAULT_VIEW = "open"


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

    def _asked_for_other_times(self):
        """The latest offer line of the request's timeline is the patient asking for other times."""
        latest_offer = RequestEvent.objects.filter(consultation=OuterRef("pk"), kind=RequestEvent.Kind.OFFER).order_by(
            "-created_at", "-pk"
        )
        return Q(status=self.model.Status.CONTACTED) & Q(
            Exact(Coalesce(Subquery(latest_offer.values("detail")[:1]), Value("")), Value(ASKED_FOR_OTHER_TIMES))
        )

    def _booked_by_patient(self):
        appointment = apps.get_model("appointments", "Appointment")
        return Q(status=self.model.Status.SCHEDULED) & Q(
            Exists(appointment.objects.filter(consultation=OuterRef("pk"), status="booked", booked_by_patient=True))
        )

    def _view_condition(self, view, user):
        """THE definition of each of the queue's named views, as a condition on one request."""
        Status, Priority = self.model.Status, self.model.Priority
        open_work = Q(status__in=self.model.OPEN_WORK)
        return {
            "open": open_work,
            "mine": open_work & Q(assigned_to=user.pk if user is not None else None),
            "unassigned": open_work & Q(assigned_to__isnull=True),
            "urgent": open_work & Q(priority=Priority.URGENT),
            "waiting": Q(status=Status.CONTACTED) & ~self._asked_for_other_times(),
            "booked": Q(status=Status.SCHEDULED),
            "closed": Q(status=Status.CLOSED),
            "all": Q(),
        }[view]

    def in_view(self, view, *, user=None):
        """The requests in one of QUEUE_VIEWS (an unknown name is the default view)."""
        if view not in dict(QUEUE_VIEWS):
            view = DEFAULT_VIEW
        return self.filter(self._view_condition(view, user))

    def view_counts(self, *, user=None):
        """How many requests each of QUEUE_VIEWS holds (one query)."""
        return self.aggregate(
            **{
                view: Count("pk", filter=self._view_condition(view, user)) if view != "all" else Count("pk")
                for view, _ in QUEUE_VIEWS
            }
        )

    def with_state(self):
        """Each request annotated with what its status alone does not say: whose move it is."""
        return self.annotate(
            asked_for_other_times=Case(
                When(self._asked_for_other_times(), then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
            booked_by_patient=Case(
                When(self._booked_by_patient(), then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
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
        """Open work first (urgent, then unassigned), then booked, then closed; the longest waiting first."""
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
