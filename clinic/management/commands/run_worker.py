from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.crypto import get_random_string
from django_tasks import task_backends
from django_tasks_db import DatabaseBackend

from clinic.worker import WorkerLoop, run_due_tasks, run_periodic_commands


class Command(BaseCommand):
    help = (
        "Run the background worker for the configured task backend: queued tasks (emails) and every "
        "periodic job. It waits for the database at start and rides out outages. With --batch, run "
        "every task that is due and exit (for cron and tests)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Run every task that is due, then exit.")
        parser.add_argument(
            "--periodic",
            action="store_true",
            help="With --batch: also run every periodic job once (they are safe to run from cron).",
        )
        parser.add_argument("--backend", default="default", help="The TASKS backend to work for.")

    def handle(self, *args, batch, periodic, backend, verbosity=1, **options):
        if not isinstance(task_backends[backend], DatabaseBackend):
            raise CommandError(
                f"The task backend {backend!r} is {settings.TASKS[backend]['BACKEND']}, which runs tasks "
                "itself: there is no queue for a worker to run."
            )
        worker_id = f"run_worker-{get_random_string(12)}"
        if batch:
            tasks = run_due_tasks(backend, worker_id)
            ran = run_periodic_commands(due_only=False) if periodic else []
            if verbosity:
                self.stdout.write(f"Tasks run: {tasks}; periodic jobs run: {len(ran)}.")
            return
        if verbosity:
            self.stdout.write(f"Worker {worker_id} started (Ctrl-C stops it).")
        WorkerLoop(backend_name=backend, worker_id=worker_id, poll_seconds=settings.WORKER_POLL_SECONDS).run()
