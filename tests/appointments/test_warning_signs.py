"""The five warning signs are one list: the form, the queue and every page's urgent-help block read it."""

import pytest

from appointments.models import RedFlag
from appointments.requests.forms import ConsultationRequestForm
from clinic import warning_signs
from clinic.models import ClinicProfile
from tests.factories import make_consultation

pytestmark = pytest.mark.django_db


def test_the_form_the_queue_and_the_urgent_help_read_the_same_signs(clinic):
    every = list(warning_signs.RedFlag)
    form_choices = [value for value, _ in ConsultationRequestForm().fields["red_flags"].choices][: len(every)]
    consultation = make_consultation(red_flags=[sign.value for sign in every])

    assert RedFlag is warning_signs.RedFlag
    assert form_choices == [sign.value for sign in every]
    assert ClinicProfile.load().emergency_sign_list == [sign.label for sign in every]
    assert consultation.red_flag_labels == [sign.label for sign in every]
    assert consultation.red_flag_short_labels == [warning_signs.SHORT_LABELS[sign] for sign in every]


def test_an_unknown_sign_stored_earlier_is_left_out_not_an_error():
    assert warning_signs.labels(["bladder_bowel", "gone"]) == ["New loss of bladder or bowel control"]
    assert warning_signs.short_labels(["gone", "fall_injury"]) == ["Fall/injury"]
