"""Actions on the queue's selected requests; each one calls the model, which checks and records it."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import ConsultationRequest

Status, Outcome = ConsultationRequest.Status, ConsultationRequest.Outcome


def plural(count):
    return "request" if count == 1 else "requests"


class QueueActionsMixin:
    actions = [
        "assign_to_me",
        "mark_contacted",
        "mark_scheduled",
        "close_booked",
        "close_not_a_candidate",
        "close_could_not_reach",
        "close_duplicate",
        "mark_as_spam",
        "export_csv",
        "export_xlsx",
    ]

    def _report(self, request, moved, refused, done):
        if moved:
            self.message_user(request, f"{len(moved)} {plural(len(moved))} {done}.", messages.SUCCESS)
        if refused:
            references = ", ".join(consultation.reference for consultation in refused)
            self.message_user(
                request,
                f"Not changed, because the triage path does not allow it from their status: {references}.",
                messages.WARNING,
            )

    def _move(self, request, queryset, status, done, outcome=""):
        moved, refused = queryset.move_to(status, by=request.user, outcome=outcome)
        self._report(request, moved, refused, done)

    def _close(self, request, queryset, outcome):
        label = Outcome(outcome).label.lower()
        self._move(request, queryset, Status.CLOSED, f"closed ({label})", outcome=outcome)

    @admin.action(description="Assign to me", permissions=["change"])
    def assign_to_me(self, request, queryset):
        with transaction.atomic():
            requests = list(queryset.select_for_update(of=("self",)).order_by("pk"))
            for consultation in requests:
                consultation.assign_to(request.user, by=request.user)
        self.message_user(request, f"{len(requests)} {plural(len(requests))} assigned to you.", messages.SUCCESS)

    @admin.action(description="Mark contacted", permissions=["change"])
    def mark_contacted(self, request, queryset):
        self._move(request, queryset, Status.CONTACTED, "marked contacted")

    @admin.action(description="Mark scheduled", permissions=["change"])
    def mark_scheduled(self, request, queryset):
        self._move(request, queryset, Status.SCHEDULED, "marked scheduled")

    @admin.action(description="Close: booked", permissions=["change"])
    def close_booked(self, request, queryset):
        self._close(request, queryset, Outcome.BOOKED)

    @admin.action(description="Close: not a candidate", permissions=["change"])
    def close_not_a_candidate(self, request, queryset):
        self._close(request, queryset, Outcome.NOT_A_CANDIDATE)

    @admin.action(description="Close: could not reach", permissions=["change"])
    def close_could_not_reach(self, request, queryset):
        self._close(request, queryset, Outcome.COULD_NOT_REACH)

    @admin.action(description="Close: duplicate", permissions=["change"])
    def close_duplicate(self, request, queryset):
        self._close(request, queryset, Outcome.DUPLICATE)

    @admin.action(description="Close as spam (keeps only the reference)", permissions=["change"])
    def mark_as_spam(self, request, queryset):
        moved, refused = [], []
        for consultation in queryset.order_by("pk"):
            try:
                consultation.mark_as_spam(by=request.user)
            except ValidationError:
                refused.append(consultation)
            else:
                moved.append(consultation)
        self._report(request, moved, refused, "closed as spam; their details are deleted")
