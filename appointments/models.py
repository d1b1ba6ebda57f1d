"""Every model of the appointments app, in one place (each room keeps its own in its own package).

- requests/: the consultation request (models.py), its notes and timeline (timeline.py), the emails
  owed (outbox.py) and the access log (access_log.py)
- booking/: clinicians, their hours and time off, offers and appointments (booking/models.py)
"""

from clinic.warning_signs import RedFlag

from .booking.models import Appointment, Clinician, Offer, OfferedTime, TimeOff, WorkingHours
from .requests.access_log import AccessRecord
from .requests.models import ConsultationRequest, TransitionNotAllowed, new_reference
from .requests.outbox import Notification, UrgentAlert
from .requests.timeline import InternalNote, RequestEvent

__all__ = [
    "AccessRecord",
    "Appointment",
    "Clinician",
    "ConsultationRequest",
    "InternalNote",
    "Notification",
    "Offer",
    "OfferedTime",
    "RedFlag",
    "RequestEvent",
    "TimeOff",
    "TransitionNotAllowed",
    "UrgentAlert",
    "WorkingHours",
    "new_reference",
]
