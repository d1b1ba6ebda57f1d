from django.core.management.base import BaseCommand

from appointments.booking.scheduling_links import publish_and_purge


class Command(BaseCommand):
    help = (
        "Rebuild the SMART Scheduling Links files (/fhir/$bulk-publish): the clinic, one schedule per "
        "active clinician and the free times of the next four weeks. The worker runs it periodically; "
        "safe to run at any time, by several workers at once."
    )

    def handle(self, *args, verbosity=1, **options):
        publication = publish_and_purge()
        if verbosity:
            slots = publication["Slot"][0].count(b"\n")
            self.stdout.write(f"Scheduling links published: {slots} free time(s).")
