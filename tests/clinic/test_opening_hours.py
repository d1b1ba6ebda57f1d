"""The clinic's working days: the one definition behind "we answer by …", "overdue" and booking days."""

import datetime

import pytest
from django.utils import timezone

from clinic.models import ClinicClosure
from clinic.opening_hours import answer_by, at_local, is_open, next_opening, overdue_cutoff, spelled_out_day

pytestmark = pytest.mark.django_db


def at(text):
    return timezone.make_aware(datetime.datetime.fromisoformat(text))


def day(text):
    return datetime.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        ("2027-06-08 10:00", "2027-06-09"),  # Tuesday: the next working day
        ("2027-06-08 22:30", "2027-06-09"),  # after hours the promise is the same day
        ("2027-06-11 16:00", "2027-06-14"),  # Friday: over the weekend to Monday
        ("2027-06-12 11:00", "2027-06-14"),  # Saturday: Monday
        ("2027-11-24 09:00", "2027-11-26"),  # the day before Thanksgiving: Friday
        ("2027-07-02 12:00", "2027-07-06"),  # July 4th is a Sunday, observed on Monday the 5th
    ],
)
def test_answer_by_skips_weekends_and_federal_holidays(clinic, received, due):
    assert answer_by(at(received)) == day(due)


def test_answer_by_counts_the_clinics_own_closures_and_promise(clinic):
    ClinicClosure.objects.create(starts_on=day("2027-06-09"), ends_on=day("2027-06-10"), reason="Move")
    assert answer_by(at("2027-06-08 10:00")) == day("2027-06-11")

    clinic.response_business_days = 2
    clinic.save()
    assert answer_by(at("2027-06-08 10:00")) == day("2027-06-14")


def test_a_clinic_open_on_federal_holidays_counts_them(clinic):
    clinic.observe_federal_holidays = False
    clinic.save()
    assert answer_by(at("2027-11-24 09:00")) == day("2027-11-25")


def test_saturday_clinics_count_saturdays(clinic):
    clinic.working_weekdays = "012345"
    clinic.save()
    assert answer_by(at("2027-06-11 16:00")) == day("2027-06-12")


def test_overdue_cutoff_is_the_deadline_of_the_promise(clinic):
    # Monday's request is due by Tuesday's closing time (17:00): late from then, not before.
    assert overdue_cutoff(at("2027-06-08 16:59")) == at("2027-06-07 00:00")
    assert overdue_cutoff(at("2027-06-08 17:00")) == at("2027-06-08 00:00")
    # On Monday morning, Friday's requests (due Monday) are not yet late; Thursday's are.
    assert overdue_cutoff(at("2027-06-14 10:00")) == at("2027-06-11 00:00")


def test_opening_times_respect_hours_days_and_holidays(clinic):
    assert is_open(at("2027-06-08 09:00"))
    assert not is_open(at("2027-06-08 17:00"))
    assert not is_open(at("2027-11-25 10:00"))  # Thanksgiving
    assert next_opening(at("2027-06-08 07:00")) == at("2027-06-08 09:00")
    assert next_opening(at("2027-06-11 18:00")) == at("2027-06-14 09:00")
    assert next_opening(at("2027-11-24 18:00")) == at("2027-11-26 09:00")


@pytest.mark.parametrize("date_text", ["2027-03-13", "2027-03-15", "2027-11-06", "2027-11-08"])
def test_local_times_stay_local_across_daylight_saving_changes(date_text):
    moment = at_local(day(date_text), datetime.time(9))
    assert timezone.localtime(moment).time() == datetime.time(9)
    assert moment.utcoffset() == timezone.localtime(moment).utcoffset()


def test_dates_are_spelled_out_for_patients():
    assert spelled_out_day(day("2026-11-25")) == "Wednesday, November 25"
