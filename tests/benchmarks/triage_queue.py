"""Figures for the triage desk: the queue with 100,000 requests (median time, queries at 1,000 and at
100,000 rows), the cost of the access record per page view, and the memory of a 10,000-row export.

Run with `make bench` (SQLite, or PostgreSQL when DATABASE_URL says so; the goal, a median under
250 ms, is for PostgreSQL). BENCH_QUEUE_REQUESTS sets the number of requests.
"""

import datetime
import os
import statistics
import sys
import time
import tracemalloc
import uuid
import warnings
from pathlib import Path

REQUESTS = int(os.environ.get("BENCH_QUEUE_REQUESTS", "100000"))
FEW = 1000
EXPORT_ROWS = 10_000
ROUNDS = int(os.environ.get("BENCH_QUEUE_ROUNDS", "30"))

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key-not-for-any-real-server-0123456789")
os.environ.update({"DJANGO_DEBUG": "", "DJANGO_SECURE_SSL_REDIRECT": "false", "DJANGO_LOG_LEVEL": "WARNING"})
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, Permission, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from appointments.models import ConsultationRequest  # noqa: E402
from appointments.requests.access_log import AccessRecord, record_access  # noqa: E402
from clinic.roles import TRIAGE_STAFF  # noqa: E402
from education.models import Article, Topic  # noqa: E402

QUEUE = "/admin/appointments/consultationrequest/"


def make_nurse():
    nurse = User.objects.create_user("bench-nurse", password="x" * 16, is_staff=True)
    nurse.groups.add(Group.objects.get(name=TRIAGE_STAFF))
    nurse.user_permissions.add(Permission.objects.get(codename="export_consultationrequest"))
    return nurse


def fill_queue(nurse, start, stop):
    topics, articles = list(Topic.objects.all()), list(Article.objects.all())
    now = timezone.now()
    statuses = list(ConsultationRequest.Status.values)
    ConsultationRequest.objects.bulk_create(
        ConsultationRequest(
            reference=f"BR-{number:07d}",  # drawn references would collide among 100,000
            submission_token=uuid.uuid4(),
            full_name=f"Patient {number}",
            email=f"patient{number}@example.org",
            phone=f"+1202555{number % 10000:04d}",
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
        for number in range(start, stop)
    )


def queue_queries(client):
    with CaptureQueriesContext(connection) as queries:
        client.get(QUEUE, {"overdue": "yes", "priority__exact": "urgent"})
    return len(queries)


def access_record_cost(client, nurse):
    """Median time of the one INSERT, and the INSERTs one request page costs."""
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1")
    request.user = nurse
    references = list(ConsultationRequest.objects.values_list("reference", flat=True)[:50])
    one, fifty = [], []
    for _ in range(200):
        started = time.perf_counter()
        record_access(request, AccessRecord.Kind.VIEW, references[:1])
        one.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        record_access(request, AccessRecord.Kind.LIST, references)
        fifty.append((time.perf_counter() - started) * 1000)
    consultation = ConsultationRequest.objects.first()
    with CaptureQueriesContext(connection) as queries:
        client.get(consultation.get_admin_url())
    inserts = sum(query["sql"].lstrip().upper().startswith("INSERT") for query in queries.captured_queries)
    return statistics.median(one), statistics.median(fifty), inserts


def export_memory(nurse, action):
    """Peak Python memory while the admin action exports EXPORT_ROWS requests and the file is read."""
    from django.contrib import admin

    model_admin = admin.site._registry[ConsultationRequest]
    request = RequestFactory().post(QUEUE, REMOTE_ADDR="192.0.2.1")
    request.user = nurse
    selected = ConsultationRequest.objects.filter(
        pk__in=ConsultationRequest.objects.order_by("pk").values("pk")[:EXPORT_ROWS]
    )
    tracemalloc.start()
    started = time.perf_counter()
    response = getattr(model_admin, action)(request, selected)
    size = sum(len(chunk) for chunk in response.streaming_content)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return selected.count(), size, peak, elapsed


def main():
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("load_sample_content", verbosity=0)
        nurse = make_nurse()
        client = Client()
        client.force_login(nurse)
        static = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        with override_settings(STORAGES=static):
            fill_queue(nurse, 0, FEW)
            client.get(QUEUE)
            few_queries = queue_queries(client)
            for start in range(FEW, REQUESTS, 20_000):
                fill_queue(nurse, start, min(start + 20_000, REQUESTS))
            for _ in range(3):
                client.get(QUEUE)
            timings = []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                response = client.get(QUEUE)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            many_queries = queue_queries(client)
            one, fifty, inserts = access_record_cost(client, nurse)
            csv_export = export_memory(nurse, "export_csv")
            xlsx_export = export_memory(nurse, "export_xlsx")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"Triage queue {QUEUE} on {connection.vendor} with {REQUESTS:,} requests, {ROUNDS} loads")
    print(f"  median time: {statistics.median(timings):.1f} ms (slowest {max(timings):.1f} ms)")
    print(
        f"  queries:     {few_queries} with {FEW:,} requests, {many_queries} with {REQUESTS:,} "
        "(overdue and priority filters on; each listing includes its one access-record INSERT)"
    )
    print(
        f"Access record: {one:.2f} ms median for one reference, {fifty:.2f} ms for a page of 50; "
        f"{inserts} INSERT per request page view"
    )
    for name, (rows, size, peak, elapsed) in [("CSV", csv_export), ("XLSX", xlsx_export)]:
        print(
            f"{name} export of {rows:,} requests: {size / 1e6:.1f} MB in {elapsed:.1f} s, "
            f"peak Python memory {peak / 1e6:.1f} MB (tracemalloc)"
        )


if __name__ == "__main__":
    main()
