"""The background worker: runs queued tasks (Django's Tasks API) and the site's periodic jobs.

Queued work: any function decorated with `django_tasks.task` and enqueued (after the commit,
see `appointments.requests.notifications.enqueue_notifications`). The database backend
(`django-tasks-db`) keeps the queue in the site's own database, so several workers on several
machines share it and a task enqueued in a committed transaction is never lost.

Periodic jobs are management commands; each app registers its own in `AppConfig.ready()`::

    from datetime import timedelta
    from clinic.worker import periodic_command

    periodic_command("send_appointment_reminders", every=timedelta(minutes=5))

Every worker runs them, and cron may run them too, so a periodic command must be safe to run
twice at the same time (claim rows before acting on them, as `send_pending_notifications` does).
"""

import logging
import signal
import time
from dataclasses import dataclass
from datetime import timedelta

from django.core.management import call_command
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)


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


def run_periodic_commands(*, due_only=True, now=None):
    """Run the periodic commands that are due (all of them with due_only=False); return their names."""
    now = time.monotonic() if now is None else now
    ran = []
    for job in periodic_commands():
        if due_only and job.next_run > now:
            continue
        job.next_run = now + job.every.total_seconds()
        try:
            call_command(job.name, *job.args, verbosity=0)
        except Exception:  # one failing job must not stop the worker or the others
            logger.exception("Periodic command %s failed; it runs again in %s.", job.name, job.every)
        else:
            ran.append(job.name)
        finally:
            close_connections_between_jobs()
    return ran


def close_connections_between_jobs():
    """Drop broken or expired database connections, as Django does between requests.

    Never inside a transaction (a caller's, or a test's): closing there would end it.
    """
    if not any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        close_old_connections()


def database_worker(backend_name, worker_id):
    """django-tasks-db's worker, in batch mode: it runs every task that is due, then returns."""
    from django_tasks_db.management.commands import db_worker

    db_worker.close_old_connections = close_connections_between_jobs
    return db_worker.Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=backend_name,
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


class WorkerLoop:
    """Alternate between the task queue and the periodic commands until told to stop.

    Ctrl-C or SIGTERM lets the task or command under way finish, then the loop ends.
    """

    def __init__(self, *, backend_name, worker_id, poll_seconds):
        self.tasks = database_worker(backend_name, worker_id)
        self.poll_seconds = poll_seconds
        self.stopping = False

    def stop(self, signum, frame):
        if self.stopping:  # a second Ctrl-C: stop at once
            raise KeyboardInterrupt
        logger.info("Worker stopping after the current job (%s).", signal.Signals(signum).name)
        self.stopping = True
        self.tasks.running = False

    def run(self):
        signal.signal(signal.SIGINT, self.stop)
        signal.signal(signal.SIGTERM, self.stop)
        while not self.stopping:
            self.tasks.running = True
            self.tasks.run()
            if self.stopping:
                break
            run_periodic_commands()
            slept = 0.0
            while slept < self.poll_seconds and not self.stopping:
                time.sleep(min(0.2, self.poll_seconds))
                slept += 0.2
