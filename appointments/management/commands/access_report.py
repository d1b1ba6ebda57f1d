from django.core.management.base import BaseCommand, CommandError

from appointments.requests.access_log import access_report


class Command(BaseCommand):
    help = (
        "Print who accessed a consultation request and when, oldest first (for a patient's request for an "
        "accounting of access). Times in the clinic's time zone."
    )

    def add_arguments(self, parser):
        parser.add_argument("reference", help="The request's reference, e.g. BR-7K3F9Q (any case).")

    def handle(self, *args, reference, **options):
        reference = reference.strip().upper()
        if not reference:
            raise CommandError("Give a reference, e.g. BR-7K3F9Q.")
        lines = access_report(reference)
        self.stdout.write(f"Access to consultation request {reference}: {len(lines)} record(s), oldest first.")
        for line in lines:
            self.stdout.write(line)
