from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Consultation requests"

    def ready(self):
        from datetime import timedelta

        from django.utils import timezone

        from clinic.admin_site import register_index_panel
        from clinic.worker import periodic_command

        from . import checks  # noqa: F401  (registers the settings checks)
        from .booking import emails as booking_emails  # noqa: F401  (registers the booking email builders and checks)
        from .booking import scheduling_links
        from .models import Appointment, ConsultationRequest
        from .requests import (
            emails,  # noqa: F401  (registers the request email builders)
            escalation,  # noqa: F401  (registers the on-call alert's check)
        )

        # The admin home page's boxes for triage staff: the requests needing attention, today's appointments.
        register_index_panel(
            "admin/appointments/_index_queue.html",
            permission="appointments.view_consultationrequest",
            context=lambda request: {"queue_counts": ConsultationRequest.objects.counts()},
            order=10,
        )
        register_index_panel(
            "admin/appointments/_index_today.html",
            permission="appointments.view_appointment",
            context=lambda request: {
                "appointments_today": Appointment.objects.live().on_day(timezone.localdate()).count()
            },
            order=20,
        )

        # Reminders two days before: each appointment claimed once, whichever worker (or cron) runs it.
        periodic_command("send_appointment_reminders", every=timedelta(minutes=5))
        # Every worker looks for urgent requests nobody has taken on (claims make running twice safe).
        periodic_command("escalate_urgent_requests", every=timedelta(minutes=5))
        # Retention: closed requests past APPOINTMENTS_RETENTION_DAYS go, with their emails.
        periodic_command("purge_closed_requests", every=timedelta(hours=6))
        periodic_command("purge_access_log", every=timedelta(hours=6))
        # Open times for scheduling directories move with the clock; bookings also rebuild them (debounced).
        periodic_command("publish_scheduling_links", every=timedelta(minutes=15))
        scheduling_links.connect_signals()
