from django.core.management.base import BaseCommand

from education.reviews import REMINDER_DAYS, articles_due, send_review_reminders


class Command(BaseCommand):
    help = (
        f"Email each content editor one digest of articles whose medical review is overdue or due within "
        f"{REMINDER_DAYS} days. Safe for cron: an editor gets at most one digest a day."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be sent; send nothing.")

    def handle(self, *args, dry_run=False, verbosity=1, **options):
        articles = articles_due()
        if dry_run:
            self.stdout.write(f"Would remind about {len(articles)} article(s):")
            for article in articles:
                state = "overdue" if article.is_review_overdue else "due"
                self.stdout.write(f"  {article.title} ({state} {article.next_review_due:%Y-%m-%d})")
        outcome = send_review_reminders(dry_run=dry_run)
        if not verbosity:  # the worker's hourly run: quiet
            return
        for username, count, sent in outcome:
            verb = "queued for" if sent else ("would go to" if dry_run else "already sent today to")
            self.stdout.write(f"Digest of {count} article(s) {verb} {username}.")
        if not articles:
            self.stdout.write("No article needs a medical review in the next 30 days.")
