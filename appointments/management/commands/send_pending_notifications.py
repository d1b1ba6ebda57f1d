from django.core.management.base import BaseCommand
from django.db import transaction

from appointments.models import Notification
from appointments.services import deliver


class Command(BaseCommand):
    help = (
        "Send the notification emails that could not be sent when their request came in. "
        "Safe to run from cron, also from several servers at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=100, help="At most this many emails per run.")

    def handle(self, *args, batch_size, verbosity=1, **options):
        with transaction.atomic():
            # Rows another run is sending are skipped, not sent twice.
            batch = Notification.objects.pending().select_for_update(skip_locked=True)
            ids = list(batch.order_by("created_at").values_list("pk", flat=True)[:batch_size])
            sent, failed = deliver(Notification.objects.filter(pk__in=ids))
        if verbosity:
            self.stdout.write(f"Notifications sent: {sent}; failed and kept for the next run: {failed}.")
