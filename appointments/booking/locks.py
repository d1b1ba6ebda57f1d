"""Row locks for the booking workflow, always taken in one order: offer → appointment → clinician.

Each returns the row re-read under its lock: decide on that, never on an object loaded before.
"""

from django.db.models import F

from .errors import SlotTaken, TimeNotFree
from .free_times import Slot, is_free
from .models import Appointment, Clinician, Offer, uses_exclusion_constraint


def locked_offer(offer):
    """Lock the offer's row and re-read it: the first lock every change through a link takes."""
    return Offer.objects.select_for_update(of=("self",)).select_related("consultation").get(pk=offer.pk)


def locked_appointment(appointment):
    """Lock the appointment (its offer first: the one lock order, offer → appointment → clinician) and re-read it."""
    if appointment.offer_id:  # never changes once set, so read before the lock
        Offer.objects.select_for_update().filter(pk=appointment.offer_id).first()
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("consultation", "offer", "clinician")
        .get(pk=appointment.pk)
    )


def locked_clinician(clinician):
    """Lock the clinician and re-read them (active? hours?): a booking and an admin save of them take turns.

    On SQLite select_for_update does nothing: the update takes the database's write lock first, so
    the check and the insert that follow cannot interleave with another booking.
    """
    if not uses_exclusion_constraint():
        Clinician.objects.filter(pk=clinician.pk).update(booking_version=F("booking_version") + 1)
    return Clinician.objects.select_for_update().get(pk=clinician.pk)


def check_free(clinician, slot, *, now, ignore=None, min_notice=None):
    """Raise SlotTaken (someone has it) or TimeNotFree (time off, closure, hours, notice...) unless free.

    `min_notice`: the staff notice when staff act (None: the patients' notice).
    """
    ends_at = slot.starts_at + clinician.length
    if is_free(clinician, slot.starts_at, ends_at, now=now, ignore_appointment=ignore, min_notice=min_notice):
        return Slot(clinician, slot.starts_at)
    taken = Appointment.objects.overlapping(clinician, slot.starts_at, ends_at)
    if ignore is not None:
        taken = taken.exclude(pk=ignore.pk)
    raise SlotTaken(slot.key) if taken.exists() else TimeNotFree(slot.key)
