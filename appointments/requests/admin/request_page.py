"""One request's page: what the patient said beside the triage work, then their details, notes and timeline."""

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

from ..access_log import AccessRecord, record_access, record_page
from ..models import ConsultationRequest
from ..outbox import Notification
from ..phones import dial_string, display_phone
from ..timeline import InternalNote
from .inlines import InternalNoteInline, NewNoteInline, ReadOnlyInline, RequestEventInline

Status = ConsultationRequest.Status
# What the patient said, shown first beside the work bar (templates/.../_patient_said.html).
SAID_FIELDS = ["warning_signs", "topic_said", "patient_message", "contact_preference", "source_article", "worse"]
# Who they are and how to reach them, below.
DETAIL_FIELDS = ["reference", "received", "full_name", "email", "phone_link", "had_spine_surgery", "duplicates"]
PATIENT_FIELDS = [*SAID_FIELDS, *DETAIL_FIELDS]
TRIAGE_FIELDS = ["status", "outcome", "priority", "assigned_to"]
MOVE_BUTTON = "_move_to"
ASSIGN_BUTTON = "_assign_to_me"
REOPEN_BUTTON = "_reopen"


def triage_staff(also=None):
    """Who a request may be assigned to: active members of Triage staff (and whoever has it now)."""
    users = get_user_model().objects.filter(is_active=True, is_staff=True, groups__name=TRIAGE_STAFF)
    if also is not None:
        users = users | get_user_model().objects.filter(pk=also)
    return users.distinct().order_by("first_name", "last_name", "username")


class TriageForm(forms.ModelForm):
    current_user = None  # set per request by RequestPageMixin.get_form
    reopen_reason = forms.CharField(
        label="Why reopen it?",
        required=False,
        max_length=180,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
        help_text="Required to reopen; kept in the timeline.",
    )

    class Meta:
        model = ConsultationRequest
        fields = TRIAGE_FIELDS

    def __init__(self, data=None, *args, **kwargs):
        self.reopening = data is not None and REOPEN_BUTTON in data
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
        if self.reopening:
            if not " ".join(cleaned.get("reopen_reason", "").split()):
                self.add_error("reopen_reason", "Say why the request is reopened.")
            elif self.instance.outcome == ConsultationRequest.Outcome.SPAM:
                self.add_error("reopen_reason", "It was closed as spam: its details are deleted, so it cannot reopen.")
            return cleaned
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


class NotificationInline(ReadOnlyInline):
    """The emails this request owed, with how their delivery went (from the outbox)."""

    model = Notification
    fields = ["kind", "status", "attempts", "last_error", "sent"]

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

    @admin.display(description="sent")
    def sent(self, notification):
        sent_at = notification.email.sent_at if notification.email else None
        return clinic_time(sent_at) or "—"  # with the zone, like every time on the page


class RequestPageMixin:
    form = TriageForm
    change_form_template = "admin/appointments/consultationrequest/change_form.html"
    readonly_fields = PATIENT_FIELDS
    fieldsets = [
        ("Triage", {"fields": TRIAGE_FIELDS}),
        ("What the patient said", {"fields": SAID_FIELDS}),
        ("Who they are", {"fields": DETAIL_FIELDS}),
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

    @staticmethod
    def is_closed(obj):
        return obj is not None and getattr(obj, "saved_status", obj.status) == Status.CLOSED

    def get_readonly_fields(self, request, obj=None):
        if self.is_closed(obj):
            return ["status", "outcome", *PATIENT_FIELDS]  # closed until reopened, with a reason
        return PATIENT_FIELDS

    def get_fieldsets(self, request, obj=None):
        if self.is_closed(obj) and self.has_change_permission(request, obj):
            return [("Triage", {"fields": [*TRIAGE_FIELDS, "reopen_reason"]}), *self.fieldsets[1:]]
        return self.fieldsets

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"current_user": request.user})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {"title": "Consultation request", **(extra_context or {})}  # not "Change …"
        response = super().change_view(request, object_id, form_url, extra_context)
        original = getattr(response, "context_data", {}).get("original")
        if original is not None:  # the page was shown (not a redirect after saving)
            record_access(request, AccessRecord.Kind.VIEW, [original.reference])
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        return record_page(request, response, AccessRecord.Kind.HISTORY, "object")

    def get_deleted_objects(self, objs, request):
        """What deleting would remove (notes, timeline) is listed, for one request or selected ones: recorded."""
        record_access(request, AccessRecord.Kind.DELETE, [consultation.reference for consultation in objs])
        return super().get_deleted_objects(objs, request)

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
            context["is_closed"], context["reopen_button"] = self.is_closed(obj), REOPEN_BUTTON
            context["show_save_and_continue"] = False  # Save already stays on the page
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_change(self, request, obj):
        """Every save stays on the request: the nurse keeps her place."""
        if "_popup" in request.POST:
            return super().response_change(request, obj)
        done = "reopened: it is In review again" if REOPEN_BUTTON in request.POST else "saved"
        self.message_user(request, f"{obj.reference} {done}.", messages.SUCCESS)
        return HttpResponseRedirect(request.path)

    def save_model(self, request, obj, form, change):
        """Apply the triage changes through the model, so each one is checked and recorded."""
        with transaction.atomic():
            saved = ConsultationRequest.objects.select_for_update(of=("self",)).get(pk=obj.pk)
            if form.reopening:
                saved.reopen(by=request.user, reason=form.cleaned_data["reopen_reason"])
            saved.set_priority(obj.priority, by=request.user)
            saved.assign_to(obj.assigned_to, by=request.user)
            if not form.reopening:
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

    @admin.display(description="topic")
    def topic_said(self, consultation):
        return consultation.topic.name if consultation.topic else "Something else"

    @admin.display(description="contact by")
    def contact_preference(self, consultation):
        method = consultation.get_preferred_contact_display() or "—"
        return f"{method}, {consultation.get_preferred_times_display().lower()}"

    @admin.display(description="came from")
    def source_article(self, consultation):
        if consultation.article is None:
            return "No article (the contact page)"
        return format_html('<a href="{}">{}</a>', consultation.article.get_absolute_url(), consultation.article.title)

    @admin.display(description="since last request")
    def worse(self, consultation):
        if consultation.worse_since_last_request:
            return format_html('<span class="badge worse">{}</span>', "Worse: a new warning sign is ticked")
        if consultation.possible_duplicate_of_id:
            return "No new warning sign"
        return "No earlier request in the last 30 days"

    @admin.display(description="message")
    def patient_message(self, consultation):
        # Escaped, and isolated so that direction-changing characters cannot rearrange the page.
        return format_html('<div class="patient-text" dir="auto" tabindex="0">{}</div>', consultation.message)

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
