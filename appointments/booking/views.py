"""The patient's booking pages, reached only through the link in an offer: times, never personal details."""

import logging
import re

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from clinic.models import ClinicProfile

from . import calendar_file, links, self_booking
from . import services as booking
from .forms import SlotForm
from .free_times import Slot
from .models import Appointment, Offer

logger = logging.getLogger(__name__)

TOKEN = re.compile(r"[-\w]{16,64}")


def bad_link(request, *, status, reason):
    return render(request, "appointments/booking/bad_link.html", {"reason": reason}, status=status)


@method_decorator(never_cache, name="dispatch")
class OfferView(View):
    """Resolve the link: unknown or forged → 404; used, expired or closed → 410; one that no longer
    books because the request holds an appointment (through another link, or already kept) → 410
    with where that appointment is."""

    def dispatch(self, request, token, *args, **kwargs):
        offer = Offer.objects.by_token(token) if TOKEN.fullmatch(token) else None
        if offer is None:
            return bad_link(request, status=404, reason="unknown")
        self.offer = offer
        link = booking.link_state(offer)
        if link.state == links.ELSEWHERE:
            return self.render_elsewhere(link.appointment)
        if link.state in (links.USED, links.EXPIRED):
            cancelled = offer.appointments.filter(status=Appointment.Status.CANCELLED).exists()
            return bad_link(request, status=410, reason="cancelled" if cancelled else link.state)
        self.appointment = link.appointment
        return super().dispatch(request, *args, **kwargs)

    def render_elsewhere(self, appointment):
        """The request's appointment, held through another link or already kept: say when, and where to manage it.

        Never the other link itself: whoever holds an old link (an offer sent to a mistyped address, say)
        must not get the one that changes or cancels the appointment.
        """
        booked = appointment.status == Appointment.Status.BOOKED and appointment.offer is not None
        context = {"when": Slot(appointment.clinician, appointment.starts_at).label, "kept": not booked}
        return render(self.request, "appointments/booking/already.html", context, status=410)

    def render_appointment(self, status=200, template="appointments/booking/appointment.html", **context):
        return render(
            self.request,
            template,
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

    def refused(self, error):
        """A booking service refused: show what is true now (the appointment, or why the link is closed)."""
        if isinstance(error, booking.AlreadyBooked):
            if error.appointment.offer_id == self.offer.pk and error.appointment.status == Appointment.Status.BOOKED:
                return self.booked_redirect()
            return self.render_elsewhere(error.appointment)
        if isinstance(error, booking.TooLate):
            self.appointment = error.appointment
            return self.render_appointment(too_late=True)
        return bad_link(self.request, status=410, reason=error.state)

    def show_free_times(self, form, *, template, taken=False, unavailable=False, **context):
        """Any free time, a few days per page (`?from=<date>`), the patient's preferred time of day first."""
        consultation = self.offer.consultation
        page = self_booking.times_page(
            self_booking.choosable_slots(consultation),
            start=self_booking.parse_day(self.request.GET.get("from")),
            preferred=consultation.preferred_times,
        )
        context |= {"offer": self.offer, "form": form, "page": page, "taken": taken, "unavailable": unavailable}
        context["chosen"] = form.data.get("slot") if form.is_bound else self.request.GET.get("slot")
        listed = {slot.key for day in page["days"] for _, slots in day["groups"] for slot in slots}
        if not form.is_bound and context["chosen"] and context["chosen"] not in listed:
            context["taken"] = True  # a time offered by email (or a deep link) that someone else has since taken
        return render(self.request, template, context)

    def booked_redirect(self):
        response = redirect("appointments:booked", token=self.offer.token)
        response.status_code = 303
        return response


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
            wants_earlier = self.offer.any_free_time and request.POST.get("earlier") == "on"
            booking.book(self.offer, form.cleaned_data["slot"], wants_earlier=wants_earlier)
        except (booking.AlreadyBooked, booking.LinkClosed) as error:
            return self.refused(error)
        except booking.TimeNotFree:
            logger.info("Request %s: the chosen time is no longer free.", self.offer.consultation.reference)
            return self.show_times(SlotForm(offer=self.offer), unavailable=True)
        except booking.SlotTaken:
            logger.info("Request %s: the chosen time was just taken.", self.offer.consultation.reference)
            return self.show_times(SlotForm(offer=self.offer), taken=True)
        return self.booked_redirect()

    def show_times(self, form, *, taken=False, unavailable=False):
        if self.offer.any_free_time:
            return self.show_free_times(
                form, template="appointments/booking/choose_any.html", taken=taken, unavailable=unavailable
            )
        slots = booking.still_free(self.offer)
        return render(
            self.request,
            "appointments/booking/choose.html",
            {"offer": self.offer, "form": form, "slots": slots, "taken": taken, "unavailable": unavailable},
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
        ics = calendar_file.calendar_file(self.appointment, ClinicProfile.load())
        response = HttpResponse(ics, content_type=calendar_file.content_type(self.appointment))
        response["Content-Disposition"] = f'attachment; filename="{calendar_file.FILENAME}"'
        return response


class ChangeView(OfferView):
    """Change the time: any free time; the appointment keeps its time until the new one is booked."""

    template = "appointments/booking/change.html"

    def get(self, request):
        if self.appointment is None:
            return redirect("appointments:book", token=self.offer.token)
        if not self.appointment.patient_may_change():
            return self.render_appointment(too_late=True)
        return self.show_change(SlotForm(offer=self.offer, any_time=True))

    def post(self, request):
        if self.appointment is None:
            return redirect("appointments:book", token=self.offer.token)
        form = SlotForm(request.POST, offer=self.offer, any_time=True)
        if not form.is_valid():
            return self.show_change(form)
        try:
            booking.change_time(self.offer, form.cleaned_data["slot"])
        except (booking.AlreadyBooked, booking.LinkClosed, booking.TooLate) as error:
            return self.refused(error)
        except booking.BookingError:  # marked attended or did not come a moment ago
            return self.render_elsewhere(self.appointment)
        except booking.TimeNotFree:
            return self.show_change(SlotForm(offer=self.offer, any_time=True), unavailable=True)
        except booking.SlotTaken:
            return self.show_change(SlotForm(offer=self.offer, any_time=True), taken=True)
        return self.booked_redirect()

    def show_change(self, form, **flags):
        when = Slot(self.appointment.clinician, self.appointment.starts_at).label
        return self.show_free_times(form, template=self.template, when=when, **flags)


class CancelView(OfferView):
    def get(self, request):
        """Ask first: a GET never cancels (link checkers and mail scanners open links)."""
        if self.appointment is None:
            return redirect("appointments:book", token=self.offer.token)
        if not self.appointment.patient_may_change():
            return self.render_appointment(too_late=True)
        return self.render_appointment(template="appointments/booking/cancel.html")

    def post(self, request):
        if self.appointment is None:
            return redirect("appointments:book", token=self.offer.token)
        try:
            booking.cancel(self.appointment, online=True)
        except booking.TooLate as error:
            return self.refused(error)
        except booking.BookingError:  # marked attended or did not come a moment ago
            return self.render_elsewhere(self.appointment)
        return render(request, "appointments/booking/done.html", {"done": "cancelled"})


class OtherTimesView(OfferView):
    def post(self, request):
        # The appointment page's button says so: cancel what I booked. The one on the list of times
        # does not, so a booking that got there first wins (the patient sees it).
        try:
            booking.ask_for_other_times(self.offer, cancel_booked=request.POST.get("cancel_booked") == "1")
        except (booking.AlreadyBooked, booking.TooLate) as error:
            return self.refused(error)
        return render(request, "appointments/booking/done.html", {"done": "other_times"})
