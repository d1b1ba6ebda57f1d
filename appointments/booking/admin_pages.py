"""Booking pages of the request's admin: "Offer times" sits in the request's work bar.

The page lists a week of free times by day (a date to jump to, Previous/Next week), the patient's
preferred time of day marked; staff tick up to five to send, or one to book for a patient on the
phone, down to the staff notice (staff_times.py). The rules (an email to send to, at most five
times, the time still free) are the booking service's: this page calls it and shows its refusal,
with the ticks kept.
"""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from ..requests.access_log import AccessRecord, record_page
from . import services as booking
from . import staff_times
from .free_times import Slot
from .models import Appointment

SLOTS_LISTED = 30


def ticked_slots(request, available):
    """The ticked times still among `available`, and how many were ticked."""
    by_key = {slot.key: slot for slot in available}
    keys = request.POST.getlist("slot")
    return [by_key[key] for key in keys if key in by_key], len(keys)


def appointment_summary(consultation):
    """The request's appointment for the top of its page: the booked one, else the latest; None if never booked."""
    appointments = consultation.appointments.select_related("clinician")
    return (
        appointments.filter(status=Appointment.Status.BOOKED).first()
        or appointments.order_by("-starts_at", "-pk").first()
    )


class OfferTimesMixin:
    """For the consultation request's admin: its "Offer times" page, and its appointment at the top of the page."""

    def get_urls(self):
        return [
            path(
                "<int:request_id>/offer-times/",
                self.admin_site.admin_view(self.offer_view),
                name="appointments_consultationrequest_offer",
            ),
            *super().get_urls(),
        ]

    @property
    def media(self):
        return super().media + forms.Media(css={"all": ["appointments/frontdesk.css"]})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["booked_appointment"] = appointment_summary(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def offer_view(self, request, request_id):
        if not (self.has_change_permission(request) and request.user.has_perm("appointments.change_appointment")):
            raise PermissionDenied
        consultation = get_object_or_404(self.model, pk=request_id)
        today = timezone.localdate()
        asked_for = request.GET.get("from")
        start = staff_times.parse_day(asked_for, today=today) if asked_for else today
        error = "" if start else "That date is not one we can show. Pick a date with the date picker."
        start = max(start or today, today)
        ticked = request.POST.getlist("slot") if request.method == "POST" else []
        if request.method == "POST":
            try:
                self._offer_or_book(request, consultation, ticked)
                return HttpResponseRedirect(consultation.get_admin_url())
            except booking.AlreadyBooked:
                error = "This request already has a booked appointment: move or cancel it in the agenda."
            except booking.TimeNotFree:
                error = "That time is no longer free (time off, a closure or the clinician's hours). Choose another."
            except booking.SlotTaken:
                error = "Someone booked that time a moment ago. Choose another."
            except booking.BookingError as problem:
                error = str(problem)
        days = staff_times.free_week(start, urgent=consultation.is_urgent)
        slots = [slot for day in days for slot in day.slots]
        now = timezone.now()
        context = {
            **self.admin_site.each_context(request),
            "title": f"Offer times to {consultation.reference}",
            "consultation": consultation,
            "days": days,
            "slots": slots,
            "ticked": set(ticked),
            "preferred": {slot.key for slot in slots if staff_times.prefers(consultation.preferred_times, slot)},
            "phone_only": {slot.key for slot in slots if staff_times.inside_patient_notice(slot, now=now)},
            "start": start,
            "previous_week": start - timedelta(days=staff_times.WEEK) if start > today else None,
            "next_week": start + timedelta(days=staff_times.WEEK),
            "error": error,
            "max_offered": booking.MAX_OFFERED,
            "opts": self.model._meta,
            "booked": consultation.appointments.filter(status=Appointment.Status.BOOKED)
            .select_related("clinician")
            .first(),
        }
        response = TemplateResponse(request, "admin/appointments/appointment/offer_times.html", context)
        return record_page(request, response, AccessRecord.Kind.BOOKING, "consultation")

    def _offer_or_book(self, request, consultation, keys):
        """Send the ticked times, or book the one ticked time; a BookingError says why not."""
        ticked = [staff_times.staff_slot(key, urgent=consultation.is_urgent) for key in keys]
        if None in ticked:
            raise booking.BookingError("A time you ticked is no longer free. Tick again from the list.")
        if "book" in request.POST:
            if len(ticked) != 1:
                raise booking.BookingError("Tick exactly one time to book it for the patient.")
            appointment = booking.book_for_patient(consultation, ticked[0], by=request.user)
            booked = Slot(appointment.clinician, appointment.starts_at)
            self.message_user(request, f"Booked {booked}.", messages.SUCCESS)
            return
        # Too many ticks is offer_times' refusal; this one is about times the patient could not book.
        if len(ticked) <= booking.MAX_OFFERED and any(staff_times.inside_patient_notice(slot) for slot in ticked):
            raise booking.BookingError(
                "A time you ticked is too soon for the patient to book online: book it for them on the phone."
            )
        booking.offer_times(consultation, by=request.user, slots=ticked)
        self.message_user(request, f"{len(ticked)} time{pluralize(len(ticked))} sent to the patient.", messages.SUCCESS)
