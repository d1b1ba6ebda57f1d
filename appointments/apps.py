from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Consultation requests"

    def ready(self):
        from datetime import timedelta

        from clinic.worker import periodic_command

        from . import checks  # noqa: F401  (registers the settings checks)
        from .booking import emails as booking_emails  # noqa: F401  (registers the booking email builders and checks)
        from .booking import scheduling_links
        from .requests import (
            emails,  # noqa: F401  (registers the request email builders)
            escalation,  # noqa: F401  (registers the on-call alert's check)
        )

        # Reminders two days before: each appointment claimed once, whichever worker (or cron) runs it.
        periodic_command("send_appointment_reminders", every=timedelta(minutes=5))
        # Every worker looks for urgent requests nobody has taken on (claims make running twice safe).
        periodic_command("escalate_urgent_requests", every=timedelta(minutes=5))
        # Retention: closed requests past APPOINTMENTS_RETENTION_DAYS go, with their emails.
        periodic_command("purge_closed_requests", every=timedelta(hours=6))
        # Open times for scheduling directories move with the clock; bookings also rebuild them (debounced).
        periodic_command("publish_scheduling_links", every=timedelta(minutes=15))
        scheduling_links.connect_signals()
