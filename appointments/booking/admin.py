"""Booking in the admin: clinicians and their hours, and the agenda of appointments.

Moving an appointment is a page of its own; attended, did not come and cancel are actions.
"Offer times" is a page of the request (admin_pages.OfferTimesMixin). Every change goes through
the booking service and lands in the request's timeline.
"""

from datetime import time, timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from clinic import admin as clinic_admin
from clinic.models import ClinicClosure, ClinicProfile
from clinic.opening_hours import at_local, clinic_time, spelled_out_day

from ..requests.access_log import AccessRecord, record_access, record_page
from . import services as booking
from .admin_calendar import DayCalendarMixin
from .admin_pages import SLOTS_LISTED, ticked_slots
from .affected import affected_by_change
from .free_times import Slot, offerable_slots, staff_minimum_notice
from .models import Appointment, Clinician, TimeOff, WorkingHours


def _reference(appointment):
    return appointment.consultation.reference


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0


def tell_what_it_affects(request, clinicians=None):
    """After a change of hours, time off or closures: a message listing what no longer fits, with links."""
    found = affected_by_change(clinicians)
    if not found:
        return
    items = [
        format_html(
            '<li>Booked: <a href="{}">{}</a>, {} with {}</li>',
            reverse("admin:appointments_appointment_change", args=[a.pk]),
            a.consultation.reference,
            clinic_time(a.starts_at),
            a.clinician,
        )
        for a in found.appointments
    ] + [
        format_html(
            '<li>Offered, not yet booked: <a href="{}">{}</a>, {} with {}</li>',
            t.offer.consultation.get_admin_url(),
            t.offer.consultation.reference,
            clinic_time(t.starts_at),
            t.clinician,
        )
        for t in found.offered
    ]
    messages.warning(
        request,
        format_html(
            "This change affects {} booked appointment(s) and {} offered time(s): move or cancel them, "
            "or offer the patients other times.<ul>{}</ul>",
            len(found.appointments),
            len(found.offered),
            format_html_join("", "{}", ((item,) for item in items)),
        ),
    )


class TellsWhatItAffects:
    """For the admins of hours, time off, closures: after a save, say which appointments and offers it affects."""

    affects_all_clinicians = True

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        tell_what_it_affects(request, None if self.affects_all_clinicians else [form.instance])


@admin.register(Clinician)
class ClinicianAdmin(TellsWhatItAffects, admin.ModelAdmin):
    list_display = ["name", "active", "consultation_minutes", "place"]
    list_filter = ["active", "place"]
    search_fields = ["name"]
    inlines = [WorkingHoursInline, TimeOffInline]
    affects_all_clinicians = False


# Clinic closures and the holiday rule are the clinic's (clinic/admin.py); booking adds the message.
admin.site.unregister(ClinicClosure)
admin.site.unregister(ClinicProfile)


@admin.register(ClinicClosure)
class ClinicClosureAdmin(TellsWhatItAffects, clinic_admin.ClinicClosureAdmin):
    pass


@admin.register(ClinicProfile)
class ClinicProfileAdmin(TellsWhatItAffects, clinic_admin.ClinicProfileAdmin):
    pass


class WhenFilter(admin.SimpleListFilter):
    """Opens on what is coming (today and later); "All" is a choice like the others."""

    title = "when"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [
            ("upcoming", "Today and later"),
            ("today", "Today"),
            ("tomorrow", "Tomorrow"),
            ("week", "Next 7 days"),
            ("past", "Past"),
            ("all", "All"),
        ]

    def value(self):
        return super().value() or "upcoming"

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        today = timezone.localdate()
        start = at_local(today, time.min)
        if self.value() == "upcoming":
            return queryset.filter(starts_at__gte=start)
        if self.value() == "today":
            return queryset.on_day(today)
        if self.value() == "tomorrow":
            return queryset.on_day(today + timedelta(days=1))
        if self.value() == "week":
            return queryset.filter(starts_at__gte=start, starts_at__lt=at_local(today + timedelta(days=7), time.min))
        if self.value() == "past":
            return queryset.filter(starts_at__lt=start)
        return queryset


@admin.register(Appointment)
class AppointmentAdmin(DayCalendarMixin, admin.ModelAdmin):
    """The agenda: appointments by day and clinician, today first (then the days ahead, then the past).

    It opens on today and later; the day calendar (admin_calendar.py) lays one day out by clinician.
    Both show patients' names, so each listing is an access record.
    """

    class Media:
        css = {"all": ["appointments/frontdesk.css"]}

    list_display = ["day", "clock_time", "clinician", "patient", "request_link", "status_shown", "booked_by"]
    list_display_links = ["clock_time"]
    list_filter = [WhenFilter, "clinician", "status"]
    list_select_related = ["clinician", "consultation"]
    search_fields = ["=consultation__reference"]
    show_facets = admin.ShowFacets.ALWAYS
    list_per_page = 100
    actions = ["mark_attended", "mark_no_show", "cancel_appointments"]
    fields = [
        "clinician",
        "day",
        "clock_time",
        "patient",
        "request_link",
        "status",
        "booked_by",
        "created_at",
        "cancelled_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # staff book from the request's page, through "Offer times"

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: the timeline keeps what happened

    def get_queryset(self, request):
        start_of_today = at_local(timezone.localdate(), time.min)
        # Not super(): it would order by the annotation before it exists.
        return self.model._default_manager.annotate(
            past=Case(When(starts_at__lt=start_of_today, then=Value(1)), default=Value(0), output_field=IntegerField())
        ).order_by(*self.get_ordering(request))

    def get_ordering(self, request):
        return ["past", "starts_at", "clinician__name"]  # today first, then the days ahead, then the past

    @admin.display(description="day", ordering="starts_at")
    def day(self, obj):
        local = timezone.localtime(obj.starts_at)
        return f"{spelled_out_day(local.date())}, {local.year}"

    @admin.display(description="time")
    def clock_time(self, obj):
        return timezone.localtime(obj.starts_at).strftime("%I:%M %p").lstrip("0")

    @admin.display(description="patient", ordering="consultation__full_name")
    def patient(self, obj):
        return obj.consultation.full_name

    @admin.display(description="status", ordering="status")
    def status_shown(self, obj):
        return format_html('<span class="appt-status appt-{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description="request", ordering="consultation__reference")
    def request_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.consultation.get_admin_url(), obj.consultation.reference)

    @admin.display(description="booked by")
    def booked_by(self, obj):
        return "Patient, online" if obj.booked_by_patient else "Staff"

    # --- Every page that shows a request's reference and its appointment is in the access log ------

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None and request.method == "GET":
            kind = AccessRecord.Kind.SEARCH if changelist.query else AccessRecord.Kind.AGENDA
            record_access(request, kind, [appointment.consultation.reference for appointment in changelist.result_list])
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "move_url": reverse("admin:appointments_appointment_move", args=[object_id]),
        }
        response = super().change_view(request, object_id, form_url, extra_context)
        return record_page(request, response, AccessRecord.Kind.BOOKING, "original", _reference)

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        return record_page(request, response, AccessRecord.Kind.HISTORY, "object", _reference)

    # --- Actions: each calls the booking workflow, which records it in the timeline ------------

    def _each(self, request, queryset, action, done):
        changed = 0
        for appointment in queryset.select_related("consultation", "clinician"):
            try:
                action(appointment)
            except booking.BookingError as error:
                self.message_user(request, f"{appointment.consultation.reference}: {error}", messages.WARNING)
            else:
                changed += 1
        if changed:
            self.message_user(request, f"{changed} appointment(s) {done}.", messages.SUCCESS)

    @admin.action(description="Mark as attended", permissions=["change"])
    def mark_attended(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda a: booking.mark(a, Appointment.Status.ATTENDED, by=request.user),
            "marked attended",
        )

    @admin.action(description="Mark as did not come", permissions=["change"])
    def mark_no_show(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda a: booking.mark(a, Appointment.Status.NO_SHOW, by=request.user),
            "marked did not come",
        )

    @admin.action(description="Cancel (the patient is emailed)", permissions=["change"])
    def cancel_appointments(self, request, queryset):
        self._each(
            request,
            queryset.filter(status=Appointment.Status.BOOKED),
            lambda a: booking.cancel(a, by=request.user),
            "cancelled",
        )

    # --- Pages: move an appointment (and the old address of offer times) --------------------------------

    def get_urls(self):
        return [
            path(
                "offer/<int:request_id>/",
                self.admin_site.admin_view(self.offer_redirect),
                name="appointments_appointment_offer",
            ),
            path(
                "<int:object_id>/move/",
                self.admin_site.admin_view(self.move_view),
                name="appointments_appointment_move",
            ),
            *super().get_urls(),
        ]

    def offer_redirect(self, request, request_id):
        """The old address of "Offer times", now a page of the request: 308 keeps a POST a POST."""
        response = HttpResponsePermanentRedirect(
            reverse("admin:appointments_consultationrequest_offer", args=[request_id])
        )
        response.status_code = 308
        return response

    def move_view(self, request, object_id):
        appointment = get_object_or_404(Appointment.objects.select_related("consultation", "clinician"), pk=object_id)
        if not self.has_change_permission(request, appointment):
            raise PermissionDenied
        available = offerable_slots(urgent=True, limit=SLOTS_LISTED, min_notice=staff_minimum_notice())
        error = ""
        if request.method == "POST":
            ticked, asked = ticked_slots(request, available)
            try:
                if len(ticked) != 1 or asked != 1:
                    raise booking.BookingError("Choose one free time.")
                booking.move(appointment, ticked[0], by=request.user)
                self.message_user(
                    request, f"Moved to {ticked[0]}. The patient gets the new time by email.", messages.SUCCESS
                )
                return HttpResponseRedirect(reverse("admin:appointments_appointment_change", args=[appointment.pk]))
            except booking.TimeNotFree:
                error = "That time is no longer free (time off, a closure or the clinician's hours). Choose another."
            except booking.SlotTaken:
                error = "Someone booked that time a moment ago. Choose another."
            except booking.BookingError as problem:
                error = str(problem)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Move the appointment of {appointment.consultation.reference}",
            "appointment": appointment,
            "current": Slot(appointment.clinician, appointment.starts_at),
            "slots": available,
            "error": error,
            "opts": self.model._meta,
        }
        response = TemplateResponse(request, "admin/appointments/appointment/move.html", context)
        return record_page(request, response, AccessRecord.Kind.BOOKING, "appointment", _reference)
