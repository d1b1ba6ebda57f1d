"""Two app servers, one PostgreSQL, one Redis: nothing lost, nothing doubled, one rate limit.

Runs when the suite runs on PostgreSQL with Redis at 127.0.0.1:6379 (.ci/run makes sure of both).
All traffic stays on loopback; the run is bounded in requests and time.
"""

import html
import http.client
import os
import re
import subprocess
import sys
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from appointments.models import ConsultationRequest
from tests.benchmarks.live_site import free_port, wait_until_up
from tests.factories import make_clinic, make_topic

PROJECT_DIR = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
FORM = "/appointments/request/"
REQUESTS = 200


def redis_available():
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: DATABASE_URL=postgres://…"),
    pytest.mark.skipif(not redis_available(), reason=f"needs Redis at {REDIS_URL}"),
]


@pytest.fixture
def two_servers(tmp_path):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/"
        f"{database['NAME']}",
        "REDIS_URL": REDIS_URL,
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_DEBUG": "",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DJANGO_TRUSTED_PROXY_HOPS": "1",
        "APPOINTMENTS_MIN_FORM_SECONDS": "0",
        "APPOINTMENTS_RATE_LIMIT": "5/10m",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=PROJECT_DIR, env=env, check=True
    )
    ports = [free_port(), free_port()]
    logs = [(tmp_path / f"server-{port}.log").open("w") for port in ports]
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "clinic.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for port, log in zip(ports, logs, strict=True)
    ]
    try:
        for port in ports:
            wait_until_up(port)
        yield ports
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
        for log in logs:
            log.close()


def csrf_cookie(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", FORM, headers={"Host": "127.0.0.1"})
    response = conn.getresponse()
    response.read()
    return response.getheader("Set-Cookie").split("csrftoken=")[1].split(";")[0]


def server_form_token(port):
    """A token issued by the server itself: its clock, not this process's (CI runs the suite years ahead)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", FORM, headers={"Host": "127.0.0.1"})
    page = conn.getresponse().read().decode()
    return html.unescape(re.search(r'name="form_token" value="([^"]+)"', page).group(1))


def post(port, csrf, client_address, number):
    body = urllib.parse.urlencode(
        {
            "full_name": f"Load Patient {number}",
            "email": f"load{number}@example.org",
            "phone": "",
            "preferred_contact": "email",
            "preferred_times": "any",
            "topic": "spinal-fusion",
            "had_spine_surgery": "no",
            "message": "Two-server test.",
            "red_flags": "none",
            "consent": "on",
            "form_token": server_form_token(port),
            "csrfmiddlewaretoken": csrf,
        }
    )
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST",
        FORM,
        body=body,
        headers={
            "Host": "127.0.0.1",
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
            "Referer": f"http://127.0.0.1:{port}{FORM}",
            "X-Forwarded-For": client_address,
        },
    )
    response = conn.getresponse()
    response.read()
    return response.status


def test_two_servers_store_every_request_once_and_share_the_rate_limit(two_servers):
    make_clinic()
    make_topic(name="Spinal fusion", slug="spinal-fusion")
    csrf = csrf_cookie(two_servers[0])

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(
            pool.map(
                lambda n: post(two_servers[n % 2], csrf, f"203.0.113.{n}", n),  # 200 patients, 200 addresses
                range(REQUESTS),
            )
        )

    assert statuses == [303] * REQUESTS
    references = list(ConsultationRequest.objects.values_list("reference", flat=True))
    assert len(references) == REQUESTS
    assert len(set(references)) == REQUESTS

    # One client address, alternating between the servers: the sixth request is refused.
    same_client = [post(two_servers[n % 2], csrf, "198.51.100.77", 1000 + n) for n in range(6)]
    assert same_client == [303] * 5 + [429]
    assert ConsultationRequest.objects.count() == REQUESTS + 5
