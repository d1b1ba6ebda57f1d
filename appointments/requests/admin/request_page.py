"""One request's page: the triage work at the top, what the patient wrote below, notes and timeline."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils.html import format_html, format_html_join

from clinic.opening_hours import clinic_time
from clinic.roles import TRIAGE_STAFF
from clinic.staff import staff_name

from ..access_log import AccessRecord, record_access
from ..models import ConsultationRequest
from ..outbox import Notification
from ..phones import dial_string, display_phone
from ..timeline import InternalNote, RequestEvent

Status = ConsultationRequest.Status
PATIENT_FIELDS = [
    "reference",
    "received",
    "full_name",
    "email",
    "phone_link",
    "preferred_contact",
    "preferred_times",
    "topic",
    "article",
    "had_spine_surgery",
    "warning_signs",
    "patient_message",
    "duplicates",
]
MOVE_BUTTON = "_move_to"
ASSIGN_BUTTON = "_assign_to_me"


def triage_staff(also=None):
    """Who a request may be assigned to: active members of Triage staff (and whoever has it now)."""
    users = get_user_model().objects.filter(is_active=True, is_staff=True, groups__name=TRIAGE_STAFF)
    if also is not None:
        users = users | get_user_model().objects.filter(pk=also)
    return users.distinct().order_by("first_name", "last_name", "username")


class TriageForm(forms.ModelForm):
    current_user = None  # set per request by RequestPageMixin.get_form

    class Meta:
        model = ConsultationRequest
        fields = ["status", "outcome", "priority", "assigned_to"]

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and (MOVE_BUTTON in data or ASSIGN_BUTTON in data):
            data = data.copy()
            if data.get(MOVE_BUTTON) in Status.values:
                data["status"] = data[MOVE_BUTTON]
            if ASSIGN_BUTTON in data and self.current_user is not None:
                data["assigned_to"] = str(self.current_user.pk)
        super().__init__(data, *args, **kwargs)
        saved_status = self.instance.status
        if "status" in self.fields:
            # Only the moves the path allows are offered; a forged one is still refused in clean().
            allowed = {saved_status, *ConsultationRequest.ALLOWED_MOVES.get(saved_status, ())}
            self.fields["status"].widget.choices = [c for c in Status.choices if c[0] in allowed]
        if "assigned_to" in self.fields:
            field = self.fields["assigned_to"]
            field.queryset = triage_staff(also=self.instance.assigned_to_id)
            field.label_from_instance = staff_name
            field.widget = forms.Select(choices=field.choices)  # no add/change/delete icons for accounts

    def clean(self):
        cleaned = super().clean()
        status, outcome = cleaned.get("status"), cleaned.get("outcome", "")
        if outcome and status != Status.CLOSED:
            self.add_error("outcome", "An outcome is for closing a request: set the status to Closed, or clear it.")
        elif status:
            try:
                self.instance.check_move(status, outcome)  # the instance still holds the saved status here
            except ValidationError as refusal:
                field = "outcome" if status == Status.CLOSED and not outcome else "status"
                self.add_error(field, refusal.messages)
        return cleaned


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

    @admin.display(description="when")
    def when(self, row):
        return clinic_time(row.created_at)


class NewNoteInline(admin.StackedInline):
    """One empty note to add; notes already written are shown (read-only) by InternalNoteInline."""

    model = InternalNote
    fields = ["text"]
    extra = 1
    max_num = 1
    can_delete = False
    verbose_name = "new internal note"
    verbose_name_plural = "add a note (staff only, never shown to the patient)"

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_change_permission(self, request, obj=None):
        return False


class InternalNoteInline(ReadOnlyInline):
    model = InternalNote
    fields = ["when", "author_name", "text"]
    verbose_name = "internal note"
    verbose_name_plural = "internal notes"


class RequestEventInline(ReadOnlyInline):
    model = RequestEvent
    fields = ["when", "kind", "who", "change"]
    verbose_name = "event"
    verbose_name_plural = "timeline"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class NotificationInline(ReadOnlyInline):
    """The emails this request owed, with how their delivery went (from the outbox)."""

    model = Notification
    fields = ["kind", "status", "attempts", "last_error", "sent_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("email")

    @admin.display(description="status")
    def status(self, notification):
        return notification.email.get_status_display() if notification.email else "—"

    @admin.display(description="attempts")
    def attempts(self, notification):
        return notification.email.attempts if notification.email else "—"

    @admin.display(description="last error or why not sent")
    def last_error(self, notification):
        return notification.email.last_error if notification.email else ""

    @admin.display(description="sent at")
    def sent_at(self, notification):
        return notification.email.sent_at if notification.email else None


class RequestPageMixin:
    form = TriageForm
    change_form_template = "admin/appointments/consultationrequest/change_form.html"
    readonly_fields = PATIENT_FIELDS
    fieldsets = [
        ("Triage", {"fields": ["status", "outcome", "priority", "assigned_to"]}),
        ("What the patient sent (read-only)", {"fields": PATIENT_FIELDS}),
    ]
    inlines = [NewNoteInline, InternalNoteInline, RequestEventInline, NotificationInline]

    def has_add_permission(self, request):
        return False  # requests come from the public form

    def get_object(self, request, object_id, from_field=None):
        consultation = super().get_object(request, object_id, from_field)
        if consultation is not None:
            # The form changes the instance in place; what is saved decides what the page offers.
            consultation.saved_status = consultation.status
        return consultation

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and getattr(obj, "saved_status", obj.status) == Status.CLOSED:
            return ["status", "outcome", *PATIENT_FIELDS]  # a closed request stays closed
        return PATIENT_FIELDS

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"current_user": request.user})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        original = getattr(response, "context_data", {}).get("original")
        if original is not None:  # the page was shown (not a redirect after saving)
            record_access(request, AccessRecord.Kind.VIEW, [original.reference])
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            saved = getattr(obj, "saved_status", obj.status)
            context["triage_moves"] = [
                (status, Status(status).label)
                for status in Status.values
                if status in ConsultationRequest.ALLOWED_MOVES.get(saved, ()) and status != Status.CLOSED
            ]
            context["can_close"] = Status.CLOSED in ConsultationRequest.ALLOWED_MOVES.get(saved, ())
            context["assigned_to_me"] = obj.assigned_to_id == request.user.pk
            context["move_button"], context["assign_button"] = MOVE_BUTTON, ASSIGN_BUTTON
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_change(self, request, obj):
        if MOVE_BUTTON in request.POST or ASSIGN_BUTTON in request.POST:
            self.message_user(request, f"{obj.reference} saved.", messages.SUCCESS)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

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

    # --- What the patient sent -------------------------------------------------

    @admin.display(description="received")
    def received(self, consultation):
        return clinic_time(consultation.created_at)

    @admin.display(description="phone")
    def phone_link(self, consultation):
        if not consultation.phone:
            return "—"
        return format_html(
            '<a href="tel:{}">{}</a>', dial_string(consultation.phone), display_phone(consultation.phone)
        )

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
        worse = (
            " — worse since last request: a warning sign is ticked now" if consultation.worse_since_last_request else ""
        )
        return format_html("{}{}", format_html_join(", ", '<a href="{}">{}</a>', links), worse)
