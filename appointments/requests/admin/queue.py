"""The triage queue: columns, filters, search, counts, and the record of who listed which requests."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.html import format_html
from django.utils.timesince import timesince

from clinic.opening_hours import clinic_time, overdue_cutoff
from clinic.staff import staff_name

from ..access_log import AccessRecord, record_access
from ..models import REFERENCE_PREFIX, ConsultationRequest
from ..phones import dial_string, display_phone, phone_from_query
from ..querysets import DEFAULT_VIEW, QUEUE_VIEWS

Status = ConsultationRequest.Status
# What the status column says where the status alone would mislead.
STATE_WORDS = {Status.CONTACTED: "Waiting on the patient", Status.SCHEDULED: "Booked"}


def answer_cutoff(request):
    """Requests that arrived before this are overdue; worked out once per page."""
    if not hasattr(request, "_answer_cutoff"):
        request._answer_cutoff = overdue_cutoff()
    return request._answer_cutoff


def as_reference(term):
    """The reference a search term may be ("br-7k3f9q", "7K3F9Q" → "BR-7K3F9Q"), or "" for a longer text."""
    if not term or len(term) > 12:
        return ""
    reference = term.upper()
    return reference if reference.startswith(REFERENCE_PREFIX) else REFERENCE_PREFIX + reference


def is_autocomplete(request):
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name == "autocomplete"


def reference_lookup(request, queryset, term):
    """What another admin's autocomplete (the agenda's request field) finds: one request by its exact
    reference, never a search of names or emails; the look-up is recorded in the access log."""
    reference = as_reference(term)
    found = queryset.filter(reference=reference) if reference else queryset.none()
    record_access(request, AccessRecord.Kind.LOOKUP, found.values_list("reference", flat=True))
    return found


def queue_view(request):
    """The named view the queue shows (the default one for a missing or unknown name)."""
    view = request.GET.get(QueueViewFilter.parameter_name)
    if view is None and "status__exact" in request.GET:
        return "all"  # a status picked in the sidebar is looked for among all requests
    return view if view in dict(QUEUE_VIEWS) else DEFAULT_VIEW


class QueueViewFilter(admin.SimpleListFilter):
    """The named views (Open work, My open, …): drawn as tabs above the list, not in the sidebar."""

    title = "view"
    parameter_name = "view"
    template = "admin/appointments/consultationrequest/_no_filter.html"

    def lookups(self, request, model_admin):
        return QUEUE_VIEWS

    def queryset(self, request, queryset):
        return queryset.in_view(queue_view(request), user=request.user)


class AssignedToFilter(admin.SimpleListFilter):
    title = "assigned to"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        staff = (
            get_user_model()
            .objects.filter(assigned_consultation_requests__isnull=False)
            .exclude(pk=request.user.pk)
            .distinct()
        )
        # By the name the assignee column shows, in that name's order.
        named = sorted(((str(user.pk), staff_name(user)) for user in staff), key=lambda choice: choice[1].lower())
        return [("me", "Me"), ("nobody", "Nobody"), *named]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.filter(assigned_to=request.user)
        if value == "nobody":
            return queryset.filter(assigned_to__isnull=True)
        # ASCII digits only: "²".isdigit() is true, and int("²") is an error.
        if value and value.isascii() and value.isdigit() and len(value) < 12:
            return queryset.filter(assigned_to_id=int(value))
        return queryset  # an unknown value is ignored


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


class QueueMixin:
    list_display = [
        "reference_column",
        "received_column",
        "name_column",
        "phone_column",
        "contact_column",
        "warning_signs_column",
        "priority_badge",
        "state_column",
        "assignee_column",
    ]
    list_display_links = ["reference_column"]
    list_filter = [
        QueueViewFilter,
        "status",
        "priority",
        "topic",
        AssignedToFilter,
        OverdueFilter,
        ("created_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["assigned_to", "possible_duplicate_of"]
    # Name and email here; references (any case) and phones (any format) in get_search_results.
    search_fields = ["full_name", "email"]
    search_help_text = "A reference (BR-…), a name, an email address or a phone number in any format."
    show_full_result_count = False
    list_per_page = 50

    def get_queryset(self, request):
        # Not super(): the admin would order by the annotations before they exist.
        return ConsultationRequest.objects.in_queue_order().with_overdue(cutoff=answer_cutoff(request)).with_state()

    def get_ordering(self, request):
        return ["queue_rank", "created_at", "pk"]  # open work (urgent, then unassigned) first, the longest waiting

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if is_autocomplete(request):
            return reference_lookup(request, queryset, term), False
        found, may_have_duplicates = super().get_search_results(request, queryset, term)
        exact = Q()
        reference = as_reference(term)
        if reference:
            exact |= Q(reference=reference)
        phone = phone_from_query(term)
        if phone:
            exact |= Q(phone=phone)
        if exact:
            found = found | queryset.filter(exact)
        return found, may_have_duplicates

    def changelist_view(self, request, extra_context=None):
        current = queue_view(request)
        counts = ConsultationRequest.objects.view_counts(user=request.user)
        views = [
            {"key": key, "label": label, "count": counts[key], "current": key == current} for key, label in QUEUE_VIEWS
        ]
        context = {"queue_views": views, "title": f"Consultation requests: {dict(QUEUE_VIEWS)[current]}"}
        response = super().changelist_view(request, {**context, **(extra_context or {})})
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None and request.method == "GET":
            kind = AccessRecord.Kind.SEARCH if changelist.query else AccessRecord.Kind.LIST
            record_access(request, kind, [consultation.reference for consultation in changelist.result_list])
        return response

    # --- Columns --------------------------------------------------------------

    @admin.display(description="reference", ordering="reference")
    def reference_column(self, consultation):
        earlier = consultation.possible_duplicate_of
        if earlier is None:
            return consultation.reference
        note = "Worse since last request" if consultation.worse_since_last_request else "Possible duplicate"
        css = "badge worse" if consultation.worse_since_last_request else "queue-note"
        return format_html(
            '{}<br><span class="{}">{}</span><br><span class="queue-note">(earlier: {})</span>',
            consultation.reference,
            css,
            note,
            earlier.reference,
        )

    @admin.display(description="received", ordering="created_at")
    def received_column(self, consultation):
        when = clinic_time(consultation.created_at)
        if consultation.status not in ConsultationRequest.AWAITING_CONTACT:
            return when
        waited = timesince(consultation.created_at, depth=1)
        if consultation.overdue:
            return format_html('{}<br><span class="badge overdue">Overdue</span> {}', when, waited)
        return format_html('{}<br><span class="queue-note">waiting {}</span>', when, waited)

    @admin.display(description="name", ordering="full_name")
    def name_column(self, consultation):
        return consultation.full_name or "—"

    @admin.display(description="status", ordering="status")
    def state_column(self, consultation):
        if getattr(consultation, "asked_for_other_times", False):
            return format_html('<span class="state state-ours">{}</span>', "Patient asked for other times")
        if getattr(consultation, "booked_by_patient", False):
            return "Booked by the patient"
        return STATE_WORDS.get(consultation.status, consultation.get_status_display())

    @admin.display(description="assignee", ordering="assigned_to__username")
    def assignee_column(self, consultation):
        return staff_name(consultation.assigned_to, nobody="Nobody")

    @admin.display(description="phone")
    def phone_column(self, consultation):
        if not consultation.phone:
            return "—"
        return format_html(
            '<a href="tel:{}" class="phone">{}</a>', dial_string(consultation.phone), display_phone(consultation.phone)
        )

    @admin.display(description="contact", ordering="preferred_contact")
    def contact_column(self, consultation):
        return consultation.get_preferred_contact_display() or "—"

    @admin.display(description="warning signs")
    def warning_signs_column(self, consultation):
        labels = consultation.red_flag_short_labels
        if not labels:
            return "None"
        return format_html('<span class="red-flag-text">{}</span>', ", ".join(labels))

    @admin.display(description="priority", ordering="priority")
    def priority_badge(self, consultation):
        return format_html(
            '<span class="badge priority-{}">{}</span>', consultation.priority, consultation.get_priority_display()
        )
