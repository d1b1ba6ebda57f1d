"""Booking: free times, times offered to a patient, appointments booked, moved, cancelled, reminded.

- models.py: clinicians, working hours, time off, offers and offered times, appointments
- free_times.py: a clinician's free times (working hours minus what is taken), `Slot`, `is_free`
- links.py: what an offer's link does now (`link_state`)
- services.py: the booking workflow (offer, book, move, cancel, mark); admin and views call it
- locks.py: its row locks (offer → appointment → clinician); errors.py: its refusals
- affected.py: what a change of hours, time off or closures affects (for staff)
- reminders.py: the reminder sweep; emails.py: booking emails; calendar_file.py: the .ics file
- views.py, forms.py: the patient's booking pages; admin.py, admin_pages.py: the staff's

The names below are the booking API (`from appointments import booking`).
"""

from .free_times import Slot, free_slots, is_free, offerable_slots, parse_slot_key
from .links import link_state
from .reminders import send_due_reminders
from .services import (
    MAX_OFFERED,
    AlreadyBooked,
    BookingError,
    LinkClosed,
    SlotTaken,
    TimeNotFree,
    TooLate,
    ask_for_other_times,
    book,
    book_for_patient,
    cancel,
    change_time,
    mark,
    move,
    offer_times,
    offered_slots,
    still_free,
)

__all__ = [
    "MAX_OFFERED",
    "AlreadyBooked",
    "BookingError",
    "LinkClosed",
    "Slot",
    "SlotTaken",
    "TimeNotFree",
    "TooLate",
    "ask_for_other_times",
    "book",
    "book_for_patient",
    "cancel",
    "change_time",
    "free_slots",
    "is_free",
    "link_state",
    "mark",
    "move",
    "offer_times",
    "offerable_slots",
    "offered_slots",
    "parse_slot_key",
    "send_due_reminders",
    "still_free",
]
