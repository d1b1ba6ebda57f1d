"""The front desk's day: one column per clinician, times down the side, each appointment in its row.

Rows are the start times of the clinicians' working hours that day (stepped by each one's
consultation length, in clinic wall-clock time) and the start of every appointment, so an
appointment outside the usual hours still shows.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from clinic.opening_hours import spelled_out_day

from ..requests.phones import display_phone
from .models import Appointment, Clinician


@dataclass
class Row:
    clock: object  # a datetime.time, clinic wall-clock
    cells: list  # one list of appointments per column

    @property
    def label(self):
        return f"{self.clock.hour % 12 or 12}:{self.clock:%M} {'AM' if self.clock.hour < 12 else 'PM'}"


@dataclass
class Day:
    day: object
    clinicians: list
    rows: list
    appointments: list

    @property
    def label(self):
        return f"{spelled_out_day(self.day)}, {self.day.year}"

    @property
    def abbreviation(self):
        """The clinic's zone as it is called at noon that day, e.g. "EST"."""
        return f"{datetime.combine(self.day, time(12), tzinfo=timezone.get_default_timezone()):%Z}"

    @property
    def zone(self):
        return f"{self.abbreviation}, {timezone.get_default_timezone()}"

    @property
    def previous(self):
        return self.day - timedelta(days=1)

    @property
    def next(self):
        return self.day + timedelta(days=1)


def _working_clocks(clinician, day):
    """The start times (wall clock) of `clinician`'s working hours on `day`."""
    clocks = set()
    for block in clinician.working_hours.all():
        if block.weekday != day.weekday():
            continue
        wall, end = datetime.combine(day, block.starts), datetime.combine(day, block.ends)
        while wall + clinician.length <= end:
            clocks.add(wall.time())
            wall += clinician.length
    return clocks


def day_calendar(day):
    """The appointments of `day` (cancelled ones too) laid out by clinician and time."""
    appointments = list(
        Appointment.objects.on_day(day).select_related("clinician", "consultation").order_by("starts_at", "pk")
    )
    for appointment in appointments:
        appointment.local_start = local = timezone.localtime(appointment.starts_at)
        # strftime, not the date filter: that one leaves the zone out in the hour that happens twice.
        appointment.clock_label = f"{local.hour % 12 or 12}:{local:%M %p %Z}"
        phone = appointment.consultation.phone
        appointment.phone_shown = display_phone(phone) if phone else ""
    shown = {appointment.clinician_id for appointment in appointments}
    clinicians = list(
        Clinician.objects.filter(Q(active=True) | Q(pk__in=shown))
        .prefetch_related("working_hours")
        .order_by("name", "pk")
    )
    clocks = {appointment.local_start.time() for appointment in appointments}
    for clinician in clinicians:
        clocks |= _working_clocks(clinician, day)
    column = {clinician.pk: index for index, clinician in enumerate(clinicians)}
    rows = {clock: Row(clock, [[] for _ in clinicians]) for clock in sorted(clocks)}
    for appointment in appointments:
        rows[appointment.local_start.time()].cells[column[appointment.clinician_id]].append(appointment)
    return Day(day, clinicians, list(rows.values()), appointments)
