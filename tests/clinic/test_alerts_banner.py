"""Triage staff see an "alerts failing" banner on every admin page while an on-call alert keeps failing."""

import smtplib
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from appointments.requests.escalation import escalate_urgent_requests
from clinic.outbox import send_due
from clinic.roles import CONTENT_EDITORS, TRIAGE_STAFF
from tests.factories import make_consultation

pytestmark = pytest.mark.django_db

BANNER = "On-call alerts are failing"
PAGES = [
    "/admin/",
    "/admin/appointments/consultationrequest/",
    "/admin/appointments/appointment/",
    "/admin/password_change/",
]


class DownEmailBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("down")


def staff(django_user_model, name, role):
    user = django_user_model.objects.create_user(name, password="x" * 16, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def failing_alert(clinic, settings):
    settings.APPOINTMENTS_ONCALL_AFTER_HOURS = True
    settings.EMAIL_BACKEND = "tests.clinic.test_alerts_banner.DownEmailBackend"
    make_consultation(created_at=timezone.now() - timedelta(hours=1), red_flags=["fall_injury"])
    escalate_urgent_requests()
    send_due()


def test_triage_staff_see_the_banner_on_every_admin_page_while_an_alert_fails(client, django_user_model, failing_alert):
    client.force_login(staff(django_user_model, "nurse", TRIAGE_STAFF))

    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 200, page
        assert BANNER in response.content.decode(), page


def test_the_banner_goes_once_the_alert_is_sent(client, django_user_model, failing_alert, settings):
    client.force_login(staff(django_user_model, "nurse", TRIAGE_STAFF))
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from clinic.models import OutboxEmail

    OutboxEmail.objects.update(next_attempt_at=None)  # its retry time has come
    send_due()

    assert BANNER not in client.get("/admin/").content.decode()


def test_content_editors_and_the_public_never_see_it(client, django_user_model, failing_alert):
    assert BANNER not in client.get("/").content.decode()
    client.force_login(staff(django_user_model, "writer", CONTENT_EDITORS))
    assert BANNER not in client.get("/admin/").content.decode()


def test_no_banner_while_alerts_go_out(client, django_user_model, clinic):
    client.force_login(staff(django_user_model, "nurse", TRIAGE_STAFF))
    assert BANNER not in client.get("/admin/").content.decode()
