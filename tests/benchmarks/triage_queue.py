"""Figures for the triage queue in the admin with 3,000 requests: median time and queries.

Run with `make bench` (SQLite, or PostgreSQL when DATABASE_URL says so).
"""

import datetime
import os
import statistics
import sys
import time
import uuid
import warnings
from pathlib import Path

REQUESTS = 3000
ROUNDS = int(os.environ.get("BENCH_QUEUE_ROUNDS", "30"))

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key-not-for-any-real-server-0123456789")
os.environ.update({"DJANGO_DEBUG": "", "DJANGO_SECURE_SSL_REDIRECT": "false", "DJANGO_LOG_LEVEL": "WARNING"})
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from appointments.models import ConsultationRequest, new_reference  # noqa: E402
from clinic.roles import TRIAGE_STAFF  # noqa: E402
from education.models import Article, Topic  # noqa: E402

QUEUE = "/admin/appointments/consultationrequest/"


def fill_queue():
    topics, articles = list(Topic.objects.all()), list(Article.objects.all())
    nurse = User.objects.create_user("bench-nurse", password="x" * 16, is_staff=True)
    nurse.groups.add(Group.objects.get(name=TRIAGE_STAFF))
    now = timezone.now()
    statuses = list(ConsultationRequest.Status.values)
    ConsultationRequest.objects.bulk_create(
        ConsultationRequest(
            reference=new_reference(),
            submission_token=uuid.uuid4(),
            full_name=f"Patient {number}",
            email=f"patient{number}@example.org",
            preferred_contact="email",
            had_spine_surgery="no",
            message="Benchmark request.",
            topic=topics[number % len(topics)],
            article=articles[0],
            status=statuses[number % len(statuses)],
            outcome="booked" if statuses[number % len(statuses)] == "closed" else "",
            priority="urgent" if number % 9 == 0 else "normal",
            assigned_to=nurse if number % 3 == 0 else None,
            created_at=now - datetime.timedelta(minutes=7 * number),
        )
        for number in range(REQUESTS)
    )
    return nurse


def main():
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("load_sample_content", verbosity=0)
        nurse = fill_queue()
        client = Client()
        client.force_login(nurse)
        static = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        with override_settings(STORAGES=static):
            for _ in range(3):
                client.get(QUEUE)
            timings = []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                response = client.get(QUEUE)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            with CaptureQueriesContext(connection) as queries:
                client.get(QUEUE, {"overdue": "yes", "priority__exact": "urgent"})
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"Triage queue {QUEUE} on {connection.vendor} with {REQUESTS:,} requests, {ROUNDS} loads")
    print(f"  median time: {statistics.median(timings):.1f} ms (slowest {max(timings):.1f} ms)")
    print(f"  queries:     {len(queries)} (with the overdue and priority filters on)")


if __name__ == "__main__":
    main()
