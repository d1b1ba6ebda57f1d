from django.core.management.base import BaseCommand

from appointments.requests.notifications import send_due_notifications


class Command(BaseCommand):
    help = (
        "Send the notification emails that are owed and due (the worker's tasks normally do; this is "
        "the fallback). Safe to run from cron and from several servers at once: each row is claimed first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=100, help="At most this many emails per run.")

    def handle(self, *args, batch_size, verbosity=1, **options):
        sent, failed = send_due_notifications(limit=batch_size)
        if verbosity:
            self.stdout.write(f"Notifications sent: {sent}; failed and kept for a later attempt: {failed}.")
