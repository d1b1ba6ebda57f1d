"""The waiting list: "Tell me if an earlier time opens", and the first to press gets the freed time."""

import contextlib
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from appointments import booking
from appointments.booking.self_booking import open_self_booking
from appointments.booking.waiting_list import time_freed
from appointments.models import Appointment
from tests.factories import make_clinician, make_consultation

pytestmark = pytest.mark.django_db


@pytest.fixture
def sending(django_capture_on_commit_callbacks, run_worker):
    @contextlib.contextmanager
    def commit_and_send():
        with django_capture_on_commit_callbacks(execute=True):
            yield
        run_worker()

    return commit_and_send


@pytest.fixture
def slots(clinic):
    clinic.patients_choose_times = True
    clinic.save()
    make_clinician(weekdays=range(7))
    return booking.offerable_slots(urgent=False)


def self_book(client, slot, sending, *, earlier, email):
    offer = open_self_booking(make_consultation(email=email))
    data = {"slot": slot.key, **({"earlier": "on"} if earlier else {})}
    with sending():
        assert client.post(reverse("appointments:book", args=[offer.token]), data).status_code == 303
    return offer, Appointment.objects.get(offer=offer)


def path_of(url):
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def emails_to(address):
    return [email for email in mail.outbox if email.to == [address]]


def test_a_freed_earlier_time_is_offered_to_waiting_patients_and_the_first_to_press_gets_it(client, slots, sending):
    soon, later, latest = slots[0], slots[10], slots[11]
    early_offer, _ = self_book(client, soon, sending, earlier=False, email="early@example.org")
    a_offer, a = self_book(client, later, sending, earlier=True, email="a@example.org")
    b_offer, b = self_book(client, latest, sending, earlier=True, email="b@example.org")
    _, not_waiting = self_book(client, slots[12], sending, earlier=False, email="c@example.org")
    assert (a.wants_earlier, b.wants_earlier, not_waiting.wants_earlier) == (True, True, False)
    mail.outbox.clear()

    with sending():
        client.post(reverse("appointments:cancel", args=[early_offer.token]))

    assert emails_to("c@example.org") == []
    (to_a,), (to_b,) = emails_to("a@example.org"), emails_to("b@example.org")
    assert soon.label in to_a.body and not to_a.attachments
    link_a, link_b = (path_of(re.search(r"http\S+/change/\S+", email.body)[0]) for email in (to_a, to_b))
    assert f"slot={soon.key}" in link_a
    page = client.get(link_a)
    assert f'value="{soon.key}" checked' in page.content.decode()

    with sending():
        assert client.post(reverse("appointments:change", args=[a_offer.token]), {"slot": soon.key}).status_code == 303
        late = client.post(reverse("appointments:change", args=[b_offer.token]), {"slot": soon.key})
    assert late.status_code == 200 and "just taken" in late.content.decode()
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.starts_at, b.starts_at) == (soon.starts_at, latest.starts_at)
    # B opening the link afterwards is told the time was taken.
    opened = client.get(link_b)
    assert "just taken" in opened.content.decode()


def test_each_patient_hears_at_most_once_a_day(client, slots, sending):
    self_book(client, slots[80], sending, earlier=True, email="a@example.org")
    mail.outbox.clear()
    now, first, second = timezone.now(), slots[50], slots[51]
    with sending():
        assert time_freed(first.clinician.pk, first.starts_at, now=now) == 1
        assert time_freed(second.clinician.pk, second.starts_at, now=now + timedelta(hours=5)) == 0
        assert time_freed(second.clinician.pk, second.starts_at, now=now + timedelta(hours=25)) == 1
    assert len(emails_to("a@example.org")) == 2


def test_the_list_ends_when_the_appointment_is_cancelled(client, slots, sending):
    _, waiting = self_book(client, slots[10], sending, earlier=True, email="a@example.org")
    booking.cancel(waiting, online=True)
    mail.outbox.clear()
    assert time_freed(slots[0].clinician.pk, slots[0].starts_at) == 0


def test_a_later_or_taken_time_is_not_offered(client, slots, sending):
    self_book(client, slots[5], sending, earlier=True, email="a@example.org")
    assert time_freed(slots[9].clinician.pk, slots[9].starts_at) == 0  # later than their appointment
    booking.book_for_patient(make_consultation(), slots[0], by=None)
    assert time_freed(slots[0].clinician.pk, slots[0].starts_at) == 0  # not free
