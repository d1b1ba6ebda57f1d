"""No log line carries a patient's text or a booking link's token, whatever goes wrong.

The site's own log (settings.LOGGING's handler) and gunicorn's (deploy/gunicorn.conf.py) both.
"""

import http.client
import io
import logging
import subprocess
import sys

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from openpyxl.utils.exceptions import IllegalCharacterError

from clinic.logging import RedactPersonalData, WithholdExceptionText
from clinic.roles import TRIAGE_STAFF
from tests.appointments.test_triage_admin import QUEUE
from tests.benchmarks.live_site import PROJECT_DIR, SECRET, free_port, wait_until_up
from tests.factories import make_consultation, make_staff

PATIENT_TEXT = "Numbness in both legs since Tuesday"
TOKEN = "Zq8v2LkP0aXw3RtY9uMnB4cD"


@pytest.fixture
def log_output():
    """What the site's configured log handler writes (to stderr, for the process manager)."""
    console = next(
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(log_filter, RedactPersonalData) for log_filter in handler.filters)
    )
    buffer = io.StringIO()
    previous = console.setStream(buffer)
    yield buffer
    console.setStream(previous)


@pytest.mark.django_db
def test_an_error_quoting_a_patients_text_is_logged_without_it(django_user_model, clinic, monkeypatch, log_output):
    nurse = make_staff(django_user_model, "nurse", TRIAGE_STAFF)
    nurse.user_permissions.add(Permission.objects.get(codename="export_consultationrequest"))
    consultation = make_consultation(message=PATIENT_TEXT)

    def fails_quoting_the_row(queryset):
        raise IllegalCharacterError(f"{queryset.get().message} cannot be used in worksheets.")

    monkeypatch.setattr("appointments.requests.exports.xlsx_file", fails_quoting_the_row)
    client = Client(raise_request_exception=False)
    client.force_login(nurse)

    response = client.post(QUEUE, {"action": "export_xlsx", "_selected_action": [consultation.pk]})

    written = log_output.getvalue()
    assert response.status_code == 500
    assert "Internal Server Error" in written and "IllegalCharacterError" in written  # the log did run
    assert "fails_quoting_the_row" in written  # where it happened is kept
    assert "Numbness" not in written


def test_chained_exceptions_and_exceptions_as_arguments_are_withheld(log_output):
    logger = logging.getLogger("appointments.test")
    try:
        try:
            raise ValueError(f"bad value {PATIENT_TEXT!r}")
        except ValueError as error:
            raise RuntimeError(f"could not store {PATIENT_TEXT}") from error
    except RuntimeError as error:
        logger.exception("Storing failed")
        logger.warning("Could not send: %s", error)
        logger.error(error)

    written = log_output.getvalue()
    assert "Storing failed" in written and "ValueError" in written and "RuntimeError" in written
    assert "direct cause" in written and "Could not send: RuntimeError" in written
    assert "Numbness" not in written


def test_the_filter_leaves_records_without_exceptions_alone():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "Request %s received (%s).", ("BR-7K3F9Q", 2), None)

    WithholdExceptionText().filter(record)

    assert record.getMessage() == "Request BR-7K3F9Q received (2)."


@pytest.mark.django_db
def test_a_booking_links_token_never_reaches_the_log(client, clinic, log_output):
    for path in ["/appointments/book/{}/", "/appointments/book/{}/cancel/", "/es/appointments/book/{}/"]:
        client.get(path.format(TOKEN))

    written = log_output.getvalue()
    assert "Not Found: /appointments/book/[token]/" in written
    assert "/appointments/book/[token]/cancel/" in written
    assert TOKEN not in written


def test_gunicorn_with_the_shipped_config_masks_the_token_in_every_line(tmp_path):
    """The shipped config, access log on: neither its lines nor the site's (here a 503: no tables) hold it."""
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{tmp_path}/empty.sqlite3",  # never migrated: every query fails
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_CLINIC_CONTACT_FILE": str(tmp_path / "contact.json"),
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=PROJECT_DIR, env=env, check=True
    )
    log = (tmp_path / "gunicorn.log").open("w")
    command = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "clinic.wsgi"]
    server = subprocess.Popen(
        [*command, "--bind", f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", "-"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(port)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", f"/appointments/book/{TOKEN}/?from=email")
        status = connection.getresponse().status
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()

    written = (tmp_path / "gunicorn.log").read_text()
    assert status == 503
    assert '"GET /appointments/book/[token]/ HTTP/1.1" 503' in written  # the access log line
    assert "Database unavailable while serving /appointments/book/[token]/" in written  # the site's
    assert TOKEN not in written and "from=email" not in written
