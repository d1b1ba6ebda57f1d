import logging
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from appointments.models import ConsultationRequest
from clinic.models import OutboxEmail

logger = logging.getLogger("appointments.retention")


class Command(BaseCommand):
    help = (
        "Delete closed consultation requests (with their notes, timeline and emails) closed more than DAYS ago. "
        "Only a count is logged."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=settings.APPOINTMENTS_RETENTION_DAYS,
            metavar="DAYS",
            help=f"Days since closing (default: APPOINTMENTS_RETENTION_DAYS, {settings.APPOINTMENTS_RETENTION_DAYS}).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")

    def handle(self, *args, older_than, dry_run, verbosity=1, **options):
        if older_than < 1:
            raise CommandError("--older-than must be at least 1 day.")
        expired = ConsultationRequest.objects.closed_before(timezone.now() - timedelta(days=older_than))
        if dry_run:
            count = expired.count()
            message = f"Dry run: {count} closed request(s) older than {older_than} days would be deleted."
        else:
            with transaction.atomic():
                count = expired.count()
                emails = OutboxEmail.objects.filter(
                    Q(notification__consultation__in=expired) | Q(urgent_alert__consultation__in=expired)
                )
                emails.delete()  # their copies of what was sent about these requests go too
                expired.delete()
            message = f"Deleted {count} closed request(s) older than {older_than} days, with their notes and timeline."
        logger.info(message)
        if verbosity:
            self.stdout.write(message)
