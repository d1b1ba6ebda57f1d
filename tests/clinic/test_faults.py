"""The site under faults: database or cache gone, failures half-way, hostile requests."""

import logging
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import OperationalError, connection, connections

from appointments.models import ConsultationRequest, Notification
from tests.factories import form_token, make_article

URL = "/appointments/request/"


@contextmanager
def database_unreachable():
    """Every query fails to connect, as when the database server stops.

    On PostgreSQL the connection really points at a port where nothing listens; the test
    SQLite database lives in memory and cannot be taken away, so there connecting is made to fail.
    """
    if connection.vendor == "sqlite":
        refuse = mock.patch.object(
            type(connections["default"]),
            "ensure_connection",
            side_effect=OperationalError("unable to open database file"),
        )
        with refuse:
            yield
        return
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update({"HOST": "127.0.0.1", "PORT": "1"})
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.mark.django_db(transaction=True)
def test_with_the_database_down_pages_answer_503_with_the_phone_number_and_recover(
    client, clinic, valid_data, monkeypatch
):
    monkeypatch.setattr("education.views.DATABASE_CHECK_SECONDS", 0)  # no grace second in a test
    article = make_article(slug="guide")
    client.get("/")  # the site has seen the clinic's details and keeps the rendered home page

    with database_unreachable():
        assert client.get("/healthz/").status_code == 200
        assert client.get("/readyz/").status_code == 503
        for response in [
            client.get("/"),  # even a page kept in the cache: it could be out of date
            client.get(article.get_absolute_url()),
            client.get(URL),
            client.post(URL, valid_data()),
            client.get("/education/search/", {"q": "pain"}),
        ]:
            assert response.status_code == 503
            body = response.content.decode()
            assert clinic.phone in body and "Traceback" not in body

    assert client.get("/readyz/").status_code == 200
    assert client.get(article.get_absolute_url()).status_code == 200
    assert client.post(URL, valid_data()).status_code == 303
    assert ConsultationRequest.objects.count() == 1


@pytest.mark.django_db
def test_with_the_cache_down_the_site_serves_and_accepts_requests(client, clinic, valid_data, settings, caplog):
    settings.APPOINTMENTS_RATE_LIMIT = "5/10m"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    article = make_article(slug="guide")

    assert client.get("/").status_code == 200
    assert client.get(article.get_absolute_url()).status_code == 200
    assert client.post(URL, valid_data()).status_code == 303
    assert ConsultationRequest.objects.count() == 1
    assert "Rate limit not applied: the cache did not answer" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_request_that_fails_half_way_leaves_nothing_and_can_be_sent_again(client, clinic, valid_data):
    client.raise_request_exception = False
    data = valid_data()

    with mock.patch.object(Notification.objects, "bulk_create", side_effect=RuntimeError("disk full")):
        failed = client.post(URL, data)

    assert failed.status_code == 500
    assert clinic.phone in failed.content.decode()
    assert not ConsultationRequest.objects.exists()
    assert client.post(URL, data).status_code == 303
    assert ConsultationRequest.objects.count() == 1
    assert Notification.objects.count() == 2


@pytest.mark.django_db
def test_an_oversized_body_gets_a_400(client, clinic, valid_data):
    response = client.post(URL, valid_data(message="x" * 2_000_000))

    assert response.status_code == 400
    assert not ConsultationRequest.objects.exists()


@pytest.mark.django_db
def test_too_many_fields_get_a_400(client, clinic, valid_data):
    data = valid_data()
    data.update({f"extra{n}": "x" for n in range(500)})

    assert client.post(URL, data).status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"full_name": "Ana"}', "application/json"),
        (b"<request><name>Ana</name></request>", "text/xml"),
        (b"full_name=An\xff\xfea&message=\xc3\x28&email=a%00b%40x.org", "application/x-www-form-urlencoded"),
        (b"--broken\r\nContent-Disposition: form-data; name=\x00\r\n", "multipart/form-data; boundary=broken"),
        (b"full_name=%00%00", "multipart/form-data"),
    ],
    ids=["json", "xml", "invalid-utf8-and-nul", "broken-multipart", "multipart-without-boundary"],
)
def test_odd_bodies_get_a_400_or_form_errors_never_a_500(client, clinic, body, content_type, caplog):
    caplog.set_level(logging.ERROR)
    client.raise_request_exception = False

    response = client.generic("POST", URL, body, content_type=content_type)

    assert response.status_code in (200, 400)
    assert not ConsultationRequest.objects.exists()
    assert "Internal Server Error" not in caplog.text


@pytest.mark.django_db
def test_invalid_utf8_and_nul_in_a_query_string_are_harmless(client, clinic):
    assert client.get("/education/search/?q=%ff%fe%00pain").status_code == 200
    assert client.get("/appointments/request/?article=guide%00%ff").status_code == 200


@pytest.mark.django_db
def test_a_valid_request_with_odd_but_legal_unicode_is_kept_exactly(client, clinic, valid_data):
    message = "Pain 😣 — ça fait mal — ألم — \u202eevil\u202c — 𝔘𝔫𝔦𝔠𝔬𝔡𝔢"

    assert client.post(URL, valid_data(message=message, form_token=form_token())).status_code == 303
    assert ConsultationRequest.objects.get().message == message
