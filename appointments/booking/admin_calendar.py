"""The front desk's day calendar in the admin, and the confirmation page that cancels an appointment.

Reading the calendar shows patients' names and phones, so opening it is an access record (like
opening a request). A GET never changes anything: Cancel asks first, Move is its own page.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from ..requests.access_log import AccessRecord, record_access
from . import services as booking
from . import staff_times
from .day_calendar import day_calendar
from .models import Appointment


def day_url(day):
    return f"{reverse('admin:appointments_appointment_day')}?date={day:%Y-%m-%d}"


class DayCalendarMixin:
    """For the appointments' admin: /day/ and /<id>/cancel/."""

    def get_urls(self):
        return [
            path("day/", self.admin_site.admin_view(self.day_view), name="appointments_appointment_day"),
            path(
                "<int:object_id>/cancel/",
                self.admin_site.admin_view(self.cancel_view),
                name="appointments_appointment_cancel",
            ),
            *super().get_urls(),
        ]

    def _may_see_patients(self, request):
        return self.has_view_permission(request) and request.user.has_perm("appointments.view_consultationrequest")

    def day_view(self, request):
        if not self._may_see_patients(request):
            raise PermissionDenied
        today = timezone.localdate()
        asked_for = request.GET.get("date")
        day = staff_times.parse_day(asked_for, today=today) if asked_for else today
        context = {
            **self.admin_site.each_context(request),
            "title": "Day calendar",
            "opts": self.model._meta,
            "today": today,
            "can_change": self.has_change_permission(request),
        }
        if day is None:
            context["error"] = "That is not a date we can show. Pick one with the date picker (for example 2027-03-14)."
            return TemplateResponse(request, "admin/appointments/appointment/day.html", context, status=400)
        calendar = day_calendar(day)
        record_access(request, AccessRecord.Kind.AGENDA, [a.consultation.reference for a in calendar.appointments])
        context.update(calendar=calendar, title=f"Day calendar: {calendar.label}")
        return TemplateResponse(request, "admin/appointments/appointment/day.html", context)

    def cancel_view(self, request, object_id):
        appointment = get_object_or_404(Appointment.objects.select_related("consultation", "clinician"), pk=object_id)
        if not (self.has_change_permission(request, appointment) and self._may_see_patients(request)):
            raise PermissionDenied
        back = day_url(timezone.localdate(appointment.starts_at))
        if appointment.status != Appointment.Status.BOOKED:
            reference = appointment.consultation.reference
            self.message_user(request, f"{reference}: only a booked appointment can be cancelled.", messages.WARNING)
            return HttpResponseRedirect(back)
        if request.method == "POST":
            booking.cancel(appointment, by=request.user)
            self.message_user(
                request,
                f"{appointment.consultation.reference}: appointment cancelled. The patient is emailed.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(back)
        record_access(request, AccessRecord.Kind.VIEW, [appointment.consultation.reference])
        context = {
            **self.admin_site.each_context(request),
            "title": "Cancel this appointment?",
            "appointment": appointment,
            "back": back,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/appointments/appointment/cancel.html", context)
