"""The one outbox: an email says what is true when it leaves; every email goes through it."""

import datetime
import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from icalendar import Calendar

from appointments import booking
from appointments.models import Appointment, Notification
from clinic.models import OutboxEmail
from clinic.outbox import deliver, retry_delay, send_due
from tests.factories import make_clinician, make_consultation

pytestmark = pytest.mark.django_db

attempts_seen = []


class DownEmailBackend(BaseEmailBackend):
    """An SMTP server that is down; remembers the Message-ID of each email it was handed."""

    def send_messages(self, messages):
        attempts_seen.extend(message.extra_headers["Message-ID"] for message in messages)
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class OutsideTransactionsBackend(BaseEmailBackend):
    """Refuses an email handed over inside a database transaction (or under a row lock, which needs one)."""

    def send_messages(self, messages):
        assert not connection.in_atomic_block, "an email was sent inside a transaction"
        mail.outbox.extend(messages)
        return len(messages)


@pytest.fixture
def smtp_down(settings):
    attempts_seen.clear()
    settings.EMAIL_BACKEND = "tests.clinic.test_outbox.DownEmailBackend"


def smtp_back(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def later(minutes):
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False)


@pytest.fixture
def booked(clinic, settings):
    """A patient with a booked appointment whose reminder is owed now (emails queued, none sent)."""
    make_clinician(weekdays=range(7), blocks=((0, 23),))
    consultation = make_consultation(email="maria@example.org")
    slot, other = booking.offerable_slots(urgent=False, limit=2)
    offer = booking.offer_times(consultation, by=None, slots=[slot, other])
    appointment = booking.book(offer, slot)
    Appointment.objects.filter(pk=appointment.pk).update(remind_at=timezone.now())  # its reminder is owed now
    appointment.refresh_from_db()
    return appointment, other


def calendar_method(message):
    (ics,) = [content for name, content, mimetype in message.attachments if name.endswith(".ics")]
    return str(Calendar.from_ical(ics)["method"])


def test_with_smtp_down_a_cancelled_booking_sends_only_the_truth_when_smtp_returns(booked, settings, smtp_down):
    appointment, _ = booked
    assert booking.send_due_reminders() == 1
    send_due()  # SMTP is down: everything waits
    booking.cancel(appointment)

    smtp_back(settings)
    with later(120):
        send_due()

    patient = [m for m in mail.outbox if m.to == ["maria@example.org"]]
    assert [m.subject.split(" ")[:3] for m in patient if "cancelled" in m.subject] == [["Your", "appointment", "is"]]
    assert not [m for m in patient if "booked" in m.subject or m.subject.startswith("Reminder")]
    (cancelled,) = [m for m in patient if "cancelled" in m.subject]
    assert calendar_method(cancelled) == "CANCEL"
    dropped = Notification.objects.filter(email__status=OutboxEmail.Status.DROPPED)
    assert sorted(dropped.values_list("kind", flat=True)) == ["booked", "reminder"]
    assert {n.email.last_error for n in dropped} == {"The appointment was cancelled after this email was written."}


def test_a_booked_email_for_a_time_staff_moved_is_dropped_and_the_move_says_the_new_time(
    booked, settings, smtp_down, admin_user
):
    appointment, other = booked
    send_due()
    booking.move(appointment, other, by=admin_user)

    smtp_back(settings)
    with later(120):
        send_due()

    patient = [m for m in mail.outbox if m.to == ["maria@example.org"]]
    assert [m.subject for m in patient if "booked" in m.subject] == []
    (moved,) = [m for m in patient if "moved" in m.subject]
    event = Calendar.from_ical(moved.attachments[0][1]).walk("VEVENT")[0]
    assert event["dtstart"].dt == other.starts_at and calendar_method(moved) != "CANCEL"
    assert Notification.objects.get(kind="booked").email.last_error == (
        "The appointment was moved after this email was written."
    )


def test_every_attempt_of_an_email_carries_the_same_message_id(clinic, settings, smtp_down):
    from appointments.requests.notifications import queue_notification

    consultation = make_consultation()
    notification = queue_notification(consultation, Notification.Kind.TRIAGE)
    deliver(notification.email_id)
    with later(5):
        deliver(notification.email_id)
    smtp_back(settings)
    with later(15):
        assert deliver(notification.email_id) == "sent"

    (message,) = mail.outbox
    assert attempts_seen == [notification.email.message_id] * 2
    assert message.extra_headers["Message-ID"] == notification.email.message_id


def test_an_oncall_alert_never_gives_up_while_the_request_waits_and_retries_at_least_every_15_minutes(
    clinic, settings, smtp_down
):
    from appointments.requests.escalation import escalate_urgent_requests

    settings.APPOINTMENTS_NOTIFICATION_MAX_ATTEMPTS = 2
    settings.APPOINTMENTS_ONCALL_AFTER_HOURS = True
    consultation = make_consultation(created_at=timezone.now() - timedelta(hours=1), red_flags=["fall_injury"])
    escalate_urgent_requests()
    alert = consultation.urgent_alerts.get().email

    for hour in range(1, 13):  # twelve hours of mail outage
        with later(60 * hour):
            send_due()
    alert.refresh_from_db()
    assert alert.status == OutboxEmail.Status.PENDING and alert.attempts == 12
    assert retry_delay(alert.attempts, urgent=True) == 15 * 60

    smtp_back(settings)
    with later(60 * 13):
        send_due()
    alert.refresh_from_db()
    assert alert.status == OutboxEmail.Status.SENT
    (message,) = mail.outbox
    assert consultation.reference in message.subject


def test_an_alert_for_a_request_someone_took_on_is_dropped(clinic, settings, smtp_down, admin_user):
    from appointments.requests.escalation import escalate_urgent_requests

    settings.APPOINTMENTS_ONCALL_AFTER_HOURS = True
    consultation = make_consultation(created_at=timezone.now() - timedelta(hours=1), red_flags=["fall_injury"])
    escalate_urgent_requests()
    send_due()
    consultation.assign_to(admin_user, by=admin_user)

    smtp_back(settings)
    with later(10):
        send_due()
    assert mail.outbox == []
    assert consultation.urgent_alerts.get().email.status == OutboxEmail.Status.DROPPED


@pytest.mark.django_db(transaction=True)
def test_no_email_is_sent_inside_a_transaction(clinic, settings, django_user_model):
    """A request, a booking, an on-call alert and a review digest: all sent by the worker, outside transactions."""
    from django.contrib.auth.models import Group

    from appointments.requests.escalation import escalate_urgent_requests
    from clinic.roles import CONTENT_EDITORS
    from tests.factories import make_article

    settings.EMAIL_BACKEND = "tests.clinic.test_outbox.OutsideTransactionsBackend"
    settings.APPOINTMENTS_ONCALL_AFTER_HOURS = True
    editor = django_user_model.objects.create_user("writer", email="writer@clinic.example", is_staff=True)
    editor.groups.add(Group.objects.get(name=CONTENT_EDITORS))
    make_article(title="Old guide", last_reviewed=datetime.date(2020, 1, 1))
    make_consultation(created_at=timezone.now() - timedelta(hours=1), red_flags=["fall_injury"])
    make_clinician(weekdays=range(7), blocks=((0, 23),))
    patient = make_consultation(email="maria@example.org")
    offer = booking.offer_times(patient, by=None)
    booking.book(offer, booking.offered_slots(offer)[0])
    escalate_urgent_requests()
    call_command("send_review_reminders", verbosity=0)

    call_command("run_worker", "--batch", verbosity=0)

    kinds = set(OutboxEmail.objects.values_list("kind", "status"))
    assert {"offer", "booked", "oncall_alert", "review_digest"} <= {kind for kind, _ in kinds}
    assert {status for _, status in kinds} == {"sent"}
    assert len(mail.outbox) == OutboxEmail.objects.count()


def test_every_periodic_job_runs_in_the_worker():
    from clinic.worker import periodic_commands

    names = {job.name for job in periodic_commands()}
    assert {
        "publish_scheduled_changes",
        "send_review_reminders",
        "send_appointment_reminders",
        "escalate_urgent_requests",
        "purge_closed_requests",
        "send_pending_notifications",
        "prune_db_task_results",
    } <= names


def test_finished_task_rows_are_pruned_by_the_periodic_job(clinic, run_worker, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from appointments.requests.notifications import queue_notification
    from clinic.worker import periodic_commands

    with django_capture_on_commit_callbacks(execute=True):
        queue_notification(make_consultation(), Notification.Kind.TRIAGE)
    run_worker()
    assert DBTaskResult.objects.count() == 1

    (prune,) = [job for job in periodic_commands() if job.name == "prune_db_task_results"]
    with later(60 * 24 * 8):
        call_command(prune.name, *prune.args, verbosity=0)
    assert DBTaskResult.objects.count() == 0


def test_a_row_carried_over_from_before_the_outbox_is_written_when_first_sent(clinic):
    consultation = make_consultation()
    email = OutboxEmail.objects.create(kind="triage", message_id="<carried@clinic.example>")
    Notification.objects.create(consultation=consultation, kind=Notification.Kind.TRIAGE, email=email)

    assert deliver(email.pk) == "sent"

    (message,) = mail.outbox
    assert consultation.reference in message.subject and message.extra_headers["Message-ID"] == email.message_id


def test_the_cron_fallback_in_the_deploy_guide_names_every_periodic_command():
    from pathlib import Path

    from clinic.worker import periodic_commands

    guide = (Path(__file__).resolve().parents[2] / "docs" / "deploy.md").read_text()
    cron_lines = guide.split("```cron", 1)[1].split("```", 1)[0]
    for job in periodic_commands():
        assert f"manage.py {job.name}" in cron_lines, job.name


def test_the_outbox_admin_shows_delivery_but_not_the_words_or_the_address(admin_client, clinic):
    from appointments.requests.notifications import queue_notification

    email = queue_notification(make_consultation(email="maria@example.org"), Notification.Kind.TRIAGE).email

    listing = admin_client.get("/admin/clinic/outboxemail/").content.decode()
    page = admin_client.get(f"/admin/clinic/outboxemail/{email.pk}/change/").content.decode()

    assert email.about in listing and "Waiting to be sent" in listing
    assert email.message_id.strip("<>") in page
    for secret in ["maria@example.org", email.subject]:
        assert secret not in listing + page


@pytest.mark.django_db(transaction=True)
def test_a_database_blip_after_the_mail_server_took_the_email_does_not_send_it_twice(clinic, monkeypatch):
    from django.db import OperationalError

    from appointments.requests.notifications import queue_notification

    email = queue_notification(make_consultation(), Notification.Kind.TRIAGE).email
    mail.outbox.clear()
    real_save, failures = OutboxEmail.save, []

    def save_after_a_blip(self, *args, **kwargs):
        if self.status == OutboxEmail.Status.SENT and not failures:
            failures.append(1)
            raise OperationalError("server closed the connection unexpectedly")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(OutboxEmail, "save", save_after_a_blip)
    monkeypatch.setattr("clinic.outbox.time.sleep", lambda seconds: None)

    assert deliver(email.pk) == "sent"
    assert failures and len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    assert send_due() == (0, 0)  # nothing left claimed to go again
