"""`manage.py load_sample_content`: the whole sample site, booking included."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_sample_content_adds_a_clinician_who_can_be_booked():
    from appointments.booking import offerable_slots
    from appointments.models import Clinician

    call_command("load_sample_content")
    call_command("load_sample_content")

    clinician = Clinician.objects.get()
    assert clinician.active and clinician.consultation_minutes == 30
    assert sorted({(h.weekday, h.starts.hour, h.ends.hour) for h in clinician.working_hours.all()}) == [
        (day, 9, 17) for day in range(5)
    ]
    assert offerable_slots(urgent=False, limit=1)
