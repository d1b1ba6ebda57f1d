"""Booking: free times, times offered to a patient, appointments booked, moved, cancelled, reminded.

- models.py: clinicians, working hours, time off, offers and offered times, appointments
- free_times.py: a clinician's free times (working hours minus what is taken), `Slot`
- services.py: the booking workflow (offer, book, move, cancel, mark); admin and views call it
- reminders.py: the reminder sweep; emails.py: booking emails; calendar_file.py: the .ics file
- views.py, forms.py: the patient's booking pages; admin.py, admin_pages.py: the staff's

The names below are the booking API (`from appointments import booking`).
"""

from .free_times import Slot, free_slots, offerable_slots, parse_slot_key
from .reminders import send_due_reminders
from .services import (
    MAX_OFFERED,
    AlreadyBooked,
    BookingError,
    SlotTaken,
    ask_for_other_times,
    book,
    book_for_patient,
    cancel,
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
    "Slot",
    "SlotTaken",
    "ask_for_other_times",
    "book",
    "book_for_patient",
    "cancel",
    "free_slots",
    "mark",
    "move",
    "offer_times",
    "offerable_slots",
    "offered_slots",
    "parse_slot_key",
    "send_due_reminders",
    "still_free",
]
