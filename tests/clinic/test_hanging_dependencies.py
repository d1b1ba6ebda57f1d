"""Dependencies that hang instead of refusing: the site answers anyway, and quickly."""

import http.client
import logging
import os
import subprocess
import sys

import pytest

from clinic.cache import breaker
from tests.benchmarks.live_site import PROJECT_DIR, SECRET, gunicorn
from tests.hanging import hanging_server, refused_port

CLINIC_PHONE = "(555) 010-0199"


def get(base_url, path, timeout=15):
    """GET with a client timeout well above the 5 s promise: a hung server fails the test."""
    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, response.read().decode()


@pytest.fixture(scope="module")
def production_env(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("hanging")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env.update(
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_STATIC_ROOT=str(workdir / "static"),
        DJANGO_CLINIC_CONTACT_FILE=str(workdir / "nothing-here.json"),
        DJANGO_LOG_LEVEL="ERROR",
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=PROJECT_DIR, env=env, check=True
    )
    return env


def test_a_new_server_with_a_hanging_database_answers_503_with_the_clinics_phone(production_env):
    with hanging_server() as database:
        env = {
            **production_env,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{database.port}/clinic",
            "DJANGO_CLINIC_PHONE": CLINIC_PHONE,
        }
        with gunicorn(env, workers=1, extra_args=("--timeout", "60")) as base_url:
            status, body = get(base_url, "/")
            assert status == 503
            assert CLINIC_PHONE in body and "911" in body
            status, body = get(base_url, "/appointments/request/")
            assert status == 503 and CLINIC_PHONE in body
            status, body = get(base_url, "/readyz/")
            assert status == 503 and '"database": "unavailable"' in body
            assert get(base_url, "/healthz/")[0] == 200
        assert database.accepted >= 1  # the server really tried the hanging database


@pytest.fixture
def redis_at(settings):
    def point(port):
        settings.CACHES = {
            "default": {
                "BACKEND": "clinic.cache.ResilientRedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
                "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
            }
        }
        settings.CACHE_RETRY_SECONDS = 600

    breaker.reset()
    yield point
    breaker.reset()


@pytest.mark.django_db
def test_a_hanging_redis_costs_one_timeout_then_the_site_skips_it(
    client, clinic, valid_data, redis_at, settings, caplog
):
    settings.APPOINTMENTS_RATE_LIMIT = "5/10m"
    with hanging_server() as redis_server:
        redis_at(redis_server.port)
        for _ in range(5):
            assert client.get("/").status_code == 200
        assert client.get("/education/").status_code == 200
        assert client.post("/appointments/request/", valid_data()).status_code == 303

        # One connection, one timeout: every later cache call was skipped without waiting.
        assert redis_server.accepted == 1
        assert "The cache did not answer (TimeoutError); skipping it for 600 s." in caplog.text

        ready = client.get("/readyz/")
        assert ready.status_code == 200
        assert ready.json() == {"status": "degraded", "database": "ok", "cache": "degraded"}
        assert redis_server.accepted == 1


@pytest.mark.django_db
def test_after_the_interval_the_cache_is_probed_again(client, clinic, redis_at, monkeypatch):
    with hanging_server() as redis_server:
        redis_at(redis_server.port)
        client.get("/")
        assert redis_server.accepted == 1 and breaker.is_open

        monkeypatch.setattr(breaker, "open_until", 0.0)  # the interval has passed
        client.get("/")
        assert redis_server.accepted == 2  # one probe, which timed out again
        assert breaker.is_open


@pytest.mark.django_db
def test_a_refused_redis_is_skipped_and_the_rate_limit_fails_open(
    client, clinic, valid_data, redis_at, settings, caplog
):
    caplog.set_level(logging.WARNING)
    settings.APPOINTMENTS_RATE_LIMIT = "1/10m"
    redis_at(refused_port())

    for _ in range(3):  # over the limit, but the limit cannot be counted: let the patient through
        assert client.post("/appointments/request/", valid_data(form_token=None) | _fresh_token()).status_code == 303
    assert client.get("/").status_code == 200
    assert client.get("/readyz/").json()["cache"] == "degraded"
    assert "Rate limit not applied" in caplog.text


def _fresh_token():
    from tests.factories import form_token

    return {"form_token": form_token()}


def test_readyz_says_the_cache_is_ok_when_it_answers(client, db):
    response = client.get("/readyz/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
