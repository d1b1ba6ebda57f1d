"""Urgent requests are never left waiting: on-call is alerted, three times at most, in clinic hours."""

import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from appointments.models import RequestEvent, UrgentAlert
from appointments.requests.escalation import escalate_urgent_requests
from clinic.opening_hours import at_local, next_opening
from tests.factories import make_consultation

pytestmark = pytest.mark.django_db

ONE_MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def escalate(django_capture_on_commit_callbacks, worker_at_once):
    """One run: alerts are queued after their claim commits, and the worker sends them."""

    def run(now=None):
        with django_capture_on_commit_callbacks(execute=True):
            return escalate_urgent_requests(now)

    return run


@pytest.fixture
def worker_at_once(settings):
    """Queued tasks run as they are queued (the worker itself has its own tests in tests/clinic)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def oncall(settings):
    settings.APPOINTMENTS_URGENT_ACK_MINUTES = 30
    settings.APPOINTMENTS_ONCALL_EMAIL = "oncall@clinic.example"
    settings.APPOINTMENTS_ONCALL_AFTER_HOURS = False


def a_working_morning(clinic):
    """10:00 on the next working day (clinic hours), in the clinic's time zone."""
    opening = next_opening(at_local(datetime.date.today() + datetime.timedelta(days=7), datetime.time(23)), clinic)
    return opening + datetime.timedelta(hours=1)


def test_an_unacknowledged_urgent_request_alerts_oncall_with_reference_and_link_only(
    clinic, oncall, mailoutbox, escalate
):
    morning = a_working_morning(clinic)
    consultation = make_consultation(
        created_at=morning, red_flags=["bladder_bowel"], full_name="Secret Name", message="Secret symptoms"
    )

    assert escalate(now=morning + 29 * ONE_MINUTE) == 0
    assert escalate(now=morning + 31 * ONE_MINUTE) == 1

    (email,) = mailoutbox
    assert email.to == ["oncall@clinic.example"]
    assert consultation.reference in email.subject and consultation.get_admin_url() in email.body
    for secret in ["Secret Name", "Secret symptoms", "bladder", consultation.email]:
        assert secret not in email.subject + email.body
    event = consultation.events.get(kind=RequestEvent.Kind.ESCALATION)
    assert "alert 1 of 3" in event.detail


def test_alerts_repeat_every_30_minutes_three_times_at_most(clinic, oncall, mailoutbox, escalate):
    morning = a_working_morning(clinic)
    consultation = make_consultation(created_at=morning, red_flags=["leg_weakness"])

    raised = [escalate(now=morning + minutes * ONE_MINUTE) for minutes in [31, 45, 62, 93, 124, 200]]

    assert raised == [1, 0, 1, 1, 0, 0]
    assert len(mailoutbox) == 3
    assert consultation.events.filter(kind=RequestEvent.Kind.ESCALATION).count() == 3


@pytest.mark.parametrize("acknowledge", ["assign", "move"])
def test_a_request_someone_took_on_raises_no_alert(clinic, oncall, mailoutbox, django_user_model, acknowledge):
    morning = a_working_morning(clinic)
    nurse = django_user_model.objects.create_user("nurse", is_staff=True)
    consultation = make_consultation(created_at=morning, red_flags=["leg_weakness"])
    if acknowledge == "assign":
        consultation.assign_to(nurse, by=nurse)
    else:
        consultation.move_to("in_review", by=nurse)
    make_consultation(created_at=morning)  # not urgent

    assert escalate_urgent_requests(now=morning + 40 * ONE_MINUTE) == 0
    assert mailoutbox == []


def test_outside_clinic_hours_the_alert_waits_for_opening_time(clinic, oncall, mailoutbox, escalate):
    opening = a_working_morning(clinic) - datetime.timedelta(hours=1)
    night = at_local(opening.date() - datetime.timedelta(days=1), datetime.time(23, 30))
    make_consultation(created_at=night, red_flags=["fever_wound"])

    assert escalate(now=opening - ONE_MINUTE) == 0
    assert escalate(now=opening) == 1
    assert len(mailoutbox) == 1


def test_after_hours_setting_alerts_at_once(clinic, oncall, mailoutbox, settings, escalate):
    settings.APPOINTMENTS_ONCALL_AFTER_HOURS = True
    morning = a_working_morning(clinic)
    night = at_local(morning.date(), datetime.time(2, 0))
    make_consultation(created_at=night, red_flags=["fever_wound"])

    assert escalate(now=night + 31 * ONE_MINUTE) == 1
    assert len(mailoutbox) == 1


def test_the_command_runs_the_escalation(
    clinic, oncall, mailoutbox, settings, capsys, django_capture_on_commit_callbacks, worker_at_once
):
    settings.APPOINTMENTS_ONCALL_AFTER_HOURS = True
    make_consultation(created_at=datetime.datetime.now(datetime.UTC) - 40 * ONE_MINUTE, red_flags=["fall_injury"])

    with django_capture_on_commit_callbacks(execute=True):
        call_command("escalate_urgent_requests")

    assert "On-call alerts raised: 1" in capsys.readouterr().out
    assert len(mailoutbox) == 1


def test_the_worker_runs_the_escalation_every_few_minutes():
    from clinic.worker import periodic_commands

    assert "escalate_urgent_requests" in [job.name for job in periodic_commands()]


def test_one_alert_cannot_be_claimed_twice(clinic, oncall):
    consultation = make_consultation(red_flags=["fall_injury"])
    UrgentAlert.objects.create(consultation=consultation, number=1)

    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        UrgentAlert.objects.create(consultation=consultation, number=1)


@pytest.mark.django_db(transaction=True)
def test_two_servers_running_at_once_send_each_alert_once(oncall, settings, mailoutbox, worker_at_once):
    from tests.factories import make_clinic

    if connection.vendor != "postgresql":
        pytest.skip("concurrent claims need PostgreSQL (SQLite serialises writers)")
    settings.APPOINTMENTS_ONCALL_AFTER_HOURS = True
    make_clinic()
    for _ in range(5):
        make_consultation(created_at=datetime.datetime.now(datetime.UTC) - 40 * ONE_MINUTE, red_flags=["fall_injury"])
    barrier, results = threading.Barrier(2), []

    def run():
        barrier.wait()
        try:
            results.append(escalate_urgent_requests())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(results) == 5
    assert UrgentAlert.objects.count() == 5 and len(mailoutbox) == 5
