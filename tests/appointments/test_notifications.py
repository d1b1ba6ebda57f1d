import logging
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command

from appointments.models import ConsultationRequest, Notification

pytestmark = pytest.mark.django_db

URL = "/appointments/request/"


class BrokenEmailBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed: maria@example.org")


@pytest.fixture
def mail_down(settings):
    settings.EMAIL_BACKEND = "tests.appointments.test_notifications.BrokenEmailBackend"


def test_request_is_kept_when_email_is_down_and_sent_later_by_the_command(
    client, valid_data, settings, mail_down, mailoutbox, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, valid_data())

    assert response.status_code == 303
    consultation = ConsultationRequest.objects.get()
    pending = Notification.objects.filter(consultation=consultation)
    assert set(pending.values_list("status", "attempts", "last_error")) == {("pending", 1, "SMTPServerDisconnected")}
    assert "maria@example.org" not in caplog.text

    call_command("send_pending_notifications", verbosity=0)  # still down
    assert set(pending.values_list("attempts", flat=True)) == {2}

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_pending_notifications", verbosity=0)

    assert set(pending.values_list("status", flat=True)) == {"sent"}
    assert len(mail.outbox) == 2
    call_command("send_pending_notifications", verbosity=0)
    assert len(mail.outbox) == 2  # nothing is sent twice


def test_a_notification_that_keeps_failing_is_given_up_and_left_for_staff(
    client, valid_data, settings, mail_down, django_capture_on_commit_callbacks
):
    settings.APPOINTMENTS_NOTIFICATION_MAX_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, valid_data(email=""))

    call_command("send_pending_notifications", verbosity=0)
    call_command("send_pending_notifications", verbosity=0)

    assert list(Notification.objects.values_list("status", "attempts")) == [("failed", 2)]


def test_logs_never_contain_the_patients_details(client, valid_data, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, valid_data())
        client.post(URL, valid_data(website="spam", form_token=valid_data()["form_token"]))
        client.post(URL, valid_data(email="bad"))
    call_command("send_pending_notifications", verbosity=0)

    for detail in ["Maria", "maria@example.org", "202", "0143", "lower back"]:
        assert detail not in caplog.text, detail
    assert ConsultationRequest.objects.get().reference in caplog.text
