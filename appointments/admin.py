from django.contrib import admin

from .models import ConsultationRequest, Notification

PATIENT_FIELDS = [
    "reference",
    "full_name",
    "email",
    "phone",
    "preferred_contact",
    "preferred_times",
    "topic",
    "article",
    "had_spine_surgery",
    "message",
    "red_flag_list",
    "created_at",
]


class NotificationInline(admin.TabularInline):
    model = Notification
    fields = ["kind", "status", "attempts", "last_error", "sent_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ConsultationRequest)
class ConsultationRequestAdmin(admin.ModelAdmin):
    list_display = ["reference", "priority", "status", "topic", "article", "created_at"]
    list_filter = ["status", "priority", "topic"]
    list_select_related = ["topic", "article"]
    search_fields = ["reference", "full_name", "email", "phone"]
    readonly_fields = PATIENT_FIELDS
    fieldsets = [
        ("What the patient sent (read-only)", {"fields": PATIENT_FIELDS}),
        ("Triage", {"fields": ["status", "priority"]}),
    ]
    inlines = [NotificationInline]

    def has_add_permission(self, request):
        return False  # requests come from the public form

    @admin.display(description="warning signs")
    def red_flag_list(self, consultation):
        return "; ".join(consultation.red_flag_labels) or "None"
