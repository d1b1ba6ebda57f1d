import datetime
import logging
import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone

from appointments.models import ConsultationRequest, InternalNote, RequestEvent, TransitionNotAllowed
from appointments.requests.forms import ConsultationRequestForm
from appointments.requests.services import submit_request
from tests.factories import make_consultation

pytestmark = pytest.mark.django_db
Status, Outcome = ConsultationRequest.Status, ConsultationRequest.Outcome


def at(text):
    return timezone.make_aware(datetime.datetime.fromisoformat(text))


def test_overdue_means_not_yet_contacted_and_past_the_promise(clinic):
    now = at("2026-11-24 12:00")
    late = make_consultation(created_at=at("2026-11-20 12:00"))
    make_consultation(created_at=at("2026-11-20 12:00"), status=Status.CONTACTED)
    make_consultation(created_at=at("2026-11-23 13:00"))

    assert list(ConsultationRequest.objects.overdue(now)) == [late]


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        ("new", "in_review", True),
        ("new", "contacted", True),
        ("in_review", "contacted", True),
        ("contacted", "scheduled", True),
        ("scheduled", "closed", True),
        ("new", "scheduled", False),
        ("contacted", "new", False),
        ("scheduled", "in_review", False),
        ("closed", "new", False),
        ("closed", "contacted", False),
    ],
)
def test_status_moves_follow_the_path(start, target, allowed):
    consultation = make_consultation(status=start)

    if allowed:
        consultation.move_to(target, by=None, outcome="booked")
        assert consultation.status == target
        assert consultation.events.filter(kind="status", old_value=start, new_value=target).exists()
    else:
        with pytest.raises(TransitionNotAllowed):
            consultation.move_to(target, by=None, outcome="booked")
        consultation.refresh_from_db()
        assert consultation.status == start


def test_closing_without_an_outcome_is_refused():
    consultation = make_consultation(status=Status.CONTACTED)

    with pytest.raises(TransitionNotAllowed, match="Choose an outcome"):
        consultation.move_to(Status.CLOSED, by=None)


def submit(data, topic):
    form = ConsultationRequestForm(data=data)
    assert form.is_valid(), form.errors
    return submit_request(form, submission_id=uuid.uuid4())[0]


@pytest.fixture
def form_data(valid_data):
    """A valid request from Ana, who gives only her email address."""
    return valid_data(email="ana@example.org", phone="", preferred_contact="email")


def test_a_request_from_the_same_email_or_phone_within_30_days_is_flagged(form_data, topic):
    first = submit(form_data, topic)
    by_email = submit({**form_data, "email": "ANA@example.org"}, topic)
    by_phone_first = submit({**form_data, "email": "", "phone": "(202) 555-0143", "preferred_contact": "phone"}, topic)
    by_phone = submit({**form_data, "email": "other@example.org", "phone": "202-555-0143"}, topic)
    stranger = submit({**form_data, "email": "someone@example.org"}, topic)

    assert first.possible_duplicate_of is None
    assert by_email.possible_duplicate_of == first
    assert by_phone.possible_duplicate_of == by_phone_first
    assert stranger.possible_duplicate_of is None


def test_an_older_request_is_not_a_duplicate(form_data, topic):
    make_consultation(email="ana@example.org", created_at=timezone.now() - datetime.timedelta(days=31))

    assert submit(form_data, topic).possible_duplicate_of is None


def test_a_new_request_starts_its_timeline(form_data, topic):
    consultation = submit(form_data, topic)

    event = consultation.events.get()
    assert (event.kind, event.who) == (RequestEvent.Kind.CREATED, "Patient, through the website")


def test_purge_deletes_closed_requests_past_retention_with_their_notes(caplog):
    caplog.set_level(logging.INFO)
    old = make_consultation(full_name="Old Patient", status=Status.CLOSED, outcome=Outcome.BOOKED)
    ConsultationRequest.objects.filter(pk=old.pk).update(closed_at=timezone.now() - datetime.timedelta(days=400))
    old.add_note("private", by=None)
    recent = make_consultation(status=Status.CLOSED, outcome=Outcome.BOOKED, closed_at=timezone.now())
    still_open = make_consultation(created_at=timezone.now() - datetime.timedelta(days=900))

    call_command("purge_closed_requests", "--older-than", "365", "--dry-run")
    assert ConsultationRequest.objects.count() == 3
    assert "would be deleted" in caplog.text

    call_command("purge_closed_requests", "--older-than", "365")

    assert set(ConsultationRequest.objects.all()) == {recent, still_open}
    assert not InternalNote.objects.exists()
    assert "Deleted 1 closed request(s)" in caplog.text
    assert "Old Patient" not in caplog.text and old.reference not in caplog.text


def test_purge_uses_the_retention_setting_by_default(settings):
    settings.APPOINTMENTS_RETENTION_DAYS = 10
    consultation = make_consultation(status=Status.CLOSED, outcome=Outcome.BOOKED)
    ConsultationRequest.objects.filter(pk=consultation.pk).update(
        closed_at=timezone.now() - datetime.timedelta(days=11)
    )

    call_command("purge_closed_requests", verbosity=0)

    assert not ConsultationRequest.objects.exists()
