"""The worker stays up: a database that refuses, drops or stalls costs time, never the worker.

A real `manage.py run_worker` process talks to PostgreSQL through a TCP proxy on loopback that the
test cuts (refused, open connections reset) and stalls (accepted, nothing answers).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from appointments.models import Notification
from appointments.requests.notifications import queue_notification
from clinic.models import OutboxEmail
from tests.factories import make_consultation
from tests.tcp_proxy import TcpProxy

PROJECT_DIR = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: DATABASE_URL=postgres://…"),
]


@pytest.fixture
def proxy():
    database = connection.settings_dict
    with TcpProxy(database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432)) as proxy:
        yield proxy


@pytest.fixture
def start_worker(proxy, tmp_path):
    """Start run_worker against the proxy; it writes each email it sends as a file in tmp_path/mail."""
    processes = []
    database = connection.settings_dict

    def start():
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
        env.update(
            DATABASE_URL=f"postgres://{database['USER']}@127.0.0.1:{proxy.port}/{database['NAME']}",
            DJANGO_SECRET_KEY=settings.SECRET_KEY,
            DJANGO_DEBUG="1",
            DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            DJANGO_EMAIL_FILE_PATH=str(tmp_path / "mail"),
            DJANGO_WORKER_POLL_SECONDS="0.2",
            DJANGO_WORKER_JOB_TIMEOUT_SECONDS="3",
            DJANGO_DB_CONNECT_TIMEOUT="2",
            DJANGO_LOG_LEVEL="WARNING",
        )
        log = open(tmp_path / f"worker-{len(processes)}.log", "w")  # noqa: SIM115  (closed with the process)
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker"], cwd=PROJECT_DIR, env=env, stdout=log, stderr=log
        )
        processes.append((process, log))
        return process

    yield start
    for process, log in processes:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def queue_one():
    notification = queue_notification(make_consultation(), Notification.Kind.TRIAGE)
    return OutboxEmail.objects.get(pk=notification.email_id)


def wait_until_sent(email, process, deadline_seconds=90):
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        email.refresh_from_db()
        if email.status == OutboxEmail.Status.SENT:
            return True
        assert process.poll() is None, "the worker died"
        time.sleep(0.3)
    return False


def pause(seconds, process):
    """Let the worker meet the outage for a while; it must still be running afterwards."""
    time.sleep(seconds)
    assert process.poll() is None, "the worker died"


def test_a_worker_started_while_the_database_refuses_waits_for_it(proxy, start_worker, tmp_path):
    proxy.refuse()
    worker = start_worker()
    pause(4, worker)  # before: it exited in 0.6 s

    proxy.forward()
    email = queue_one()
    assert wait_until_sent(email, worker)
    assert email.message_id in "".join(p.read_text() for p in (tmp_path / "mail").iterdir())


def test_a_worker_rides_out_a_lost_database(proxy, start_worker, tmp_path):
    worker = start_worker()
    assert wait_until_sent(queue_one(), worker)

    proxy.refuse()  # open connections reset, new ones refused
    email = queue_one()
    pause(4, worker)
    proxy.forward()

    assert wait_until_sent(email, worker)
    log = (tmp_path / "worker-0.log").read_text()
    assert "Worker lost the database (OperationalError)" in log or "waiting for the database" in log


def test_a_stalled_database_cannot_hold_the_worker_past_its_job_timeout(proxy, start_worker, tmp_path):
    worker = start_worker()
    assert wait_until_sent(queue_one(), worker)

    proxy.stall()  # connections open, nothing answers
    email = queue_one()
    pause(8, worker)  # more than the 3 s job timeout
    proxy.forward()

    assert wait_until_sent(email, worker)
    assert "connection was cut" in (tmp_path / "worker-0.log").read_text()
