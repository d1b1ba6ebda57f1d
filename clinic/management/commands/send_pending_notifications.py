from django.core.management.base import BaseCommand

from clinic.outbox import send_due


class Command(BaseCommand):
    help = (
        "Send the outbox emails that are owed and due (the worker's tasks normally do; this is the sweep "
        "behind them). Safe to run from cron and from several servers at once: each row is claimed first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=100, help="At most this many emails per run.")

    def handle(self, *args, batch_size, verbosity=1, **options):
        sent, failed = send_due(limit=batch_size)
        if verbosity:
            self.stdout.write(f"Notifications sent: {sent}; failed and kept for a later attempt: {failed}.")
