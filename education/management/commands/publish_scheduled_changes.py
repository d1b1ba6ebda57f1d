import logging

from django.core.management.base import BaseCommand

from education.publishing import publish_due

logger = logging.getLogger("education.publishing")


class Command(BaseCommand):
    help = (
        "Publish the drafts of changes (and new articles) whose scheduled time has come, after the checks. "
        "Run it from cron every few minutes; what fails a check stays as it is. Two runs at once publish once."
    )

    def handle(self, *args, verbosity=1, **options):
        published, refused = publish_due()
        for article in refused:
            logger.warning("Scheduled changes to article #%s were not published: a check failed.", article.pk)
        if verbosity:
            self.stdout.write(f"Published {len(published)} scheduled change(s); {len(refused)} held back by checks.")
