"""Figures for booking: free times for 5 clinicians over 8 weeks, and 50 patients choosing one time at once.

Run with `make bench`. Part one works out free times in this process (SQLite, or PostgreSQL when
DATABASE_URL says so), with a third of the times already booked. Part two (PostgreSQL only) offers
the same time to 50 patients, starts two gunicorn app servers on loopback against one throwaway
database, and has all 50 press "Book" at the same moment: it counts who booked, who was told the
time was just taken, and errors (the goal: 1, 49, 0), then checks the database holds one appointment.
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
from datetime import timedelta
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
CLINICIANS = 5
WEEKS = 8
ROUNDS = int(os.environ.get("BENCH_BOOKING_ROUNDS", "30"))
PATIENTS = 50

sys.path.insert(0, str(PROJECT_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key-not-for-any-real-server-0123456789")
os.environ.update(
    {
        "DJANGO_DEBUG": "",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }
)
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from appointments import booking  # noqa: E402
from appointments.models import Appointment, Clinician  # noqa: E402
from tests.benchmarks.live_site import app_servers  # noqa: E402
from tests.factories import make_clinician, make_consultation  # noqa: E402


def time_free_slots():
    clinicians = [make_clinician(name=f"Dr. Bench {n}", blocks=((9, 12), (13, 17))) for n in range(CLINICIANS)]
    today = timezone.localdate()
    end = today + timedelta(weeks=WEEKS)
    for clinician in clinicians:  # a third of the times already booked
        for start in booking.free_slots(clinician, today, end)[::3]:
            Appointment.objects.create(
                clinician=clinician,
                consultation=make_consultation(),
                starts_at=start,
                ends_at=start + clinician.length,
            )
    timings, found = [], 0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        found = sum(len(booking.free_slots(clinician, today, end)) for clinician in clinicians)
        timings.append((time.perf_counter() - started) * 1000)
    Appointment.objects.all().delete()
    Clinician.objects.all().delete()
    return timings, found


def press_book(port, path, slot_key, barrier, results, lock):
    """One patient: open the link (CSRF cookie), wait for everyone, press Book."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        csrf = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie", "")).group(1)
        body = urllib.parse.urlencode({"slot": slot_key, "csrfmiddlewaretoken": csrf})
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}"}
        barrier.wait()
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        page = response.read().decode()
        if response.status == 303:
            outcome = "booked"
        elif response.status == 200 and "that time was just taken" in page:
            outcome = "taken"
        else:
            outcome = f"error {response.status}"
    except Exception as error:  # a refused or dropped connection is an error too
        outcome = f"error {type(error).__name__}"
    with lock:
        results.append(outcome)


def fifty_at_once(database_name, static_root):
    clinician = make_clinician(name="Dr. Bench", weekdays=range(7))
    slots = booking.offerable_slots(urgent=False, limit=3, clinicians=[clinician])
    offers = [booking.offer_times(make_consultation(), by=None, slots=slots) for _ in range(PATIENTS)]
    connection.close()
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    env = {**os.environ, "DATABASE_URL": f"{base}/{database_name}", "DJANGO_STATIC_ROOT": static_root}
    with app_servers(env) as ports:
        results, lock, barrier = [], threading.Lock(), threading.Barrier(PATIENTS)
        patients = [
            threading.Thread(
                target=press_book,
                args=(ports[n % 2], offer.get_absolute_url(), slots[0].key, barrier, results, lock),
            )
            for n, offer in enumerate(offers)
        ]
        started = time.perf_counter()
        for patient in patients:
            patient.start()
        for patient in patients:
            patient.join()
        elapsed = time.perf_counter() - started
    stored = Appointment.objects.filter(clinician=clinician, starts_at=slots[0].starts_at).count()
    return results, elapsed, stored


def main():
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("load_sample_content", verbosity=0)
        Clinician.objects.all().delete()
        timings, found = time_free_slots()
        print(f"Booking on {connection.vendor}")
        print(f"  free_slots for {CLINICIANS} clinicians over {WEEKS} weeks (a third booked, {found} free times):")
        print(f"    median {statistics.median(timings):.1f} ms, slowest {max(timings):.1f} ms ({ROUNDS} rounds)")
        if connection.vendor != "postgresql":
            print("  50 patients booking one time at once: needs PostgreSQL (DATABASE_URL=postgres://…)")
            return
        with tempfile.TemporaryDirectory() as static_root:
            results, elapsed, stored = fifty_at_once(connection.settings_dict["NAME"], static_root)
        errors = [outcome for outcome in results if outcome.startswith("error")]
        print(f"  {PATIENTS} patients press Book on one time at once, two gunicorn servers (2 workers each):")
        print(
            f"    booked: {results.count('booked')}; told it was just taken: {results.count('taken')}; "
            f"errors: {len(errors)} {sorted(set(errors)) or ''}; {elapsed:.2f} s"
        )
        print(f"    appointments stored for that time: {stored}")
        if stored != 1 or results.count("booked") != 1 or errors:
            raise SystemExit("Double booking or an error page!")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
