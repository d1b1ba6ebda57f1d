"""Emails as mail servers read them: parsed back with Python's `email` package."""

import email
import email.policy
import re
from email.utils import parsedate_to_datetime

import pytest
from django.core import mail

from appointments import booking
from clinic.email_format import wrap_body
from tests.clinic.test_settings import settings_value
from tests.factories import make_clinician, make_consultation

pytestmark = pytest.mark.django_db

URL = re.compile(r"https?://\S+")


@pytest.fixture
def sent(clinic, settings, sending):
    """Every kind of patient email about a booking, as bytes on the wire."""
    settings.SITE_URL = "https://clinic.example"
    settings.EMAIL_DOMAIN = "mail.clinic.example"
    make_clinician(weekdays=range(7), blocks=((0, 23),))
    consultation = make_consultation(email="maria@example.org")
    with sending():
        offer = booking.offer_times(consultation, by=None)
        booking.book(offer, booking.offered_slots(offer)[0])
    return [email.message_from_bytes(m.message().as_bytes(), policy=email.policy.default) for m in mail.outbox]


@pytest.fixture
def sending(django_capture_on_commit_callbacks, run_worker):
    import contextlib

    @contextlib.contextmanager
    def commit_and_send():
        with django_capture_on_commit_callbacks(execute=True):
            yield
        run_worker()

    return commit_and_send


def test_the_date_header_names_a_real_zone(sent):
    for message in sent:
        assert not message["Date"].endswith("-0000")
        assert parsedate_to_datetime(message["Date"]).utcoffset() is not None


def test_message_ids_are_on_the_configured_domain_and_unique(sent):
    ids = [message["Message-ID"] for message in sent]
    assert all(re.fullmatch(r"<[^@<>]+@mail\.clinic\.example>", mid) for mid in ids)
    assert len(set(ids)) == len(ids) >= 2


def test_body_lines_are_wrapped_at_78_characters_and_links_are_whole(sent):
    for message in sent:
        body = message.get_body(preferencelist=("plain",)).get_content()
        for line in body.splitlines():
            assert len(line) <= 78 or URL.search(line), line
        for link in URL.findall(body):  # whole: the site's own, or a calendar service's "add" link
            assert link.startswith(("https://clinic.example/", "https://calendar.google.com/", "https://outlook."))


def test_wrapping_keeps_a_long_link_whole_and_indents_list_items():
    link = "https://clinic.example/appointments/book/" + "x" * 60 + "/"
    text = "- " + "word " * 30 + link + " end"

    lines = wrap_body(text).splitlines()

    assert "  " + link in lines  # on a line of its own, whole
    assert all(len(line) <= 78 for line in lines if link not in line)
    assert all(line.startswith("  ") for line in lines[1:])
    assert " ".join(part.strip() for part in lines).replace("- ", "", 1) == text[2:].strip()


def test_the_email_domain_comes_from_the_environment_or_the_site_url():
    assert (
        settings_value("settings.EMAIL_DOMAIN", DJANGO_DEBUG="1", DJANGO_SITE_URL="https://www.clinic.example")
        == "www.clinic.example"
    )
    assert (
        settings_value(
            "settings.EMAIL_DOMAIN",
            DJANGO_DEBUG="1",
            DJANGO_SITE_URL="https://x.example",
            DJANGO_EMAIL_DOMAIN="mail.example",
        )
        == "mail.example"
    )


def test_the_file_backend_writes_where_the_environment_says(tmp_path):
    assert settings_value("settings.EMAIL_FILE_PATH", DJANGO_DEBUG="1", DJANGO_EMAIL_FILE_PATH=str(tmp_path)) == str(
        tmp_path
    )
