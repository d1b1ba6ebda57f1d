"""Booking's part of `manage.py load_sample_content`: one clinician, so `make run` shows booking working."""

from datetime import time

from .booking.models import Clinician, WorkingHours

SAMPLE_CLINICIAN = {"name": "Dr. Sam Rivera, spine specialist", "consultation_minutes": 30}
SAMPLE_HOURS = [(weekday, time(9), time(17)) for weekday in range(5)]  # Monday to Friday, 9:00–17:00


def load_sample_clinician(*, reset=False):
    """Create the sample clinician if missing (their hours put back with `reset`); return what was created."""
    clinician, created = Clinician.objects.get_or_create(
        name=SAMPLE_CLINICIAN["name"], defaults={**SAMPLE_CLINICIAN, "active": True}
    )
    if created or reset:
        Clinician.objects.filter(pk=clinician.pk).update(**SAMPLE_CLINICIAN, active=True)
        clinician.working_hours.all().delete()
        WorkingHours.objects.bulk_create(
            WorkingHours(clinician=clinician, weekday=weekday, starts=starts, ends=ends)
            for weekday, starts, ends in SAMPLE_HOURS
        )
    return ["clinician"] if created else []
