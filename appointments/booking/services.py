"""Booking, as one workflow: times offered to a patient, appointments booked, moved, cancelled.

The admin, the public booking pages and the tests all call these functions (reminders are in
reminders.py, free times in free_times.py). Offers do not hold times: the first patient to choose
a time gets it, and the database refuses a second live appointment that overlaps it (see
`Appointment` and migration 0007).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from clinic.opening_hours import spelled_out_time

from ..requests.models import ConsultationRequest
from ..requests.outbox import Notification
from ..requests.timeline import RequestEvent
from .emails import queue_email
from .free_times import Slot, offerable_slots
from .models import Appointment, Clinician, Offer, OfferedTime, uses_exclusion_constraint
from .reminders import reminder_is_due
from .scheduling_links import refresh_soon as refresh_scheduling_links

logger = logging.getLogger(__name__)

MAX_OFFERED = 5


class SlotTaken(Exception):
    """Someone else booked that time first (or it is no longer free)."""


class AlreadyBooked(Exception):
    """The request already has a booked appointment."""

    def __init__(self, appointment):
        super().__init__(str(appointment))
        self.appointment = appointment


class BookingError(ValueError):
    """What staff asked for cannot be done; the message says why, in plain words."""


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
        consultation.record(RequestEvent.Kind.OFFER, by=by, detail=f"{len(slots)} time(s) offered"[:200])
        queue_email(consultation, Notification.Kind.OFFER, offer=offer)
    logger.info("Offered %s time(s) to request %s.", len(slots), consultation.reference)
    return offer


def offered_slots(offer):
    return [Slot(time.clinician, time.starts_at) for time in offer.times.select_related("clinician")]


def still_free(offer, *, now=None):
    """The offered times nobody has taken yet (and not too soon)."""
    now = now or timezone.now()
    slots = offered_slots(offer)
    return [slot for slot in slots if slot.starts_at > now and not _taken(slot)]


def _taken(slot, *, ignore=None):
    taken = Appointment.objects.overlapping(slot.clinician, slot.starts_at, slot.ends_at)
    if ignore is not None:
        taken = taken.exclude(pk=ignore.pk)
    return taken.exists()


def _lock_clinician(clinician):
    """SQLite: take the write lock first, so check-and-insert cannot interleave (PostgreSQL has its constraint)."""
    if not uses_exclusion_constraint():
        Clinician.objects.filter(pk=clinician.pk).update(booking_version=F("booking_version") + 1)


def book(offer, slot, *, by=None):
    """Book `slot` (one of the offer's times) for the offer's request; return the appointment.

    Raises SlotTaken when someone else got that time first, AlreadyBooked when the request has a
    booked appointment (a double click: the caller shows that one).
    """
    consultation = offer.consultation
    try:
        with transaction.atomic():
            _lock_clinician(slot.clinician)
            existing = consultation.appointments.filter(status=Appointment.Status.BOOKED).first()
            if existing is not None:
                raise AlreadyBooked(existing)
            if _taken(slot):
                raise SlotTaken(slot.key)
            with transaction.atomic():  # a savepoint: the constraint's refusal leaves the rest usable
                appointment = Appointment.objects.create(
                    clinician=slot.clinician,
                    consultation=consultation,
                    offer=offer,
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                    booked_by_patient=by is None,
                    reminded_for=slot.starts_at if reminder_is_due(slot.starts_at) else None,
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
        existing = consultation.appointments.filter(status=Appointment.Status.BOOKED).first()
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


def cancel(appointment, *, by=None):
    """Cancel: the time is free again at once, the patient's link stops working, triage is told."""
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("consultation", "offer")
            .get(pk=appointment.pk)
        )
        if appointment.status != Appointment.Status.BOOKED:
            return appointment
        appointment.status, appointment.cancelled_at = Appointment.Status.CANCELLED, timezone.now()
        appointment.sequence += 1
        appointment.save(update_fields=["status", "cancelled_at", "sequence"])
        refresh_scheduling_links()
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


def ask_for_other_times(offer):
    """The patient wants other times: cancel what they booked through this link, and tell triage."""
    booked = offer.booked
    if booked is not None:
        if not booked.patient_may_change():
            raise BookingError("It is too close to the appointment to change it online. Please call us.")
        cancel(booked)
    with transaction.atomic():
        Offer.objects.filter(pk=offer.pk).update(closed_at=timezone.now())
        consultation = offer.consultation
        consultation.record(RequestEvent.Kind.OFFER, detail="The patient asked for other times")
        if booked is None:
            queue_email(consultation, Notification.Kind.TRIAGE_BOOKING, offer=offer)
    logger.info("Request %s: the patient asked for other times.", offer.consultation.reference)


def move(appointment, slot, *, by):
    """Staff move an appointment to another free time; the patient gets an updated calendar file."""
    slot = Slot.of(slot)
    if appointment.status != Appointment.Status.BOOKED:
        raise BookingError("Only a booked appointment can be moved.")
    old_label = spelled_out_time(appointment.starts_at)
    try:
        with transaction.atomic():
            _lock_clinician(slot.clinician)
            if _taken(slot, ignore=appointment):
                raise SlotTaken(slot.key)
            with transaction.atomic():
                Appointment.objects.filter(pk=appointment.pk).update(
                    clinician=slot.clinician,
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                    sequence=F("sequence") + 1,
                    reminded_for=slot.starts_at if reminder_is_due(slot.starts_at) else None,
                )
            appointment.refresh_from_db()
            refresh_scheduling_links()
            consultation = appointment.consultation
            consultation.record(
                RequestEvent.Kind.BOOKING,
                by=by,
                old="booked",
                new="moved",
                detail=f"Moved from {old_label} to {slot}"[:200],
            )
            if consultation.email:
                queue_email(consultation, Notification.Kind.MOVED, appointment=appointment)
    except IntegrityError:
        raise SlotTaken(slot.key) from None
    logger.info("Appointment for request %s moved.", appointment.consultation.reference)
    return appointment


def mark(appointment, status, *, by):
    """Attended or did not come: recorded on the request's timeline."""
    if status not in (Appointment.Status.ATTENDED, Appointment.Status.NO_SHOW):
        raise BookingError("Mark an appointment as attended or as did not come.")
    if appointment.status == Appointment.Status.CANCELLED:
        raise BookingError("A cancelled appointment cannot be marked.")
    if appointment.status == status:
        return appointment
    with transaction.atomic():
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
