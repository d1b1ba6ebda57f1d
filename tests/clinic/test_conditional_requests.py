"""HTTP caches and crawlers: HEAD answers carry the ETag, 304 answers carry no Content-Length.

Checked with Django's test client, through the dev server (live_server) and through gunicorn,
the server production runs, reading the raw answers with http.client.
"""

import contextlib
import http.client
import os
import urllib.parse

import pytest
from django.conf import settings

from tests.factories import make_article

PAGES = ["/", "/education/", "article", "/robots.txt", "/.well-known/security.txt"]


@pytest.fixture
def pages(clinic):
    article = make_article()
    return [article.get_absolute_url() if path == "article" else path for path in PAGES]


def raw(base_url, method, path, **headers):
    """(status, headers as a dict with lower-case names, body) of one request on a fresh connection."""
    parts = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        return response.status, {name.lower(): value for name, value in response.getheaders()}, body
    finally:
        connection.close()


def test_a_304_has_no_content_length(client, pages):
    for path in pages:
        first = client.get(path)
        assert first.status_code == 200 and first.has_header("ETag"), path

        again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])

        assert again.status_code == 304, path
        assert not again.has_header("Content-Length"), path
        assert again["ETag"] == first["ETag"]


def test_a_head_answer_carries_the_etag_of_the_get_and_no_body(client, pages):
    for path in pages:
        get = client.get(path)

        head = client.head(path)

        assert head.status_code == 200
        assert head["ETag"] == get["ETag"], path
        assert head.content == b""
        assert client.head(path, HTTP_IF_NONE_MATCH=get["ETag"]).status_code == 304


def test_answers_that_must_not_be_stored_get_no_etag(client, db):
    assert not client.head("/healthz/").has_header("ETag")


@pytest.mark.django_db(transaction=True)
def test_through_the_dev_server_head_carries_the_etag_and_no_body(live_server, clinic):
    article = make_article()
    for path in ["/", article.get_absolute_url(), "/.well-known/security.txt"]:
        status, get_headers, body = raw(live_server.url, "GET", path)
        assert status == 200 and body

        status, headers, body = raw(live_server.url, "HEAD", path)

        assert status == 200
        assert headers["etag"] == get_headers["etag"]
        assert body == b""


@contextlib.contextmanager
def gunicorn_without_database(tmp_path):
    from tests.benchmarks.live_site import gunicorn

    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/unused.sqlite3",  # these answers never touch it
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_DEBUG": "",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    with gunicorn(env, workers=1) as base_url:
        yield base_url


def test_through_gunicorn_304_has_no_content_length_and_head_has_the_etag(tmp_path):
    with gunicorn_without_database(tmp_path) as base_url:
        for path in ["/.well-known/security.txt", "/robots.txt"]:
            status, headers, body = raw(base_url, "GET", path)
            assert status == 200 and body and headers["etag"]

            not_modified = raw(base_url, "GET", path, **{"If-None-Match": headers["etag"]})
            head = raw(base_url, "HEAD", path)

            assert not_modified[0] == 304
            assert "content-length" not in not_modified[1]
            assert "transfer-encoding" not in not_modified[1]
            assert not_modified[2] == b""
            assert head[0] == 200 and head[1]["etag"] == headers["etag"] and head[2] == b""
            assert head[1].get("content-length") in (None, str(len(body)))
