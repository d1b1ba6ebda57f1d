"""Figures for the consultation request form: time to accept a request, and throughput.

Run with `make bench`. Part one posts requests through Django's full stack in this process
(SQLite, or PostgreSQL when DATABASE_URL says so). Part two starts two gunicorn app servers on
loopback against one throwaway PostgreSQL database (and Redis for the shared rate limit, when it
runs at 127.0.0.1:6379), and has 8 concurrent clients submit requests to both, some of them
twice (a double click), each patient from an address of their own; then it counts the rows:
none lost, none duplicated.
"""

import http.client
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import warnings
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
SINGLE_ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
CLIENTS = 8
REQUESTS_PER_CLIENT = int(os.environ.get("BENCH_REQUESTS_PER_CLIENT", "40"))
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/clinic")

sys.path.insert(0, str(PROJECT_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key-not-for-any-real-server-0123456789")
os.environ.update(
    {
        "DJANGO_DEBUG": "",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "APPOINTMENTS_MIN_FORM_SECONDS": "0",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }
)
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402

from appointments.models import ConsultationRequest  # noqa: E402
from appointments.requests.forms import FormToken  # noqa: E402
from tests.benchmarks.live_site import app_servers  # noqa: E402

FORM_URL = "/appointments/request/?article=why-pain-after-spinal-fusion"
PLAIN_STATIC = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def request_data(token):
    return {
        "full_name": "Bench Patient",
        "email": "bench@example.org",
        "phone": "(202) 555-0143",
        "preferred_contact": "email",
        "preferred_times": "any",
        "topic": "spinal-fusion",
        "had_spine_surgery": "no",
        "message": "Benchmark request. " * 20,
        "red_flags": ["none"],
        "consent": "on",
        "website": "",
        "form_token": token,
    }


def time_to_accept():
    client = Client()
    client.get(FORM_URL)
    timings = []
    for _ in range(SINGLE_ROUNDS):
        data = request_data(FormToken.issue())
        started = time.perf_counter()
        response = client.post(FORM_URL, data)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 303, response.status_code
    return timings


def submit_many(ports, client_number, results, lock):
    """One client: get the CSRF cookie, then submit requests to both servers, every fifth one twice."""
    connections_ = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for port in ports]
    connections_[0].request("GET", FORM_URL)
    response = connections_[0].getresponse()
    response.read()
    csrf = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie", "")).group(1)
    for number in range(REQUESTS_PER_CLIENT):
        conn = connections_[number % len(connections_)]
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
            "Referer": f"http://127.0.0.1:{ports[0]}{FORM_URL}",
            # The proxy in front would say who the patient is: one address per patient here.
            "X-Forwarded-For": f"203.0.113.{client_number}, 198.18.{client_number}.{number}",
        }
        token = FormToken.issue()
        body = urllib.parse.urlencode({**request_data(token), "csrfmiddlewaretoken": csrf}, doseq=True)
        for _ in range(2 if number % 5 == 0 else 1):
            conn.request("POST", FORM_URL, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            with lock:
                results.append((FormToken.read(token).submission_id, response.status))


def redis_url():
    import redis

    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).flushdb()
    except redis.RedisError:
        return ""
    return url


def concurrent_throughput(database_name, static_root):
    env = {
        **os.environ,
        "DATABASE_URL": POSTGRES_URL.rsplit("/", 1)[0] + f"/{database_name}",
        "DJANGO_STATIC_ROOT": static_root,
        "REDIS_URL": redis_url(),
        "DJANGO_TRUSTED_PROXY_HOPS": "1",
        "APPOINTMENTS_RATE_LIMIT": "5/10m",
    }
    with app_servers(env) as ports:
        results, lock = [], threading.Lock()
        clients = [
            threading.Thread(target=submit_many, args=(ports, number, results, lock)) for number in range(CLIENTS)
        ]
        started = time.perf_counter()
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        elapsed = time.perf_counter() - started
    return results, elapsed, bool(env["REDIS_URL"])


def main():
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("load_sample_content", verbosity=0)
        with override_settings(STORAGES=PLAIN_STATIC, APPOINTMENTS_RATE_LIMIT="0/1m"):  # one client, many posts
            timings = time_to_accept()
        print(f"Consultation request form on {connection.vendor}, {SINGLE_ROUNDS} requests in this process")
        print(f"  median time to accept a request: {statistics.median(timings):.2f} ms")
        print(f"  95th percentile:                 {sorted(timings)[int(len(timings) * 0.95) - 1]:.2f} ms")
        if connection.vendor != "postgresql":
            return
        ConsultationRequest.objects.all().delete()
        connection.close()
        with tempfile.TemporaryDirectory() as static_root:
            results, elapsed, with_redis = concurrent_throughput(connection.settings_dict["NAME"], static_root)
        accepted = [submission for submission, status in results if status == 303]
        unique_submissions = {submission for submission, _ in results}
        stored = list(ConsultationRequest.objects.values_list("submission_token", flat=True))
        lost = unique_submissions - set(stored)
        duplicated = len(stored) - len(set(stored))
        cache_note = "Redis for the rate limit" if with_redis else "no Redis (rate limit per process)"
        print(
            f"  {CLIENTS} concurrent clients against two gunicorn servers (2 workers each), PostgreSQL, {cache_note}:"
        )
        print(f"    posts: {len(results)} ({len(results) - len(unique_submissions)} of them repeats), {elapsed:.2f} s")
        print(f"    posts answered with the confirmation, per second: {len(accepted) / elapsed:.0f}")
        print(f"    rows stored: {len(stored)}; lost: {len(lost)}; duplicated: {duplicated}")
        if not results or lost or duplicated or len(stored) != len(unique_submissions):
            raise SystemExit("Lost or duplicated consultation requests!")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
