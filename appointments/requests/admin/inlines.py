"""The request page's record below the work: notes (one new, the rest read-only) and the timeline."""

from django import forms
from django.contrib import admin

from clinic.opening_hours import clinic_time

from ..timeline import InternalNote, RequestEvent


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
    template = "admin/appointments/consultationrequest/new_note_inline.html"
    verbose_name = "note"
    verbose_name_plural = "add a note (staff only, never shown to the patient)"

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["widgets"] = {"text": forms.Textarea(attrs={"rows": 3, "cols": 60})}
        kwargs["labels"] = {"text": "Note"}
        return super().get_formset(request, obj, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_change_permission(self, request, obj=None):
        return False


class InternalNoteInline(ReadOnlyInline):
    model = InternalNote
    fields = ["when", "written_by", "text"]
    verbose_name = "note"
    verbose_name_plural = "notes"

    @admin.display(description="written by")
    def written_by(self, note):
        return note.author_name


class RequestEventInline(ReadOnlyInline):
    model = RequestEvent
    fields = ["when", "what", "who", "change"]
    verbose_name = "event"
    verbose_name_plural = "timeline"

    @admin.display(description="what")
    def what(self, event):
        return event.get_kind_display()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")
