"""Soak of the outbox and the worker (make bench, PostgreSQL): nothing lost, nothing stale, nobody down.

Two `run_worker` processes reach PostgreSQL through a TCP proxy on loopback. While at least 500
emails are queued (offers, bookings, cancellations, moves, reminders), the SMTP sink is down for
the first minute, the database is cut twice (refused, open connections reset) and stalled once
(accepted, nothing answers). Then: every email owed is delivered, none twice by Message-ID, no
delivered calendar file contradicts its appointment's final state, and both workers are alive.

DATABASE_URL must name PostgreSQL; the soak builds its own database (SOAK_DATABASE, default
clinic_soak) and needs nothing beyond loopback.
"""

import email
import email.policy
import os
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.live_site import PROJECT_DIR, SECRET, free_port, manage
from tests.tcp_proxy import TcpProxy

EMAILS = 500
SMTP_DOWN_SECONDS = 60
DEADLINE_SECONDS = 15 * 60


class SinkHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP: keeps every message it accepts."""

    received = []

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 sink.example ESMTP")
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 sink.example")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                self.reply("250 OK")
            elif command == "DATA":
                self.reply("354 go ahead")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                SinkHandler.received.append(b"".join(data))
                self.reply("250 queued")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class Sink(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def soak_database(url):
    import psycopg2

    name = os.environ.get("SOAK_DATABASE", "clinic_soak")
    parts = urllib.parse.urlparse(url)
    admin = psycopg2.connect(
        dbname="postgres", user=parts.username, password=parts.password, host=parts.hostname, port=parts.port
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {name}")
    admin.close()
    soak = parts._replace(path=f"/{name}")
    return soak.geturl(), soak


def start_worker(env, logfile):
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker"], cwd=PROJECT_DIR, env=env, stdout=logfile, stderr=logfile
    )


def queue_emails(target, staff):
    """Offers and bookings: a quarter cancelled, a quarter moved, a quarter reminded (half of those then
    cancelled, the issue's case), the rest left booked. Written straight to the database, not through the proxy."""
    from django.utils import timezone

    from appointments import booking
    from appointments.models import Appointment
    from clinic.models import OutboxEmail
    from tests.factories import make_consultation

    patient, to_remind, reminders = 0, [], 0
    while OutboxEmail.objects.count() < target:
        patient += 1
        consultation = make_consultation(email=f"patient{patient}@example.org")
        slots = booking.offerable_slots(urgent=False, limit=2)
        offer = booking.offer_times(consultation, by=staff, slots=slots)
        appointment = booking.book(offer, slots[0])
        if patient % 4 == 1:
            booking.cancel(appointment)
        elif patient % 4 == 2:
            booking.move(appointment, booking.offerable_slots(urgent=False, limit=1)[0], by=staff)
        elif patient % 4 == 3:  # the reminder is owed now
            Appointment.objects.filter(pk=appointment.pk).update(remind_at=timezone.now())
            to_remind.append(appointment)
        if patient % 4 == 0 and to_remind:
            reminders += booking.send_due_reminders()
            for cancelled in to_remind[::2]:
                booking.cancel(cancelled)  # after the reminder was queued
            to_remind = []
    return patient, reminders


def contradictions(messages):
    """Delivered calendar files that do not match their appointment's final state."""
    from icalendar import Calendar

    from appointments.models import Appointment

    wrong = []
    for message in messages:
        for part in message.iter_attachments():
            if part.get_content_type() != "text/calendar":
                continue
            event = Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
            pk = int(str(event["uid"]).split("@")[0].removeprefix("appointment-"))
            appointment = Appointment.objects.get(pk=pk)
            cancelled = appointment.status == Appointment.Status.CANCELLED
            calendar_cancelled = str(Calendar.from_ical(part.get_content())["method"]) == "CANCEL"
            if cancelled != calendar_cancelled or event["dtstart"].dt != appointment.starts_at:
                wrong.append((message["Subject"], pk))
    return wrong


def main():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        print("Outbox soak: skipped (needs DATABASE_URL=postgres://…).")
        return
    database_url, parts = soak_database(url)
    smtp_port = free_port()
    with tempfile.TemporaryDirectory() as workdir, TcpProxy(parts.hostname, parts.port or 5432) as proxy:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DATABASE_URL": database_url,
            "DJANGO_SECRET_KEY": SECRET,
            "DJANGO_DEBUG": "",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DJANGO_SITE_URL": "https://clinic.example",
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "DJANGO_EMAIL_HOST": "127.0.0.1",
            "DJANGO_EMAIL_PORT": str(smtp_port),
            "DJANGO_EMAIL_TIMEOUT": "5",
        }
        manage(env, "migrate", "--no-input", "-v0")
        worker_env = {
            **env,
            "DATABASE_URL": parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}").geturl(),
            "DJANGO_WORKER_POLL_SECONDS": "0.2",
            "DJANGO_WORKER_JOB_TIMEOUT_SECONDS": "3",
            "DJANGO_DB_CONNECT_TIMEOUT": "2",
            "DJANGO_OUTBOX_STALE_CLAIM_SECONDS": "60",
        }
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
        import django

        django.setup()
        from django.contrib.auth import get_user_model

        from clinic.models import OutboxEmail
        from tests.factories import make_clinic, make_clinician

        make_clinic(observe_federal_holidays=False)
        make_clinician(weekdays=range(7), blocks=((0, 23),))
        staff = get_user_model().objects.create_user("soak", is_staff=True, is_superuser=True)

        logs = [open(Path(workdir) / f"worker-{n}.log", "w+") for n in range(2)]  # noqa: SIM115
        workers = [start_worker(worker_env, log) for log in logs]
        started = time.monotonic()

        def outages():
            """Cut at 15 s (5 s), stall at 35 s (8 s), cut again at 75 s (5 s): the last while SMTP is back."""
            for at, action, seconds in [(15, proxy.refuse, 5), (35, proxy.stall, 8), (75, proxy.refuse, 5)]:
                time.sleep(max(0, started + at - time.monotonic()))
                action()
                time.sleep(seconds)
                proxy.forward()

        outage_thread = threading.Thread(target=outages)
        outage_thread.start()
        patients, reminded = queue_emails(EMAILS, staff)
        queued_in = time.monotonic() - started

        time.sleep(max(0, started + SMTP_DOWN_SECONDS - time.monotonic()))
        sink = Sink(("127.0.0.1", smtp_port), SinkHandler)
        threading.Thread(target=sink.serve_forever, daemon=True).start()
        smtp_back = time.monotonic()
        outage_thread.join()

        owed = OutboxEmail.objects.exclude(status__in=[OutboxEmail.Status.SENT, OutboxEmail.Status.DROPPED])
        while owed.exists() and time.monotonic() - started < DEADLINE_SECONDS:
            time.sleep(1)
        drained = time.monotonic() - smtp_back
        alive = [worker.poll() is None for worker in workers]
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)
        sink.shutdown()

        messages = [email.message_from_bytes(raw, policy=email.policy.default) for raw in SinkHandler.received]
        ids = Counter(message["Message-ID"] for message in messages)
        sent = set(OutboxEmail.objects.filter(status=OutboxEmail.Status.SENT).values_list("message_id", flat=True))
        statuses = Counter(OutboxEmail.objects.values_list("status", flat=True))
        reasons = Counter(OutboxEmail.objects.filter(status="dropped").values_list("last_error", flat=True))
        wrong = contradictions(messages)
        log_text = ""
        for log in logs:
            log.seek(0)
            log_text += log.read()
        for log in logs:
            log.close()

    print(f"Outbox soak (PostgreSQL, 2 workers through a TCP proxy; {patients} patients):")
    print(f"  emails queued: {sum(statuses.values())} in {queued_in:.1f} s ({reminded} of them reminders)")
    print(f"  outcome: {dict(statuses)}")
    for reason, count in reasons.items():
        print(f"    dropped, {count}x: {reason}")
    print(f"  SMTP down {SMTP_DOWN_SECONDS} s; database cut twice (5 s), stalled once (8 s)")
    print(f"  all owed emails delivered {drained:.1f} s after SMTP came back")
    print(
        f"  sink received {len(messages)} messages, {len(ids)} distinct Message-IDs; "
        f"copies of one Message-ID: {sum(n - 1 for n in ids.values())} (a mail client keeps one)"
    )
    print(
        f"  worker log: 'lost the database' {log_text.count('lost the database')}x, "
        f"'waiting for the database' {log_text.count('waiting for the database')}x, "
        f"watchdog cuts {log_text.count('connection was cut')}x"
    )
    print(f"  delivered calendar files contradicting the final appointment: {len(wrong)}")
    print(f"  workers alive at the end: {sum(alive)} of 2")
    assert set(ids) == sent, "every email sent was received, and nothing else"
    assert statuses.keys() <= {"sent", "dropped"}, "every email delivered or dropped as no longer true"
    assert not wrong and all(alive)


if __name__ == "__main__":
    main()
