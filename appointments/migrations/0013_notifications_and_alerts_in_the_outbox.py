"""Notifications and on-call alerts move into the site's one outbox (clinic.OutboxEmail).

Every Notification and UrgentAlert gets an outbox row carrying its delivery state (status,
attempts, last error, times). Rows not yet sent keep an empty subject: their words are written
when the worker first sends them (`content_writer` in appointments/requests/notifications.py and escalation.py).
Self-contained: it copies what it needs and imports no live code.
"""

import uuid
from urllib.parse import urlsplit

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _domain():
    return getattr(settings, "EMAIL_DOMAIN", "") or urlsplit(settings.SITE_URL).hostname or "localhost"


def carry_over(apps, schema_editor):
    Notification = apps.get_model("appointments", "Notification")
    UrgentAlert = apps.get_model("appointments", "UrgentAlert")
    OutboxEmail = apps.get_model("clinic", "OutboxEmail")
    domain = _domain()

    def new_email(kind, about, created_at, **state):
        email = OutboxEmail.objects.create(
            kind=kind, about=about, message_id=f"<{uuid.uuid4().hex}@{domain}>", **state
        )
        OutboxEmail.objects.filter(pk=email.pk).update(created_at=created_at)
        return email

    for notification in Notification.objects.select_related("consultation").iterator():
        status = {"sending": "pending"}.get(notification.status, notification.status)
        notification.email = new_email(
            notification.kind,
            notification.consultation.reference,
            notification.created_at,
            status=status,
            attempts=notification.attempts,
            last_error=notification.last_error,
            sent_at=notification.sent_at,
            next_attempt_at=notification.next_attempt_at,
        )
        notification.save(update_fields=["email"])
    for alert in UrgentAlert.objects.select_related("consultation").iterator():
        alert.email = new_email(
            "oncall_alert",
            alert.consultation.reference,
            alert.created_at,
            status="sent" if alert.sent_at else "pending",
            attempts=alert.attempts,
            last_error=alert.last_error,
            sent_at=alert.sent_at,
            urgent=True,
        )
        alert.save(update_fields=["email"])


class Migration(migrations.Migration):

    dependencies = [
        ('appointments', '0012_queue_order_open_work_first'),
        ('clinic', '0007_outbox_email'),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='email',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='notification', to='clinic.outboxemail'),
        ),
        migrations.AddField(
            model_name='urgentalert',
            name='email',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='urgent_alert', to='clinic.outboxemail'),
        ),
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.RemoveField(model_name='notification', name='attempts'),
        migrations.RemoveField(model_name='notification', name='claimed_at'),
        migrations.RemoveField(model_name='notification', name='last_error'),
        migrations.RemoveField(model_name='notification', name='next_attempt_at'),
        migrations.RemoveField(model_name='notification', name='sent_at'),
        migrations.RemoveField(model_name='notification', name='status'),
        migrations.RemoveField(model_name='urgentalert', name='attempts'),
        migrations.RemoveField(model_name='urgentalert', name='last_error'),
        migrations.RemoveField(model_name='urgentalert', name='sent_at'),
    ]
