"""What a change of working hours, time off, closures or a clinician's status affects.

Asked by the admin after staff save such a change: booked appointments that no longer fit the
clinician's hours (or fall on time off, a closed day, an inactive clinician), and open offers with
a time the patient can no longer book for those reasons. The rules are free_times.Availability's.
"""

from dataclasses import dataclass, field

from django.utils import timezone

from .free_times import Availability
from .models import Appointment, Clinician, Offer, OfferedTime


@dataclass
class Affected:
    appointments: list = field(default_factory=list)  # Appointment
    offered: list = field(default_factory=list)  # OfferedTime of an open offer

    def __bool__(self):
        return bool(self.appointments or self.offered)


def affected_by_change(clinicians=None, *, now=None):
    """Upcoming booked appointments and open offers' times of `clinicians` (all if None) that no longer fit."""
    now = now or timezone.now()
    if clinicians is None:
        clinicians = Clinician.objects.all()
    found = Affected()
    for clinician in Clinician.objects.filter(pk__in=[c.pk for c in clinicians]).prefetch_related("working_hours"):
        booked = list(
            Appointment.objects.upcoming(now)
            .filter(clinician=clinician)
            .select_related("consultation", "clinician")
            .order_by("starts_at")
        )
        offered = list(
            OfferedTime.objects.filter(clinician=clinician, starts_at__gt=now, offer__in=Offer.objects.open(now))
            .select_related("offer__consultation", "clinician")
            .order_by("starts_at")
        )
        days = [timezone.localdate(item.starts_at) for item in booked + offered]
        if not days:
            continue
        # Appointments do not count against each other here: only the change is in question.
        rules = Availability(clinician, min(days), max(days), now=now, count_appointments=False, notice=False)
        found.appointments += [a for a in booked if not rules.covers(a.starts_at, a.ends_at)]
        found.offered += [t for t in offered if not rules.is_free(t.starts_at, t.starts_at + clinician.length)]
    return found
