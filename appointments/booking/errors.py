"""Why a booking service refused: the pages and the admin catch these and say so in plain words."""

from .links import EXPIRED


class SlotTaken(Exception):
    """Someone else booked that time first (or it is no longer free)."""


class AlreadyBooked(Exception):
    """The request already has a booked appointment."""

    def __init__(self, appointment):
        super().__init__(str(appointment))
        self.appointment = appointment


class TimeNotFree(SlotTaken):
    """The time is no longer free for another reason: time off, a closure, the hours, too soon."""


class BookingError(ValueError):
    """What staff asked for cannot be done; the message says why, in plain words."""


class LinkClosed(BookingError):
    """The offer's link no longer books (its state: links.USED or links.EXPIRED)."""

    def __init__(self, state):
        super().__init__("This link is no longer in use." if state != EXPIRED else "This link has expired.")
        self.state = state


class TooLate(BookingError):
    """Too close to the appointment for the patient to change it online."""

    def __init__(self, appointment):
        super().__init__("It is too close to the appointment to change it online. Please call us.")
        self.appointment = appointment
