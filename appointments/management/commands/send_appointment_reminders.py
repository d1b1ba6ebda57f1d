from django.core.management.base import BaseCommand

from appointments.booking import send_due_reminders


class Command(BaseCommand):
    help = (
        "Queue the reminder emails now owed (Appointment.remind_at: APPOINTMENTS_REMINDER_HOURS (48) "
        "before, or the evening before for a late booking). Each one is claimed first, so several workers and "
        "cron may run this at once: nobody is reminded twice, and cancelled appointments never."
    )

    def handle(self, *args, verbosity=1, **options):
        queued = send_due_reminders()
        if verbosity:
            self.stdout.write(f"Appointment reminders queued: {queued}.")
