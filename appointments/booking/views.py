"""The patient's booking pages, reached only through the link in an offer: times, never personal details."""

import logging
import re

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from clinic.models import ClinicProfile

from ..requests.models import ConsultationRequest
from . import services as booking
from .calendar_file import calendar_file
from .forms import SlotForm
from .free_times import Slot
from .models import Offer

logger = logging.getLogger(__name__)

TOKEN = re.compile(r"[-\w]{16,64}")


def bad_link(request, *, status, reason):
    return render(request, "appointments/booking/bad_link.html", {"reason": reason}, status=status)


@method_decorator(never_cache, name="dispatch")
class OfferView(View):
    """Resolve the link: unknown or forged → 404; used, expired or closed → 410."""

    def dispatch(self, request, token, *args, **kwargs):
        offer = Offer.objects.by_token(token) if TOKEN.fullmatch(token) else None
        if offer is None:
            return bad_link(request, status=404, reason="unknown")
        if offer.closed_at or offer.consultation.status == ConsultationRequest.Status.CLOSED:
            return bad_link(request, status=410, reason="used")
        self.offer = offer
        self.appointment = offer.booked
        if self.appointment is None and offer.expires_at <= timezone.now():
            return bad_link(request, status=410, reason="expired")
        return super().dispatch(request, *args, **kwargs)

    def render_appointment(self, status=200, **context):
        return render(
            self.request,
            "appointments/booking/appointment.html",
            {
                "offer": self.offer,
                "appointment": self.appointment,
                "when": Slot(self.appointment.clinician, self.appointment.starts_at).label,
                "may_change": self.appointment.patient_may_change(),
                "cutoff_hours": settings.APPOINTMENTS_CHANGE_CUTOFF_HOURS,
                **context,
            },
            status=status,
        )


class BookView(OfferView):
    def get(self, request):
        if self.appointment is not None:
            return redirect("appointments:booked", token=self.offer.token)
        return self.show_times(SlotForm(offer=self.offer))

    def post(self, request):
        if self.appointment is not None:  # a double click, a second tab: it is booked already
            return self.booked_redirect()
        form = SlotForm(request.POST, offer=self.offer)
        if not form.is_valid():
            return self.show_times(form)
        try:
            booking.book(self.offer, form.cleaned_data["slot"])
        except booking.AlreadyBooked:
            return self.booked_redirect()
        except booking.SlotTaken:
            logger.info("Request %s: the chosen time was just taken.", self.offer.consultation.reference)
            return self.show_times(SlotForm(offer=self.offer), taken=True)
        return self.booked_redirect()

    def booked_redirect(self):
        response = redirect("appointments:booked", token=self.offer.token)
        response.status_code = 303
        return response

    def show_times(self, form, *, taken=False):
        slots = booking.still_free(self.offer)
        return render(
            self.request,
            "appointments/booking/choose.html",
            {"offer": self.offer, "form": form, "slots": slots, "taken": taken},
        )


class BookedView(OfferView):
    def get(self, request):
        if self.appointment is None:
            return redirect("appointments:book", token=self.offer.token)
        return self.render_appointment()


class CalendarFileView(OfferView):
    def get(self, request):
        if self.appointment is None:
            return bad_link(request, status=404, reason="unknown")
        response = HttpResponse(calendar_file(self.appointment, ClinicProfile.load()), content_type="text/calendar")
        response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
        return response


class CancelView(OfferView):
    def post(self, request):
        if self.appointment is None:
            return redirect("appointments:book", token=self.offer.token)
        if not self.appointment.patient_may_change():
            return self.render_appointment(too_late=True)
        booking.cancel(self.appointment)
        return render(request, "appointments/booking/done.html", {"done": "cancelled"})


class OtherTimesView(OfferView):
    def post(self, request):
        if self.appointment is not None and not self.appointment.patient_may_change():
            return self.render_appointment(too_late=True)
        booking.ask_for_other_times(self.offer)
        return render(request, "appointments/booking/done.html", {"done": "other_times"})
