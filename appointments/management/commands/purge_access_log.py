import logging

from django.core.management.base import BaseCommand

from appointments.requests.access_log import ACCESS_LOG_KEPT, purge_expired_records

logger = logging.getLogger("appointments.retention")


class Command(BaseCommand):
    help = (
        f"Delete access log entries older than the retention period ({ACCESS_LOG_KEPT.days} days, six years). "
        "The only way entries are ever deleted; only a count is logged."
    )

    def handle(self, *args, verbosity=1, **options):
        count = purge_expired_records()
        message = f"Deleted {count} access log entr{'y' if count == 1 else 'ies'} older than six years."
        logger.info(message)
        if verbosity:
            self.stdout.write(message)
