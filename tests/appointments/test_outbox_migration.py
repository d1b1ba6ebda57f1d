"""Notifications and on-call alerts move into the one outbox: every row and its delivery state survive."""

import uuid

import pytest
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("appointments", "0012_queue_order_open_work_first"), ("clinic", "0006_edge_purge")]
AFTER = [("appointments", "0013_notifications_and_alerts_in_the_outbox")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_pending_and_sent_rows_are_carried_over_and_pending_ones_are_sent(clinic):
    old = migrate(BEFORE)
    Consultation = old.get_model("appointments", "ConsultationRequest")
    Notification, UrgentAlert = (
        old.get_model("appointments", "Notification"),
        old.get_model("appointments", "UrgentAlert"),
    )
    consultation = Consultation.objects.create(
        reference="BR-MIGRAT",
        full_name="Maria Example",
        email="maria@example.org",
        message="Back pain.",
        priority="urgent",
        submission_token=uuid.uuid4(),
    )
    Notification.objects.create(consultation=consultation, kind="triage", status="sent", sent_at=timezone.now())
    Notification.objects.create(
        consultation=consultation, kind="patient_confirmation", status="pending", attempts=2, last_error="SMTPError"
    )
    UrgentAlert.objects.create(consultation=consultation, number=1, attempts=10, last_error="SMTPError")
    try:
        new = migrate(AFTER)
        OutboxEmail = new.get_model("clinic", "OutboxEmail")
        carried = {
            (email.kind, email.status, email.attempts, email.last_error, email.urgent)
            for email in OutboxEmail.objects.all()
        }
        assert carried == {
            ("triage", "sent", 0, "", False),
            ("patient_confirmation", "pending", 2, "SMTPError", False),
            ("oncall_alert", "pending", 10, "SMTPError", True),
        }
        assert new.get_model("appointments", "Notification").objects.filter(email__isnull=False).count() == 2
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    from clinic.outbox import send_due

    send_due()
    subjects = {message.subject for message in mail.outbox}
    assert subjects == {
        "[Urgent, not taken on] Consultation request BR-MIGRAT",
        "We received your request BR-MIGRAT",
    }
