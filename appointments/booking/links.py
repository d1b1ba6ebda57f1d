"""What an offer's link does now: book, show the appointment booked through it, or say why it does not.

One answer for the booking pages and the booking services (which ask again under the offer's lock).
"""

from dataclasses import dataclass

from django.utils import timezone

from ..requests.models import ConsultationRequest
from .models import Appointment

OPEN = "open"  # lists the offered times that are still free
BOOKED = "booked"  # shows the appointment booked through this link
ELSEWHERE = "elsewhere"  # the request holds an appointment through another link, or one already kept
USED = "used"  # closed: the request is closed, the booked time was cancelled, or other times were asked for
EXPIRED = "expired"


@dataclass(frozen=True)
class Link:
    state: str
    appointment: Appointment | None = None

    @property
    def books(self):
        return self.state == OPEN


def link_state(offer, *, now=None):
    """The state of `offer`'s link at `now`, and the appointment it points at (BOOKED, ELSEWHERE)."""
    if offer.consultation.status == ConsultationRequest.Status.CLOSED:
        return Link(USED)
    holder = offer.holder()
    if holder is not None:
        if holder.status == Appointment.Status.BOOKED and holder.offer_id == offer.pk:
            return Link(BOOKED, holder)
        return Link(ELSEWHERE, holder)
    if offer.closed_at:
        return Link(USED)
    if offer.expires_at <= (now or timezone.now()):
        return Link(EXPIRED)
    return Link(OPEN)
