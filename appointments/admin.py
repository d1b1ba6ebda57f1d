import csv
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, Case, Count, Q, Value, When
from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

from clinic.opening_hours import overdue_cutoff
from education.admin import ArticleAdmin
from education.models import Article

from .models import ConsultationRequest, InternalNote, Notification, RequestEvent

PATIENT_FIELDS = [
    "reference",
    "received",
    "full_name",
    "email",
    "phone",
    "preferred_contact",
    "preferred_times",
    "topic",
    "article",
    "had_spine_surgery",
    "warning_signs",
    "patient_message",
    "duplicates",
]
# Spreadsheet programs run a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def answer_cutoff(request):
    """Requests that arrived before this are overdue; worked out once per page."""
    if not hasattr(request, "_answer_cutoff"):
        request._answer_cutoff = overdue_cutoff()
    return request._answer_cutoff


class AssignedToFilter(admin.SimpleListFilter):
    title = "assigned to"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        staff = (
            ConsultationRequest.assigned_to.field.related_model.objects.filter(
                assigned_consultation_requests__isnull=False
            )
            .exclude(pk=request.user.pk)
            .distinct()
            .order_by("username")
        )
        return [("me", "Me"), ("nobody", "Nobody"), *((str(user.pk), user.get_username()) for user in staff)]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "nobody":
            return queryset.filter(assigned_to__isnull=True)
        if self.value() and self.value().isdigit():
            return queryset.filter(assigned_to_id=self.value())
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = "answer overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request, queryset):
        overdue = queryset.overdue(cutoff=answer_cutoff(request))
        if self.value() == "yes":
            return overdue
        if self.value() == "no":
            return queryset.exclude(pk__in=overdue.values("pk"))
        return queryset


class TriageForm(forms.ModelForm):
    class Meta:
        model = ConsultationRequest
        fields = ["status", "outcome", "priority", "assigned_to"]

    def clean(self):
        cleaned = super().clean()
        status, outcome = cleaned.get("status"), cleaned.get("outcome", "")
        if outcome and status != ConsultationRequest.Status.CLOSED:
            self.add_error("outcome", "An outcome is for closing a request: set the status to Closed, or clear it.")
        elif status:
            try:
                self.instance.check_move(status, outcome)  # the instance still holds the saved status here
            except ValidationError as refusal:
                field = "outcome" if status == ConsultationRequest.Status.CLOSED and not outcome else "status"
                self.add_error(field, refusal.messages)
        return cleaned


class InternalNoteInline(admin.StackedInline):
    """Notes are appended: existing ones are read-only and cannot be removed."""

    model = InternalNote
    fields = ["created_at", "author_name", "text"]
    readonly_fields = ["created_at", "author_name"]
    extra = 1
    can_delete = False
    verbose_name = "internal note"
    verbose_name_plural = "internal notes (staff only, never shown to the patient)"

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows kept as a record: shown, never added, changed or removed here."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RequestEventInline(ReadOnlyInline):
    model = RequestEvent
    fields = ["created_at", "kind", "who", "change"]
    verbose_name = "event"
    verbose_name_plural = "timeline"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class NotificationInline(ReadOnlyInline):
    model = Notification
    fields = ["kind", "status", "attempts", "last_error", "sent_at"]


@admin.register(ConsultationRequest)
class ConsultationRequestAdmin(admin.ModelAdmin):
    form = TriageForm
    list_display = [
        "reference",
        "priority_badge",
        "status",
        "topic",
        "source_article",
        "assigned_to",
        "received",
        "waiting",
        "duplicate_of",
    ]
    list_filter = [
        "status",
        "priority",
        "topic",
        AssignedToFilter,
        OverdueFilter,
        ("created_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["topic", "article", "assigned_to", "possible_duplicate_of"]
    search_fields = ["=reference", "full_name", "email", "phone"]
    show_full_result_count = False
    list_per_page = 50
    readonly_fields = PATIENT_FIELDS
    fieldsets = [
        ("Triage", {"fields": ["status", "outcome", "priority", "assigned_to"]}),
        ("What the patient sent (read-only)", {"fields": PATIENT_FIELDS}),
    ]
    inlines = [InternalNoteInline, RequestEventInline, NotificationInline]
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
    ]

    class Media:
        css = {"all": ["appointments/admin.css"]}

    # --- The queue ------------------------------------------------------------

    def get_queryset(self, request):
        cutoff = answer_cutoff(request)
        # Not super(): the admin would order by the annotations before they exist.
        return ConsultationRequest.objects.in_queue_order().annotate(
            overdue=Case(
                When(status__in=ConsultationRequest.AWAITING_CONTACT, created_at__lt=cutoff, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )

    def get_ordering(self, request):
        return ["queue_rank", "created_at"]  # open first, urgent first, then the longest waiting

    def changelist_view(self, request, extra_context=None):
        counts = ConsultationRequest.objects.aggregate(
            new=Count("pk", filter=Q(status=ConsultationRequest.Status.NEW)),
            urgent=Count(
                "pk",
                filter=Q(priority=ConsultationRequest.Priority.URGENT) & ~Q(status=ConsultationRequest.Status.CLOSED),
            ),
            overdue=Count(
                "pk", filter=Q(pk__in=ConsultationRequest.objects.overdue(cutoff=answer_cutoff(request)).values("pk"))
            ),
        )
        return super().changelist_view(request, {**(extra_context or {}), "queue_counts": counts})

    def has_add_permission(self, request):
        return False  # requests come from the public form

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == ConsultationRequest.Status.CLOSED:
            return ["status", "outcome", *PATIENT_FIELDS]  # a closed request stays closed
        return PATIENT_FIELDS

    def has_export_permission(self, request):
        return request.user.has_perm("appointments.export_consultationrequest")

    @admin.display(description="priority", ordering="priority")
    def priority_badge(self, consultation):
        return format_html(
            '<span class="badge priority-{}">{}</span>', consultation.priority, consultation.get_priority_display()
        )

    @admin.display(description="source article", ordering="article__title")
    def source_article(self, consultation):
        return consultation.article.title if consultation.article else "—"

    @admin.display(description="received", ordering="created_at")
    def received(self, consultation):
        return timezone.localtime(consultation.created_at).strftime("%b %d, %Y %H:%M")

    @admin.display(description="waiting")
    def waiting(self, consultation):
        if consultation.status not in ConsultationRequest.AWAITING_CONTACT:
            return "—"
        waited = timesince(consultation.created_at, depth=1)
        if consultation.overdue:
            return format_html('<span class="badge overdue">Overdue</span> {}', waited)
        return waited

    @admin.display(description="possible duplicate of")
    def duplicate_of(self, consultation):
        earlier = consultation.possible_duplicate_of
        if earlier is None:
            return ""
        return format_html('<a href="{}">{}</a>', earlier.get_admin_url(), earlier.reference)

    # --- One request ----------------------------------------------------------

    @admin.display(description="warning signs")
    def warning_signs(self, consultation):
        labels = consultation.red_flag_labels
        if not labels:
            return "None reported"
        return format_html_join("", '<span class="badge red-flag">{}</span> ', ((label,) for label in labels))

    @admin.display(description="message")
    def patient_message(self, consultation):
        # Escaped, and isolated so that direction-changing characters cannot rearrange the page.
        return format_html('<div class="patient-text" dir="auto">{}</div>', consultation.message)

    @admin.display(description="possible duplicates")
    def duplicates(self, consultation):
        related = [consultation.possible_duplicate_of, *consultation.possible_duplicates.all()]
        links = [(r.get_admin_url(), r.reference) for r in related if r is not None]
        if not links:
            return "None found (same email or phone within 30 days)"
        return format_html_join(", ", '<a href="{}">{}</a>', links)

    def save_model(self, request, obj, form, change):
        """Apply the triage changes through the model, so each one is checked and recorded."""
        with transaction.atomic():
            saved = ConsultationRequest.objects.select_for_update(of=("self",)).get(pk=obj.pk)
            saved.set_priority(obj.priority, by=request.user)
            saved.assign_to(obj.assigned_to, by=request.user)
            saved.move_to(obj.status, by=request.user, outcome=obj.outcome)

    def save_formset(self, request, form, formset, change):
        if formset.model is not InternalNote:
            return super().save_formset(request, form, formset, change)
        # Through the model, so each note gets its author and a line in the timeline.
        formset.new_objects = [
            form.instance.add_note(note_form.cleaned_data["text"].strip(), by=request.user)
            for note_form in formset.extra_forms
            if note_form.has_changed() and note_form.cleaned_data.get("text", "").strip()
        ]
        formset.changed_objects, formset.deleted_objects = [], []
        return formset.new_objects

    # --- Actions --------------------------------------------------------------

    def _report(self, request, moved, refused, done):
        if moved:
            self.message_user(request, f"{len(moved)} request(s) {done}.", messages.SUCCESS)
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

    @admin.action(description="Assign to me", permissions=["change"])
    def assign_to_me(self, request, queryset):
        with transaction.atomic():
            requests = list(queryset.select_for_update(of=("self",)).order_by("pk"))
            for consultation in requests:
                consultation.assign_to(request.user, by=request.user)
        self.message_user(request, f"{len(requests)} request(s) assigned to you.", messages.SUCCESS)

    @admin.action(description="Mark contacted", permissions=["change"])
    def mark_contacted(self, request, queryset):
        self._move(request, queryset, ConsultationRequest.Status.CONTACTED, "marked contacted")

    @admin.action(description="Mark scheduled", permissions=["change"])
    def mark_scheduled(self, request, queryset):
        self._move(request, queryset, ConsultationRequest.Status.SCHEDULED, "marked scheduled")

    @admin.action(description="Close: booked", permissions=["change"])
    def close_booked(self, request, queryset):
        self._close(request, queryset, ConsultationRequest.Outcome.BOOKED)

    @admin.action(description="Close: not a candidate", permissions=["change"])
    def close_not_a_candidate(self, request, queryset):
        self._close(request, queryset, ConsultationRequest.Outcome.NOT_A_CANDIDATE)

    @admin.action(description="Close: could not reach", permissions=["change"])
    def close_could_not_reach(self, request, queryset):
        self._close(request, queryset, ConsultationRequest.Outcome.COULD_NOT_REACH)

    @admin.action(description="Close: duplicate", permissions=["change"])
    def close_duplicate(self, request, queryset):
        self._close(request, queryset, ConsultationRequest.Outcome.DUPLICATE)

    def _close(self, request, queryset, outcome):
        label = ConsultationRequest.Outcome(outcome).label.lower()
        self._move(request, queryset, ConsultationRequest.Status.CLOSED, f"closed ({label})", outcome=outcome)

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

    @admin.action(description="Export to CSV", permissions=["export"])
    def export_csv(self, request, queryset):
        requests = list(queryset.select_related("topic", "article", "assigned_to"))
        RequestEvent.objects.bulk_create(
            RequestEvent(
                consultation=consultation,
                kind=RequestEvent.Kind.EXPORT,
                actor=request.user,
                actor_name=request.user.get_full_name() or request.user.get_username(),
            )
            for consultation in requests
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="consultation-requests-{stamp}.csv"'
        response["Cache-Control"] = "no-store"
        writer = csv.writer(response)
        writer.writerow(EXPORT_COLUMNS)
        for consultation in requests:
            writer.writerow(spreadsheet_safe(value) for value in export_row(consultation))
        return response


EXPORT_COLUMNS = [
    "reference",
    "received",
    "status",
    "outcome",
    "priority",
    "assigned to",
    "topic",
    "source article",
    "full name",
    "email",
    "phone",
    "preferred contact",
    "preferred times",
    "had spine surgery",
    "warning signs",
    "message",
]


def export_row(consultation):
    return [
        consultation.reference,
        timezone.localtime(consultation.created_at).isoformat(timespec="minutes"),
        consultation.get_status_display(),
        consultation.get_outcome_display(),
        consultation.get_priority_display(),
        consultation.assigned_to.get_username() if consultation.assigned_to else "",
        consultation.topic.name if consultation.topic else "Something else",
        consultation.article.title if consultation.article else "",
        consultation.full_name,
        consultation.email,
        str(consultation.phone or ""),
        consultation.get_preferred_contact_display(),
        consultation.get_preferred_times_display(),
        consultation.get_had_spine_surgery_display(),
        "; ".join(consultation.red_flag_labels),
        consultation.message,
    ]


# Editors learn which articles bring patients to the clinic: counts only, never a patient's data.
admin.site.unregister(Article)


@admin.register(Article)
class ArticleWithRequestCountsAdmin(ArticleAdmin):
    list_display = [*ArticleAdmin.list_display, "requests_last_30_days", "requests_last_90_days"]

    def get_queryset(self, request):
        now = timezone.now()
        not_spam = ~Q(consultation_requests__outcome=ConsultationRequest.Outcome.SPAM)

        def since(days):
            return Q(consultation_requests__created_at__gte=now - timedelta(days=days)) & not_spam

        return (
            super()
            .get_queryset(request)
            .annotate(
                requests_30=Count("consultation_requests", filter=since(30)),
                requests_90=Count("consultation_requests", filter=since(90)),
            )
        )

    @admin.display(description="requests, 30 days", ordering="requests_30")
    def requests_last_30_days(self, article):
        return article.requests_30

    @admin.display(description="requests, 90 days", ordering="requests_90")
    def requests_last_90_days(self, article):
        return article.requests_90


from . import booking_admin  # noqa: E402, F401  (booking: clinicians, the agenda, offer times)
