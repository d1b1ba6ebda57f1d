from django.core.management.base import BaseCommand
from django.db import transaction

from appointments.sample_content import load_sample_clinician
from clinic.sample_content import load_sample_clinic
from education.sample_loader import load_sample_education


class Command(BaseCommand):
    help = (
        "Load the sample clinic profile, topics, article and clinician (Monday to Friday, 9:00-17:00). "
        "Safe to run again: what exists is left as editors made it, unless --reset puts the sample content back."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="Overwrite existing sample records with the sample content."
        )

    @transaction.atomic
    def handle(self, *args, reset=False, verbosity=1, **options):
        created = (
            load_sample_clinic(reset=reset) + load_sample_education(reset=reset) + load_sample_clinician(reset=reset)
        )
        summary = ", ".join(created) if created else "nothing: the sample content is already there"
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Sample content loaded: {summary}."))
