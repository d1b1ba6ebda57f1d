"""Reminders: one at the lead time, or the day before for a late booking, or none if very soon; said truthfully."""

from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from appointments import booking
from appointments.booking.free_times import Slot
from appointments.booking.reminders import reminder_time
from appointments.models import Appointment, Notification
from clinic.models import OutboxEmail
from tests.appointments.test_booking_concurrency import run_at_once
from tests.factories import make_clinician, make_consultation

pytestmark = pytest.mark.django_db


def local(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def day_after_tomorrow():
    return timezone.localdate() + timedelta(days=2)


def test_booked_well_ahead_the_reminder_comes_at_the_lead_time(settings):
    settings.APPOINTMENTS_REMINDER_HOURS = 48
    starts_at = timezone.now() + timedelta(days=5)
    assert reminder_time(starts_at) == starts_at - timedelta(hours=48)


def test_booked_inside_the_window_the_reminder_comes_the_evening_before(settings, day_after_tomorrow):
    settings.APPOINTMENTS_REMINDER_HOURS = 48
    starts_at = local(day_after_tomorrow, 9)
    the_day_before = day_after_tomorrow - timedelta(days=1)
    booked_at = local(the_day_before, 8)  # 25 hours ahead
    assert reminder_time(starts_at, now=booked_at) == local(the_day_before, 18)
    assert reminder_time(starts_at, now=local(the_day_before - timedelta(days=1), 10)) == local(the_day_before, 18)


def test_booked_after_that_evening_the_reminder_comes_twelve_hours_before(settings, day_after_tomorrow):
    starts_at = local(day_after_tomorrow, 9)
    booked_at = local(day_after_tomorrow - timedelta(days=1), 19)  # 14 hours ahead
    assert reminder_time(starts_at, now=booked_at) == starts_at - timedelta(hours=12)


def test_booked_less_than_twelve_hours_ahead_there_is_no_reminder(day_after_tomorrow):
    starts_at = local(day_after_tomorrow, 9)
    assert reminder_time(starts_at, now=starts_at - timedelta(hours=11, minutes=59)) is None


@pytest.fixture
def clinician(clinic):
    clinic.observe_federal_holidays = False
    clinic.save()
    return make_clinician(weekdays=range(7), blocks=((0, 23),))


def book_at(starts_at, clinician, *, by=None):
    """Offer exactly this time and let the patient book it (staff may offer times closer than patients see)."""
    slot = Slot(clinician, starts_at.replace(second=0, microsecond=0))
    offer = booking.offer_times(make_consultation(), by=by, slots=[slot])
    return offer, booking.book(offer, slot)


def hours_ahead(hours):
    """A time `hours` from now, on a full half hour."""
    moment = timezone.now() + timedelta(hours=hours)
    return moment.replace(minute=0 if moment.minute < 30 else 30, second=0, microsecond=0)


def booked_page(client, offer):
    return client.get(reverse("appointments:booked", args=[offer.token])).content.decode()


def test_the_booked_page_and_email_name_the_reminder_day(
    client, clinician, django_capture_on_commit_callbacks, run_worker
):
    starts_at = hours_ahead(24 * 6)
    with django_capture_on_commit_callbacks(execute=True):
        offer, _appointment = book_at(starts_at, clinician)
    run_worker()
    day = timezone.localtime(starts_at - timedelta(hours=48))
    sentence = f"We'll email you a reminder on {day:%A}, {day:%B} {day.day}."
    assert sentence in booked_page(client, offer)
    booked_email = next(m for m in mail.outbox if m.subject.startswith("Your appointment is booked"))
    assert sentence in booked_email.body
    assert "two days before" not in booked_page(client, offer)


def test_a_booking_thirty_hours_ahead_is_promised_the_day_before_not_two_days(client, clinician):
    starts_at = hours_ahead(30)
    offer, appointment = book_at(starts_at, clinician)
    remind_at = timezone.localtime(appointment.remind_at)
    assert timezone.now() < remind_at <= starts_at - timedelta(hours=12)
    assert remind_at.date() == timezone.localtime(starts_at).date() - timedelta(days=1) or (
        remind_at == starts_at - timedelta(hours=12)
    )
    assert f"We'll email you a reminder on {remind_at:%A}, {remind_at:%B} {remind_at.day}." in booked_page(
        client, offer
    )


def test_a_booking_less_than_twelve_hours_ahead_is_told_there_is_no_reminder(
    client, clinician, django_capture_on_commit_callbacks, run_worker, settings
):
    settings.APPOINTMENTS_MIN_NOTICE_HOURS = 0  # a clinic that takes patients at short notice
    with django_capture_on_commit_callbacks(execute=True):
        offer, appointment = book_at(hours_ahead(8), clinician)
    run_worker()
    assert appointment.remind_at is None
    assert "so we won't send a reminder" in booked_page(client, offer)
    (booked_email,) = [m for m in mail.outbox if m.subject.startswith("Your appointment is booked")]
    assert "so we won't send a reminder" in booked_email.body
    assert booking.send_due_reminders(now=appointment.starts_at - timedelta(hours=1)) == 0


def test_the_reminder_is_sent_once(client, clinician):
    offer, appointment = book_at(hours_ahead(24 * 5), clinician)
    at = appointment.remind_at
    assert booking.send_due_reminders(now=at - timedelta(minutes=1)) == 0
    assert booking.send_due_reminders(now=at) == 1
    assert booking.send_due_reminders(now=at + timedelta(hours=1)) == 0
    assert Notification.objects.filter(kind=Notification.Kind.REMINDER, appointment=appointment).count() == 1
    assert "We have emailed you a reminder." in booked_page(client, offer)


def test_no_reminder_after_a_cancel(clinician):
    _offer, appointment = book_at(hours_ahead(24 * 5), clinician)
    at = appointment.remind_at
    booking.cancel(appointment)
    assert booking.send_due_reminders(now=at + timedelta(minutes=1)) == 0
    assert not Notification.objects.filter(kind=Notification.Kind.REMINDER).exists()


def test_after_a_move_to_a_later_time_the_reminder_follows_the_new_time(client, clinician, admin_user):
    _offer, appointment = book_at(hours_ahead(24 * 5), clinician)
    old_at = appointment.remind_at
    later = Slot(clinician, appointment.starts_at + timedelta(days=3))
    appointment = booking.move(appointment, later, by=admin_user)
    assert appointment.remind_at == later.starts_at - timedelta(hours=48)
    assert booking.send_due_reminders(now=old_at + timedelta(minutes=1)) == 0
    assert booking.send_due_reminders(now=appointment.remind_at) == 1
    (reminder,) = Notification.objects.filter(kind=Notification.Kind.REMINDER)
    assert reminder.appointment_id == appointment.pk


def test_a_reminder_already_sent_comes_again_for_the_new_time_after_a_move(clinician, admin_user):
    _offer, appointment = book_at(hours_ahead(24 * 5), clinician)
    assert booking.send_due_reminders(now=appointment.remind_at) == 1
    appointment.refresh_from_db()
    appointment = booking.move(appointment, Slot(clinician, appointment.starts_at + timedelta(days=2)), by=admin_user)
    assert booking.send_due_reminders(now=appointment.remind_at) == 1
    assert Notification.objects.filter(kind=Notification.Kind.REMINDER).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent workers: DATABASE_URL=postgres://…")
def test_three_workers_at_once_send_each_reminder_once_and_none_for_the_cancelled(clinician):
    appointments = [book_at(hours_ahead(24 * 5 + n), clinician)[1] for n in range(6)]
    later = book_at(hours_ahead(24 * 9), clinician)[1]
    booking.cancel(appointments[0])
    # The clock reaches the first six reminders (the later one's is days away).
    Appointment.objects.filter(pk__in=[a.pk for a in appointments]).update(
        remind_at=timezone.now() - timedelta(minutes=1)
    )
    Notification.objects.all().delete()
    OutboxEmail.objects.all().delete()
    mail.outbox.clear()

    def worker():
        call_command("send_appointment_reminders", verbosity=0)
        call_command("run_worker", "--batch", verbosity=0)

    results = run_at_once([worker, worker, worker])
    assert not [r for r in results if isinstance(r, Exception)]
    call_command("run_worker", "--batch", verbosity=0)

    reminders = Notification.objects.filter(kind=Notification.Kind.REMINDER)
    assert sorted(reminders.values_list("appointment_id", flat=True)) == [a.pk for a in appointments[1:]]
    assert later.pk not in reminders.values_list("appointment_id", flat=True)
    assert set(reminders.values_list("email__status", flat=True)) == {"sent"}
    assert len([m for m in mail.outbox if m.subject.startswith("Reminder")]) == 5
