"""Every admin page that shows a request's details is in the access log; no page searches them unrecorded."""

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from appointments.requests.access_log import AccessRecord
from clinic.opening_hours import at_local
from clinic.roles import TRIAGE_STAFF
from tests.factories import make_clinician, make_consultation, make_staff

pytestmark = pytest.mark.django_db
Kind = AccessRecord.Kind
AUTOCOMPLETE = reverse("admin:autocomplete")


@pytest.fixture
def nurse_client(client, django_user_model, clinic):
    client.force_login(make_staff(django_user_model, "nurse", TRIAGE_STAFF))
    return client


@pytest.fixture
def boss_client(client, django_user_model, clinic):
    client.force_login(django_user_model.objects.create_superuser("boss", password="y" * 16))
    return client


@pytest.fixture
def appointment(clinic):
    clinician = make_clinician(weekdays=range(7), blocks=((0, 23),))
    day = timezone.localdate() + timedelta(days=2)
    return Appointment.objects.create(
        clinician=clinician,
        consultation=make_consultation(full_name="Rosa Secretname", email="rosa@example.org"),
        starts_at=at_local(day, time(10)),
        ends_at=at_local(day, time(10, 30)),
    )


def autocomplete(client, term):
    params = {"app_label": "appointments", "model_name": "appointment", "field_name": "consultation", "term": term}
    return client.get(AUTOCOMPLETE, params)


def recorded():
    return [(record.kind, record.reference_list) for record in AccessRecord.objects.order_by("pk")]


@pytest.mark.parametrize("term", ["Secretname", "Rosa", "rosa@example.org", "example.org"])
def test_autocomplete_never_finds_a_request_by_the_patients_name_or_email(boss_client, appointment, term):
    response = autocomplete(boss_client, term)

    assert response.status_code == 200 and response.json()["results"] == []
    assert recorded() == []


def test_autocomplete_finds_a_request_by_its_reference_and_records_the_look_up(boss_client, appointment):
    reference = appointment.consultation.reference

    response = autocomplete(boss_client, reference.lower())

    assert [result["text"] for result in response.json()["results"]] == [reference]
    assert recorded() == [(Kind.LOOKUP, [reference])]


def test_a_requests_history_page_is_recorded(nurse_client, appointment):
    consultation = appointment.consultation

    response = nurse_client.get(reverse("admin:appointments_consultationrequest_history", args=[consultation.pk]))

    assert response.status_code == 200
    assert recorded() == [(Kind.HISTORY, [consultation.reference])]


def test_the_delete_confirmation_pages_are_recorded(boss_client, appointment):
    consultation, others = appointment.consultation, [make_consultation(), make_consultation()]

    one = boss_client.get(reverse("admin:appointments_consultationrequest_delete", args=[consultation.pk]))
    selected = boss_client.post(
        reverse("admin:appointments_consultationrequest_changelist"),
        {"action": "delete_selected", "_selected_action": [other.pk for other in others]},
    )

    assert one.status_code == selected.status_code == 200
    assert all(other.reference in selected.content.decode() for other in others)
    (first_kind, first), (second_kind, second) = recorded()
    assert (first_kind, first) == (Kind.DELETE, [consultation.reference])
    assert second_kind == Kind.DELETE and sorted(second) == sorted(other.reference for other in others)


def test_the_agenda_records_the_requests_it_listed(nurse_client, appointment):
    other = Appointment.objects.create(
        clinician=appointment.clinician,
        consultation=make_consultation(),
        starts_at=appointment.starts_at + timedelta(hours=1),
        ends_at=appointment.ends_at + timedelta(hours=1),
    )

    nurse_client.get(reverse("admin:appointments_appointment_changelist"))

    ((kind, references),) = recorded()
    assert kind == Kind.AGENDA
    assert sorted(references) == sorted([appointment.consultation.reference, other.consultation.reference])


def test_a_search_of_the_agenda_is_recorded_as_a_search(nurse_client, appointment):
    reference = appointment.consultation.reference

    nurse_client.get(reverse("admin:appointments_appointment_changelist"), {"q": reference})

    assert recorded() == [(Kind.SEARCH, [reference])]


@pytest.mark.parametrize(
    "page",
    [
        lambda a: reverse("admin:appointments_appointment_change", args=[a.pk]),
        lambda a: reverse("admin:appointments_appointment_move", args=[a.pk]),
        lambda a: reverse("admin:appointments_consultationrequest_offer", args=[a.consultation.pk]),
    ],
    ids=["appointment", "move", "offer times"],
)
def test_the_booking_pages_are_recorded(nurse_client, appointment, page):
    response = nurse_client.get(page(appointment))

    assert response.status_code == 200
    assert recorded() == [(Kind.BOOKING, [appointment.consultation.reference])]


def test_an_appointments_history_page_is_recorded(nurse_client, appointment):
    response = nurse_client.get(reverse("admin:appointments_appointment_history", args=[appointment.pk]))

    assert response.status_code == 200
    assert recorded() == [(Kind.HISTORY, [appointment.consultation.reference])]


def test_a_page_that_is_refused_records_nothing(client, django_user_model, clinic, appointment):
    client.force_login(make_staff(django_user_model, "editor"))

    client.get(reverse("admin:appointments_consultationrequest_history", args=[appointment.consultation.pk]))
    client.get(reverse("admin:appointments_appointment_change", args=[appointment.pk]))

    assert recorded() == []
