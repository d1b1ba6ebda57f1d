"""Booking pages of the request's admin: "Offer times" sits in the request's work bar.

The page lists free times; staff tick up to five to send, or one to book for a patient on the
phone. The rules (an email to send to, at most five times, the time still free) are the booking
service's: this page calls it and shows its refusal.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path

from ..requests.access_log import AccessRecord, record_page
from . import services as booking
from .free_times import Slot, offerable_slots
from .models import Appointment

SLOTS_LISTED = 30


def ticked_slots(request, available):
    """The ticked times still among `available`, and how many were ticked."""
    by_key = {slot.key: slot for slot in available}
    keys = request.POST.getlist("slot")
    return [by_key[key] for key in keys if key in by_key], len(keys)


class OfferTimesMixin:
    """For the consultation request's admin: its "Offer times" page."""

    def get_urls(self):
        return [
            path(
                "<int:request_id>/offer-times/",
                self.admin_site.admin_view(self.offer_view),
                name="appointments_consultationrequest_offer",
            ),
            *super().get_urls(),
        ]

    def offer_view(self, request, request_id):
        if not (self.has_change_permission(request) and request.user.has_perm("appointments.change_appointment")):
            raise PermissionDenied
        consultation = get_object_or_404(self.model, pk=request_id)
        available = offerable_slots(urgent=consultation.is_urgent, limit=SLOTS_LISTED)
        error = ""
        if request.method == "POST":
            ticked, asked = ticked_slots(request, available)
            try:
                if len(ticked) != asked:
                    raise booking.BookingError("A time you ticked is no longer free. Tick again from the list.")
                if "book" in request.POST:
                    if len(ticked) != 1:
                        raise booking.BookingError("Tick exactly one time to book it for the patient.")
                    appointment = booking.book_for_patient(consultation, ticked[0], by=request.user)
                    booked = Slot(appointment.clinician, appointment.starts_at)
                    self.message_user(request, f"Booked {booked}.", messages.SUCCESS)
                else:
                    booking.offer_times(consultation, by=request.user, slots=ticked)
                    self.message_user(
                        request, f"{len(ticked)} time{pluralize(len(ticked))} sent to the patient.", messages.SUCCESS
                    )
                return HttpResponseRedirect(consultation.get_admin_url())
            except booking.AlreadyBooked:
                error = "This request already has a booked appointment: move or cancel it in the agenda."
            except booking.TimeNotFree:
                error = "That time is no longer free (time off, a closure or the clinician's hours). Choose another."
            except booking.SlotTaken:
                error = "Someone booked that time a moment ago. Choose another."
            except booking.BookingError as problem:
                error = str(problem)
            available = offerable_slots(urgent=consultation.is_urgent, limit=SLOTS_LISTED)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Offer times to {consultation.reference}",
            "consultation": consultation,
            "slots": available,
            "error": error,
            "max_offered": booking.MAX_OFFERED,
            "opts": self.model._meta,
            "booked": consultation.appointments.filter(status=Appointment.Status.BOOKED)
            .select_related("clinician")
            .first(),
        }
        response = TemplateResponse(request, "admin/appointments/appointment/offer_times.html", context)
        return record_page(request, response, AccessRecord.Kind.BOOKING, "consultation")
