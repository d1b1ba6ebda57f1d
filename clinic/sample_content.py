"""The sample clinic's profile: clinic's part of `manage.py load_sample_content`."""

import datetime

from .models import ClinicProfile

CLINIC = {
    "name": "BEST Health System",
    "tagline": "A modern ambulatory center for spine care and chronic pain",
    "phone": "(555) 010-0142",
    "email": "care@example.org",
    "address": "100 Example Avenue, Suite 200\nSpringfield, ST 00000",
    # Monday to Friday, 8 am to 5 pm: shown to patients and counted by the clinic's calendar.
    "opens_at": datetime.time(8),
    "closes_at": datetime.time(17),
    "working_weekdays": "01234",
    # Routine requests may choose a time in the same visit (urgent ones are called).
    "patients_choose_times": True,
    "emergency_notice": "If you have a medical emergency, call 911 or go to the nearest emergency room.",
}


def load_sample_clinic(*, reset=False):
    """Create the sample clinic profile if there is none (again with `reset`); return what was created."""
    if reset or not ClinicProfile.objects.exists():
        ClinicProfile(**CLINIC).save()
        return ["clinic profile"]
    return []
