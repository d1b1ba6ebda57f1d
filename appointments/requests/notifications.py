"""The emails a request owes: written when they are owed, sent through the site's one outbox.

The whole workflow of an email the clinic owes about a request:

1. Whoever decides that an email is owed calls `queue_notification(consultation, kind, ...)` inside
   its own transaction: the email is written now (by the builder registered for its kind with
   `email_builder`) and stored in `clinic.outbox`, with a `Notification` row that ties it to the
   request (and the offer or appointment) for the request page. Nothing is sent in a web request.
2. After the commit the worker (`manage.py run_worker`) sends it through `clinic.outbox.deliver`:
   claimed, checked still true, sent, retried with backoff; delivery is at-least-once with a
   stable Message-ID (see clinic/outbox.py).

A new kind of email needs a `Notification.Kind` and a builder registered with `email_builder` (see
`emails.py` here and `appointments/booking/emails.py`).
"""

from django_tasks import task

from clinic import outbox
from clinic.models import ClinicProfile

from .outbox import Notification

_builders = {}


def email_builder(kind):
    """Register `builder(notification, clinic) -> (subject, body, recipients[, attachments])` for a Notification.Kind.

    The body carries a reference and a link, never what the patient wrote.
    """

    def register(builder):
        _builders[kind] = builder
        return builder

    return register


def compose_email(notification, clinic=None):
    """The email `notification` stands for, written now (an unsaved outbox row)."""
    subject, body, recipients, *rest = _builders[notification.kind](notification, clinic or ClinicProfile.load())
    return outbox.compose(
        kind=notification.kind,
        about=notification.consultation.reference,
        recipients=recipients,
        subject=subject,
        body=body,
        attachments=rest[0] if rest else (),
        facts=facts_of(notification),
    )


def facts_of(notification):
    """What a booking email states and the worker re-checks: the appointment as it was when written."""
    if notification.appointment is None:
        return {}
    return {"appointment": notification.appointment.pk, "sequence": notification.appointment.sequence}


def queue_notification(consultation, kind, *, offer=None, appointment=None):
    """Write the email owed and keep it in the outbox; the worker sends it once the transaction commits."""
    notification = Notification(consultation=consultation, kind=kind, offer=offer, appointment=appointment)
    notification.email = outbox.queue_composed(compose_email(notification))
    notification.save()
    return notification


def enqueue_notifications(notifications):
    """Queue (again) the sending of these notifications' emails once the current transaction commits."""
    outbox.enqueue([notification.email_id for notification in notifications if notification.email_id])


@task()
def send_notification(notification_id):
    """Tasks queued before the outbox: send the notification's email."""
    email_id = Notification.objects.filter(pk=notification_id).values_list("email_id", flat=True).first()
    return outbox.deliver(email_id) if email_id else "skipped"


@outbox.content_writer(*Notification.Kind.values)
def write_carried_over(email):
    """Rows carried over from before the outbox (migration 0013) are written when first sent."""
    notification = Notification.objects.select_related("consultation", "offer", "appointment").get(email=email)
    written = compose_email(notification)
    for field in ("subject", "body", "attachments", "recipients", "facts"):
        setattr(email, field, getattr(written, field))
