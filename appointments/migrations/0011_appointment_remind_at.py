from datetime import timedelta

from django.conf import settings
from django.db import migrations, models
from django.db.models import F, Q
from django.utils import timezone


def owe_the_reminders_already_owed(apps, schema_editor):
    """Booked appointments still ahead and not yet reminded keep their reminder, lead time before."""
    Appointment = apps.get_model("appointments", "Appointment")
    lead = timedelta(hours=settings.APPOINTMENTS_REMINDER_HOURS)
    pending = Appointment.objects.filter(status="booked", starts_at__gt=timezone.now()).filter(
        Q(reminded_for__isnull=True) | ~Q(reminded_for=F("starts_at"))
    )
    for appointment in pending.only("pk", "starts_at"):
        Appointment.objects.filter(pk=appointment.pk).update(remind_at=appointment.starts_at - lead)


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0010_access_log_append_only_in_the_database"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="remind_at",
            field=models.DateTimeField(blank=True, db_index=True, editable=False, null=True),
        ),
        migrations.RunPython(owe_the_reminders_already_owed, migrations.RunPython.noop),
    ]
