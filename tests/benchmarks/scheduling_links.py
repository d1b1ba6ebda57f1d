"""Figures for SMART Scheduling Links: the bulk files for 5 clinicians over four weeks.

Run with `make bench`. Builds a production-mode site (gunicorn, 2 workers, on loopback) with the
sample content and 5 clinicians (Monday to Friday, 9:00-12:00 and 13:00-17:00, every fourth time
booked), has the worker's command publish the files, then asks for the manifest and each NDJSON
file REQUESTS times one after another (median latency) and from 8 threads at once (throughput),
and the same for /healthz/ in the same run, the floor of a Django answer. Also the time the worker
takes to build the files. The cache is Redis when BENCH_REDIS_URL (default redis://127.0.0.1:6379/14)
answers, as in production; otherwise each gunicorn process's own memory, warmed first.
"""

import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.live_site import SECRET, bench_database_url, gunicorn, manage

PROJECT_DIR = Path(__file__).resolve().parents[2]
REQUESTS = int(os.environ.get("BENCH_SCHEDULING_REQUESTS", "300"))
THREADS = 8
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
PATHS = {
    "/healthz/": "/healthz/",
    "manifest": "/fhir/$bulk-publish",
    "Location": "/fhir/Location.ndjson",
    "Schedule": "/fhir/Schedule.ndjson",
    "Slot": "/fhir/Slot.ndjson",
}

SETUP = """
import django, time
django.setup()
from datetime import timedelta
from django.utils import timezone
from appointments import booking
from appointments.models import Appointment, Clinician
from appointments.booking.scheduling_links import publish
from tests.factories import make_clinician, make_consultation
Clinician.objects.all().delete()
today = timezone.localdate()
for n in range(5):
    clinician = make_clinician(name=f"Dr. Bench {n}", blocks=((9, 12), (13, 17)))
    for start in booking.free_slots(clinician, today, today + timedelta(days=27))[::4]:
        Appointment.objects.create(clinician=clinician, consultation=make_consultation(),
                                   starts_at=start, ends_at=start + clinician.length)
timings = []
for _ in range(5):
    started = time.perf_counter()
    files = publish()
    timings.append((time.perf_counter() - started) * 1000)
print(sorted(timings)[2], files["Slot"][0].count(b"\\n"), sum(len(body) for body, _ in files.values()))
"""


def redis_answers(url):
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        client.flushdb()
        return True
    except Exception:
        return False


def get(port, path):
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"{path}: {response.status}")
    return (time.perf_counter() - started) * 1000, len(body)


def measure(port, path):
    for _ in range(10):  # warm up: every gunicorn worker has read (or built) the files
        get(port, path)
    latencies = [get(port, path)[0] for _ in range(REQUESTS)]
    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        sizes = list(pool.map(lambda _: get(port, path)[1], range(REQUESTS)))
    throughput = REQUESTS / (time.perf_counter() - started)
    return {
        "median": statistics.median(latencies),
        "p95": sorted(latencies)[int(REQUESTS * 0.95)],
        "rps": throughput,
        "bytes": sizes[0],
    }


def main():
    with tempfile.TemporaryDirectory() as workdir:
        database_url, vendor = bench_database_url(workdir)
        cache = "Redis" if redis_answers(REDIS_URL) else "per-process memory"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SECRET_KEY": SECRET,
            "DJANGO_DEBUG": "",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_STATIC_ROOT": f"{workdir}/static",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            **({"REDIS_URL": REDIS_URL} if cache == "Redis" else {}),
        }
        manage(env, "migrate", "--no-input", "-v0")
        manage(env, "load_sample_content", "-v0")
        built = subprocess.run(
            [sys.executable, "-c", SETUP], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=True
        ).stdout.split()
        build_ms, slots, total_bytes = float(built[-3]), int(built[-2]), int(built[-1])
        with gunicorn(env, workers=2) as base_url:
            port = int(base_url.rsplit(":", 1)[1])
            figures = {name: measure(port, path) for name, path in PATHS.items()}
    floor = figures["/healthz/"]
    print(f"SMART Scheduling Links on {vendor}, cache: {cache}; gunicorn 2 workers, loopback")
    print(f"  5 clinicians, four weeks, every fourth time booked: {slots} free slots, {total_bytes:,} bytes in all")
    print(f"  the worker builds the files in {build_ms:.0f} ms (median of 5)")
    print(f"  {'':10} {'median':>9} {'p95':>9} {'x healthz':>10} {'req/s':>8} {'of healthz':>11} {'bytes':>9}")
    for name, figure in figures.items():
        print(
            f"  {name:10} {figure['median']:7.2f}ms {figure['p95']:7.2f}ms {figure['median'] / floor['median']:9.2f}x "
            f"{figure['rps']:8.0f} {figure['rps'] / floor['rps']:10.0%} {figure['bytes']:9,}"
        )
    slowest = max(figures[name]["median"] for name in PATHS if name != "/healthz/")
    print(f"  slowest file median: {slowest:.2f} ms (goal: under 50 ms)")


if __name__ == "__main__":
    main()
