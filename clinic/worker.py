"""The background worker: runs queued tasks (Django's Tasks API) and the site's periodic jobs.

Queued work: any function decorated with `django_tasks.task` and enqueued after the commit (every
email goes this way, see `clinic.outbox`). The database backend (`django-tasks-db`) keeps the
queue in the site's own database, so several workers on several machines share it and a task
enqueued in a committed transaction is never lost.

Periodic jobs are management commands; each app registers its own in `AppConfig.ready()`::

    from datetime import timedelta
    from clinic.worker import periodic_command

    periodic_command("send_appointment_reminders", every=timedelta(minutes=5))

Every worker runs them, and cron may run them too, so a periodic command must be safe to run
twice at the same time (claim rows before acting on them, as the outbox does).

The worker stays up: it waits for the database at start, catches database errors in its loop
(logged by kind only), backs off and tries again; its PostgreSQL connections carry a statement
timeout and TCP keepalives, and a watchdog cuts the connection of a job that hangs longer than
`WORKER_JOB_TIMEOUT_SECONDS` on a database that stopped answering.
"""

import logging
import signal
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, InterfaceError, close_old_connections, connections
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from .watchdog import Watchdog

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (DatabaseError, InterfaceError)
LONGEST_BACKOFF_SECONDS = 30


@dataclass
class PeriodicCommand:
    name: str
    every: timedelta
    args: tuple = ()
    next_run: float = 0.0  # monotonic clock; 0 runs it at the worker's start


_periodic = {}


def periodic_command(name, *, every, args=()):
    """Register the management command `name` (with `args`) to run every `every` in each worker."""
    _periodic[name] = PeriodicCommand(name=name, every=every, args=tuple(args))


def periodic_commands():
    return list(_periodic.values())


def run_periodic_commands(*, due_only=True, now=None, watchdog=None):
    """Run the periodic commands that are due (all of them with due_only=False); return their names."""
    now = time.monotonic() if now is None else now
    ran = []
    for job in periodic_commands():
        if due_only and job.next_run > now:
            continue
        job.next_run = now + job.every.total_seconds()
        try:
            with watchdog.job() if watchdog else _nothing():
                call_command(job.name, *job.args, verbosity=0)
        except Exception as error:  # one failing job must not stop the worker or the others
            kind = type(error).__name__  # never the message: it may quote a patient's details
            logger.warning("Periodic command %s failed (%s); it runs again in %s.", job.name, kind, job.every)
        else:
            ran.append(job.name)
        finally:
            close_connections_between_jobs()
    return ran


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def close_connections_between_jobs():
    """Drop broken or expired database connections, as Django does between requests.

    Never inside a transaction (a caller's, or a test's): closing there would end it.
    """
    if not any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        close_old_connections()


def run_due_tasks(backend_name, worker_id, *, watchdog=None, should_stop=lambda: False):
    """Run every queued task that is due, one at a time, through django-tasks-db's public API.

    Each task is taken with `DBTaskResult.objects.ready().get_locked()` and `claim()` in one short
    transaction (so two workers never run the same task), then run by the library's own
    `Worker.run_task`, which records success or failure. Returns how many tasks ran.
    """
    runner = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=backend_name,
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    ran = 0
    while not should_stop():
        close_connections_between_jobs()
        with watchdog.job() if watchdog else _nothing():
            ready = DBTaskResult.objects.ready().filter(backend_name=backend_name)
            with exclusive_transaction(ready.db):
                result = ready.get_locked()
                if result is not None:
                    result.claim(worker_id)
            if result is None:
                return ran
            runner.run_task(result)
        ran += 1
    return ran


def configure_worker_connections():
    """A statement timeout and TCP keepalives on the worker's PostgreSQL connections (new ones)."""
    for conn in connections.all():
        if conn.vendor != "postgresql":
            continue
        options = conn.settings_dict.setdefault("OPTIONS", {})
        options.update({"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3})
        options["options"] = f"-c statement_timeout={settings.WORKER_STATEMENT_TIMEOUT_MS}"
        conn.close()


def wait_for_database(should_stop, *, sleep=time.sleep):
    """Block until the database answers (or the worker is told to stop); True once it does."""
    delay = 1
    while not should_stop():
        try:
            connections["default"].ensure_connection()
            return True
        except DATABASE_ERRORS as error:
            logger.warning("Worker waiting for the database (%s); trying again in %s s.", type(error).__name__, delay)
            _forget_connections()
            sleep(delay)
            delay = min(delay * 2, LONGEST_BACKOFF_SECONDS)
    return False


def _forget_connections():
    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except Exception:  # a dead connection may fail to close: it is gone either way
            conn.connection = None


class WorkerLoop:
    """Alternate between the task queue and the periodic commands until told to stop.

    Ctrl-C or SIGTERM lets the task or command under way finish, then the loop ends. A database
    error anywhere in a round is logged (its kind only: never a query or a patient's detail), the
    connections are dropped, and the round is tried again after a backoff of 1, 2, 4... 30 s.
    """

    def __init__(self, *, backend_name, worker_id, poll_seconds, job_timeout=None):
        self.backend_name = backend_name
        self.worker_id = worker_id
        self.poll_seconds = poll_seconds
        self.stopping = False
        self.failures = 0
        self.watchdog = Watchdog(job_timeout or settings.WORKER_JOB_TIMEOUT_SECONDS)

    def stop(self, signum, frame):
        if self.stopping:  # a second Ctrl-C: stop at once
            raise KeyboardInterrupt
        logger.info("Worker stopping after the current job (%s).", signal.Signals(signum).name)
        self.stopping = True

    def run(self):
        signal.signal(signal.SIGINT, self.stop)
        signal.signal(signal.SIGTERM, self.stop)
        configure_worker_connections()
        self.watchdog.start()
        try:
            if not wait_for_database(lambda: self.stopping, sleep=self.sleep):
                return
            while not self.stopping:
                self.run_round()
        finally:
            self.watchdog.stop()

    def run_round(self):
        try:
            run_due_tasks(self.backend_name, self.worker_id, watchdog=self.watchdog, should_stop=lambda: self.stopping)
            if self.stopping:
                return
            run_periodic_commands(watchdog=self.watchdog)
        except DATABASE_ERRORS as error:
            self.failures += 1
            delay = min(2 ** (self.failures - 1), LONGEST_BACKOFF_SECONDS)
            logger.warning("Worker lost the database (%s); trying again in %s s.", type(error).__name__, delay)
            _forget_connections()
            self.sleep(delay)
            return
        self.failures = 0
        self.sleep(self.poll_seconds)

    def sleep(self, seconds):
        slept = 0.0
        while slept < seconds and not self.stopping:
            time.sleep(min(0.2, seconds))
            slept += 0.2
