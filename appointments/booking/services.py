"""Booking, as one workflow: times offered to a patient, appointments booked, moved, cancelled.

The admin, the public booking pages and the tests all call these functions (reminders are in
reminders.py, free times in free_times.py). Offers do not hold times: the first patient to choose
a time gets it, and the database refuses a second live appointment that overlaps it (see
`Appointment` and migration 0007). Every change takes its row locks (locks.py) in one order,
offer → appointment → clinician, then re-reads and re-checks before it writes.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone

from clinic.opening_hours import spelled_out_time

from ..requests.models import ConsultationRequest
from ..requests.outbox import Notification
from ..requests.timeline import ASKED_FOR_OTHER_TIMES, RequestEvent
from .emails import queue_email

# The errors are part of the workflow's vocabulary: callers catch them as services.<Name>.
from .errors import AlreadyBooked, BookingError, LinkClosed, SlotTaken, TimeNotFree, TooLate
from .free_times import Availability, Slot, offerable_slots, staff_minimum_notice
from .links import BOOKED, ELSEWHERE, OPEN, link_state
from .locks import check_free, locked_appointment, locked_clinician, locked_offer
from .models import Appointment, Offer, OfferedTime
from .reminders import reminder_time
from .scheduling_links import refresh_soon as refresh_scheduling_links
from .self_booking import may_choose
from .waiting_list import when_committed as tell_waiting_patients

logger = logging.getLogger(__name__)

MAX_OFFERED = 5


def offer_times(consultation, *, by, slots=None, count=3):
    """Offer times to the patient; return the offer (its get_absolute_url() is the booking page).

    Without `slots`, the `count` earliest free times (held-back ones for urgent requests); with
    them, between one and MAX_OFFERED. The offer reaches the patient by email only, so a patient
    who gave none is refused (staff call and book for them). The offer is recorded in the timeline
    and the patient gets the link.
    """
    if consultation.status == ConsultationRequest.Status.CLOSED:
        raise BookingError(f"{consultation.reference} is closed: reopen it before offering times.")
    if not consultation.email:
        raise BookingError("This patient gave no email: call them and book a time for them.")
    if slots is None:
        slots = offerable_slots(urgent=consultation.is_urgent, limit=count)
        if not slots:
            raise BookingError("There are no free times to offer. Check the clinicians' working hours.")
    slots = [Slot.of(slot) for slot in slots]
    if not 1 <= len(slots) <= MAX_OFFERED:
        raise BookingError(f"Tick between 1 and {MAX_OFFERED} times to offer.")
    with transaction.atomic():
        offer = Offer.objects.create(
            consultation=consultation,
            created_by=by,
            expires_at=timezone.now() + timedelta(days=settings.APPOINTMENTS_OFFER_DAYS),
        )
        OfferedTime.objects.bulk_create(
            OfferedTime(offer=offer, clinician=slot.clinician, starts_at=slot.starts_at) for slot in slots
        )
        if consultation.status in ConsultationRequest.AWAITING_CONTACT:
            consultation.move_to(ConsultationRequest.Status.CONTACTED, by=by)
        consultation.record(
            RequestEvent.Kind.OFFER, by=by, detail=f"{len(slots)} time{pluralize(len(slots))} offered"[:200]
        )
        queue_email(consultation, Notification.Kind.OFFER, offer=offer)
    logger.info("Offered %s time(s) to request %s.", len(slots), consultation.reference)
    return offer


def offered_slots(offer):
    return [Slot(time.clinician, time.starts_at) for time in offer.times.select_related("clinician")]


def still_free(offer, *, now=None):
    """The offered times that are still free, by the rules of `free_slots` (time off, closures, notice, taken...)."""
    now = now or timezone.now()
    slots = offered_slots(offer)
    rules = {}
    for clinician in {slot.clinician for slot in slots}:
        days = [timezone.localdate(slot.starts_at) for slot in slots if slot.clinician == clinician]
        rules[clinician] = Availability(clinician, min(days), max(days), now=now)
    return [slot for slot in slots if rules[slot.clinician].is_free(slot.starts_at, slot.ends_at)]


def book(offer, slot, *, by=None, now=None, wants_earlier=False):
    """Book `slot` (one of the offer's times) for the offer's request; return the appointment.

    Under the offer's and the clinician's locks: the link must still book (LinkClosed), the request
    hold no appointment (AlreadyBooked: the caller shows that one), and the time still be free
    (SlotTaken when someone got it first, TimeNotFree for anything else).
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            offer = locked_offer(offer)
            link = link_state(offer, now=now)
            if link.appointment is not None:
                raise AlreadyBooked(link.appointment)
            if not link.books:
                raise LinkClosed(link.state)
            notice = None if by is None else staff_minimum_notice()  # staff may book inside the patients' notice
            slot = check_free(locked_clinician(slot.clinician), slot, now=now, min_notice=notice)
            consultation = offer.consultation
            if offer.any_free_time and not may_choose(consultation, slot, now=now):
                raise TimeNotFree(slot.key)  # held back for urgent requests
            with transaction.atomic():  # a savepoint: the constraint's refusal leaves the rest usable
                appointment = Appointment.objects.create(
                    clinician=slot.clinician,
                    consultation=consultation,
                    offer=offer,
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                    booked_by_patient=by is None,
                    remind_at=reminder_time(slot.starts_at, now=now),
                    wants_earlier=wants_earlier,
                )
            refresh_scheduling_links()
            if consultation.status in ConsultationRequest.AWAITING_CONTACT:
                consultation.move_to(ConsultationRequest.Status.CONTACTED, by=by)
            consultation.move_to(ConsultationRequest.Status.SCHEDULED, by=by)
            who = "the patient" if by is None else "staff, for the patient"
            consultation.record(RequestEvent.Kind.BOOKING, by=by, new="booked", detail=f"Booked by {who}: {slot}"[:200])
            if consultation.email:
                queue_email(consultation, Notification.Kind.BOOKED, appointment=appointment)
    except IntegrityError:
        existing = offer.consultation.appointments.filter(status=Appointment.Status.BOOKED).first()
        if existing is not None:
            raise AlreadyBooked(existing) from None
        raise SlotTaken(slot.key) from None
    logger.info("Appointment booked for request %s.", consultation.reference)
    return appointment


def book_for_patient(consultation, slot, *, by):
    """Staff book a time for a patient on the phone; the patient still gets a link to manage it."""
    slot = Slot.of(slot)
    with transaction.atomic():
        offer = Offer.objects.create(consultation=consultation, created_by=by, expires_at=slot.starts_at)
        OfferedTime.objects.create(offer=offer, clinician=slot.clinician, starts_at=slot.starts_at)
        return book(offer, slot, by=by)


def cancel(appointment, *, by=None, online=False):
    """Cancel: the time is free again at once, the patient's link stops working, triage is told.

    `online`: the patient, through their link, may cancel only until the change cutoff. Cancelling
    a cancelled appointment changes nothing; one already marked attended or did not come is refused.
    """
    with transaction.atomic():
        appointment = locked_appointment(appointment)
        if appointment.status == Appointment.Status.CANCELLED:
            return appointment
        if appointment.status != Appointment.Status.BOOKED:
            raise BookingError("This appointment has already taken place: it cannot be cancelled.")
        if online and not appointment.patient_may_change():
            raise TooLate(appointment)
        appointment.status, appointment.cancelled_at = Appointment.Status.CANCELLED, timezone.now()
        appointment.sequence += 1
        appointment.save(update_fields=["status", "cancelled_at", "sequence"])
        refresh_scheduling_links()
        tell_waiting_patients(appointment.clinician, appointment.starts_at)
        if appointment.offer_id:
            Offer.objects.filter(pk=appointment.offer_id).update(closed_at=timezone.now())
        consultation = appointment.consultation
        if consultation.status == ConsultationRequest.Status.SCHEDULED:
            consultation.move_to(ConsultationRequest.Status.CONTACTED, by=by)
        who = "the patient" if by is None else "staff"
        consultation.record(
            RequestEvent.Kind.BOOKING,
            by=by,
            old="booked",
            new="cancelled",
            detail=f"Cancelled by {who}: {spelled_out_time(appointment.starts_at)}"[:200],
        )
        if consultation.email:
            queue_email(consultation, Notification.Kind.CANCELLED, appointment=appointment)
        if by is None:
            queue_email(consultation, Notification.Kind.TRIAGE_BOOKING, appointment=appointment)
    logger.info("Appointment for request %s cancelled.", appointment.consultation.reference)
    return appointment


def ask_for_other_times(offer, *, cancel_booked=True, now=None):
    """The patient wants other times: close the link (cancelling what they booked through it), tell triage.

    Under the offer's lock. With `cancel_booked` off (the button on the list of times) a booking
    that got there first wins: AlreadyBooked, and nothing changes. A link already closed changes nothing.
    """
    with transaction.atomic():
        offer = locked_offer(offer)
        link = link_state(offer, now=now)
        if link.state == ELSEWHERE or (link.state == BOOKED and not cancel_booked):
            raise AlreadyBooked(link.appointment)
        if link.state not in (OPEN, BOOKED):
            return
        if link.state == BOOKED:
            cancel(link.appointment, online=True)
        Offer.objects.filter(pk=offer.pk).update(closed_at=timezone.now())
        consultation = offer.consultation
        consultation.record(RequestEvent.Kind.OFFER, detail=ASKED_FOR_OTHER_TIMES)
        if link.state == OPEN:
            queue_email(consultation, Notification.Kind.TRIAGE_BOOKING, offer=offer)
    logger.info("Request %s: the patient asked for other times.", offer.consultation.reference)


def change_time(offer, slot, *, now=None):
    """The patient moves the appointment booked through their link to another free time.

    Under the offer's lock: the link must show a booked appointment (LinkClosed, AlreadyBooked
    otherwise), then as `move`, online: until the change cutoff (TooLate), never a held-back time.
    The old time stays booked unless the new one is (one transaction: SlotTaken leaves it as it was).
    """
    with transaction.atomic():
        offer = locked_offer(offer)
        link = link_state(offer, now=now)
        if link.state == ELSEWHERE:
            raise AlreadyBooked(link.appointment)
        if link.state != BOOKED:
            raise LinkClosed(link.state)
        return move(link.appointment, slot, by=None, now=now, online=True)


def move(appointment, slot, *, by, now=None, online=False):
    """Move a booked appointment to another free time; the patient gets an updated calendar file.

    Under the appointment's lock (re-read: a cancel that got there first wins) and the clinician's.
    `online`: the patient, through their link (see `change_time`).
    """
    slot, now = Slot.of(slot), now or timezone.now()
    try:
        with transaction.atomic():
            appointment = locked_appointment(appointment)
            if appointment.status != Appointment.Status.BOOKED:
                raise BookingError(
                    f"This appointment is {appointment.get_status_display().lower()}: only a booked one can be moved."
                )
            if online and not appointment.patient_may_change(now):
                raise TooLate(appointment)
            old_label, old_slot = (
                spelled_out_time(appointment.starts_at),
                (appointment.clinician, appointment.starts_at),
            )
            notice = None if online else staff_minimum_notice()  # staff may move inside the patients' notice
            slot = check_free(locked_clinician(slot.clinician), slot, now=now, ignore=appointment, min_notice=notice)
            if online and not may_choose(appointment.consultation, slot, now=now):
                raise TimeNotFree(slot.key)
            appointment.clinician, appointment.starts_at, appointment.ends_at = (
                slot.clinician,
                slot.starts_at,
                slot.ends_at,
            )
            appointment.sequence += 1
            appointment.remind_at = reminder_time(slot.starts_at, now=now)
            with transaction.atomic():
                appointment.save(update_fields=["clinician", "starts_at", "ends_at", "sequence", "remind_at"])
            refresh_scheduling_links()
            tell_waiting_patients(*old_slot)
            consultation = appointment.consultation
            consultation.record(
                RequestEvent.Kind.BOOKING,
                by=by,
                old="booked",
                new="moved",
                detail=f"Moved {'by the patient ' if by is None else ''}from {old_label} to {slot}"[:200],
            )
            if consultation.email:
                queue_email(consultation, Notification.Kind.MOVED, appointment=appointment)
            if by is None:
                queue_email(consultation, Notification.Kind.TRIAGE_BOOKING, appointment=appointment)
    except IntegrityError:
        raise SlotTaken(slot.key) from None
    logger.info("Appointment for request %s moved.", appointment.consultation.reference)
    return appointment


def mark(appointment, status, *, by):
    """Attended or did not come: under the appointment's lock, recorded on the request's timeline."""
    if status not in Appointment.KEPT:
        raise BookingError("Mark an appointment as attended or as did not come.")
    with transaction.atomic():
        appointment = locked_appointment(appointment)
        if appointment.status == Appointment.Status.CANCELLED:
            raise BookingError("A cancelled appointment cannot be marked.")
        if appointment.status == status:
            return appointment
        old = appointment.status
        appointment.status = status
        appointment.save(update_fields=["status"])
        appointment.consultation.record(
            RequestEvent.Kind.BOOKING,
            by=by,
            old=old,
            new=status,
            detail=f"{Appointment.Status(status).label}: {spelled_out_time(appointment.starts_at)}",
        )
    return appointment
