from django.core.management.base import BaseCommand

from appointments.requests.escalation import escalate_urgent_requests, send_pending_alerts


class Command(BaseCommand):
    help = (
        "Alert the on-call inbox about urgent requests nobody has taken on (every few minutes from cron). "
        "Safe to run on several servers at once: each alert is claimed by a unique row."
    )

    def handle(self, *args, verbosity=1, **options):
        retried = send_pending_alerts()
        claimed = escalate_urgent_requests()
        if verbosity:
            self.stdout.write(f"On-call alerts raised: {claimed}; earlier alerts sent on retry: {retried}.")
