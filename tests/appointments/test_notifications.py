"""Notification emails: written and queued by the web request, sent by the worker, retried, each sent once."""

import logging
import smtplib
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from appointments.models import ConsultationRequest, Notification
from appointments.requests.notifications import enqueue_notifications, queue_notification
from clinic.models import OutboxEmail
from clinic.outbox import claim, deliver, retry_delay
from tests.factories import make_consultation

pytestmark = pytest.mark.django_db

URL = "/appointments/request/"


class BrokenEmailBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed: maria@example.org")


class ForbiddenEmailBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise AssertionError("an email was sent inside the web request")


sent_log = []


class SlowRecordingEmailBackend(BaseEmailBackend):
    """A slow SMTP server that remembers every message it was given (shared between threads)."""

    def send_messages(self, messages):
        time.sleep(0.05)
        sent_log.extend(message.subject for message in messages)
        return len(messages)


@pytest.fixture
def mail_down(settings):
    settings.EMAIL_BACKEND = "tests.appointments.test_notifications.BrokenEmailBackend"


def submit(client, data, capture):
    with capture(execute=True):
        response = client.post(URL, data)
    assert response.status_code == 303
    return ConsultationRequest.objects.get(reference=client.session["appointments:last-request"]["reference"])


def test_the_web_request_only_queues_and_the_worker_sends(
    client, valid_data, settings, mailoutbox, django_capture_on_commit_callbacks, run_worker
):
    settings.EMAIL_BACKEND = "tests.appointments.test_notifications.ForbiddenEmailBackend"
    consultation = submit(client, valid_data(), django_capture_on_commit_callbacks)

    assert set(consultation.notifications.values_list("email__status", flat=True)) == {"pending"}
    assert DBTaskResult.objects.ready().count() == 2  # one task per email, in the database queue

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_worker()

    assert len(mail.outbox) == 2
    assert set(consultation.notifications.values_list("email__status", flat=True)) == {"sent"}
    run_worker()
    call_command("send_pending_notifications", verbosity=0)
    assert len(mail.outbox) == 2  # nothing is sent twice


def test_a_failed_email_is_retried_later_with_backoff_and_then_sent(
    client, valid_data, settings, mail_down, django_capture_on_commit_callbacks, run_worker, caplog
):
    consultation = submit(client, valid_data(), django_capture_on_commit_callbacks)
    run_worker()

    pending = consultation.notifications.all()
    delivery = pending.values_list("email__status", "email__attempts", "email__last_error")
    assert set(delivery) == {("pending", 1, "SMTPServerDisconnected")}
    assert all(n.email.next_attempt_at > timezone.now() for n in pending)
    assert "maria@example.org" not in caplog.text

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_worker()
    call_command("send_pending_notifications", verbosity=0)
    assert mail.outbox == []  # not before the retry time

    with time_machine.travel(timezone.now() + timedelta(seconds=retry_delay(1) + 1), tick=False):
        run_worker()  # the retry task queued for then
    assert set(pending.values_list("email__status", flat=True)) == {"sent"}
    assert len(mail.outbox) == 2


def test_retry_delays_double_up_to_an_hour():
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert retry_delay(30) == 3600


def test_a_notification_that_keeps_failing_is_given_up_and_left_for_staff(
    client, valid_data, settings, mail_down, django_capture_on_commit_callbacks, run_worker
):
    settings.APPOINTMENTS_NOTIFICATION_MAX_ATTEMPTS = 2
    submit(client, valid_data(email=""), django_capture_on_commit_callbacks)

    run_worker()
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        call_command("send_pending_notifications", verbosity=0)

    assert list(Notification.objects.values_list("email__status", "email__attempts")) == [("failed", 2)]


def test_a_row_is_claimed_by_one_sender_only(run_worker):
    notification = queue_notification(make_consultation(), Notification.Kind.TRIAGE)

    assert claim(notification.email_id) is True
    assert claim(notification.email_id) is False  # a second worker, or cron, at the same moment
    assert deliver(notification.email_id) == "skipped"
    assert mail.outbox == []


def test_a_claim_left_by_a_worker_that_died_is_taken_over_later():
    notification = queue_notification(make_consultation(), Notification.Kind.TRIAGE)
    assert claim(notification.email_id)  # ...and the worker was killed while sending

    call_command("send_pending_notifications", verbosity=0)
    assert mail.outbox == []
    with time_machine.travel(timezone.now() + OutboxEmail.STALE_CLAIM + timedelta(seconds=1), tick=False):
        call_command("send_pending_notifications", verbosity=0)

    assert len(mail.outbox) == 1
    notification.email.refresh_from_db()
    assert notification.email.status == OutboxEmail.Status.SENT


def test_if_queueing_fails_after_the_commit_the_request_stands_and_the_sweep_sends(
    client, valid_data, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def queue_down(*args, **kwargs):
        raise ConnectionError("queue unavailable")

    monkeypatch.setattr("django_tasks_db.DatabaseBackend.enqueue", queue_down)
    consultation = submit(client, valid_data(), django_capture_on_commit_callbacks)

    assert "the periodic sweep will send them" in caplog.text
    call_command("send_pending_notifications", verbosity=0)
    assert len(mail.outbox) == 2
    assert set(consultation.notifications.values_list("email__status", flat=True)) == {"sent"}


def test_nothing_is_queued_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    notification = queue_notification(make_consultation(), Notification.Kind.TRIAGE)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue_notifications([notification])
    assert len(callbacks) == 1  # runs only on commit
    assert not DBTaskResult.objects.exists()


def test_logs_never_contain_the_patients_details(
    client, valid_data, caplog, django_capture_on_commit_callbacks, run_worker, mail_down
):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, valid_data())
        client.post(URL, valid_data(website="spam", form_token=valid_data()["form_token"]))
        client.post(URL, valid_data(email="bad"))
    run_worker()
    call_command("send_pending_notifications", verbosity=0)

    # The phone in every form a log could hold it (bare digit runs like "202" also occur in task ids).
    for detail in ["Maria", "maria@example.org", "(202) 555", "555-0143", "2025550143", "+12025550143", "lower back"]:
        assert detail not in caplog.text, detail
    assert ConsultationRequest.objects.get().reference in caplog.text


@pytest.mark.django_db(transaction=True)
def test_two_workers_and_the_cron_fallback_at_once_send_each_email_once(settings, clinic):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (concurrent writers): DATABASE_URL=postgres://…")
    settings.EMAIL_BACKEND = "tests.appointments.test_notifications.SlowRecordingEmailBackend"
    sent_log.clear()
    consultations = [make_consultation(email=f"p{n}@example.org") for n in range(10)]
    rows = [
        queue_notification(consultation, kind)
        for consultation in consultations
        for kind in (Notification.Kind.TRIAGE, Notification.Kind.PATIENT_CONFIRMATION)
    ]
    for row in rows:  # every row queued twice, as if a retry and a lost-task sweep overlapped
        enqueue_notifications([row])
        enqueue_notifications([row])

    def run(command, *args):
        try:
            call_command(command, *args, verbosity=0)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("run_worker", "--batch")),
        threading.Thread(target=run, args=("run_worker", "--batch")),
        threading.Thread(target=run, args=("send_pending_notifications",)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(sent_log) == len(rows) == len(set(sent_log))
    assert set(Notification.objects.values_list("email__status", flat=True)) == {"sent"}
