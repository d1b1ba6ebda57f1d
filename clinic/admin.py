"""The clinic's profile and closures: site-wide settings that editors keep up to date."""

from django import forms
from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from .models import WEEKDAY_NAMES, ClinicClosure, ClinicProfile, OutboxEmail


class ClinicProfileForm(forms.ModelForm):
    working_weekdays = forms.MultipleChoiceField(
        label="Working days",
        choices=[(str(number), name) for number, name in enumerate(WEEKDAY_NAMES)],
        widget=forms.CheckboxSelectMultiple,
        help_text="The days the clinic answers requests and sees patients.",
    )

    class Meta:
        model = ClinicProfile
        fields = ["working_weekdays"]  # the admin adds the rest from its fieldsets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance:
            self.initial["working_weekdays"] = list(self.instance.working_weekdays)

    def clean_working_weekdays(self):
        return "".join(sorted(self.cleaned_data["working_weekdays"]))


@admin.register(ClinicProfile)
class ClinicProfileAdmin(admin.ModelAdmin):
    form = ClinicProfileForm
    fieldsets = [
        (None, {"fields": ["name", "tagline"]}),
        ("How patients reach the clinic", {"fields": ["phone", "email", "address"]}),
        (
            "When the clinic is open",
            {
                "fields": ["working_weekdays", "opens_at", "closes_at", "observe_federal_holidays"],
                "description": "Shown to patients as the opening hours, and used for the date they are told to "
                "expect an answer, for overdue requests and for booking. Add other closed days under "
                "“Clinic closures”.",
            },
        ),
        (
            "Consultation requests",
            {"fields": ["response_business_days", "urgent_slots_per_day", "patients_choose_times"]},
        ),
        ("Emergencies", {"fields": ["emergency_notice"]}),
        (
            "When to get urgent help",
            {
                "fields": ["same_day_signs"],
                "description": "Shown on articles about topics marked “has warning signs”, after the "
                "emergency warning signs (the same as on the consultation request form, set in the code).",
            },
        ),
    ]

    def has_add_permission(self, request):
        return not ClinicProfile.load().is_saved and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        """There is one profile: go straight to it (or to the form that creates it)."""
        if ClinicProfile.objects.exists():
            return redirect(reverse("admin:clinic_clinicprofile_change", args=[ClinicProfile.SINGLETON_PK]))
        return redirect(reverse("admin:clinic_clinicprofile_add"))


@admin.register(ClinicClosure)
class ClinicClosureAdmin(admin.ModelAdmin):
    list_display = ["starts_on", "ends_on", "reason"]
    date_hierarchy = "starts_on"
    search_fields = ["reason"]


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    """Every email the site sent or owes: how delivery went. Read-only; the words stay out of the list."""

    list_display = ["created_at", "kind", "about", "status", "attempts", "last_error", "sent_at"]
    list_filter = ["status", "kind", "urgent"]
    search_fields = ["about", "message_id"]
    date_hierarchy = "created_at"
    show_facets = admin.ShowFacets.ALWAYS
    fields = ["kind", "about", "status", "urgent", "attempts", "last_error", "created_at", "sent_at", "message_id"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # emails are written by the code that owes them

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
