"""Staff in the admin: offer times, book on the phone, move, cancel, attended, the agenda."""

import contextlib
from datetime import time, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from appointments import booking
from appointments.models import Appointment, ConsultationRequest, Offer, RequestEvent
from clinic.opening_hours import at_local
from tests.factories import make_clinician, make_consultation

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinician(clinic):
    return make_clinician(name="Dr. Ana Rivera", weekdays=range(7))


@pytest.fixture
def sending(django_capture_on_commit_callbacks, run_worker):
    @contextlib.contextmanager
    def commit_and_send():
        with django_capture_on_commit_callbacks(execute=True):
            yield
        run_worker()

    return commit_and_send


def offer_url(consultation):
    return reverse("admin:appointments_consultationrequest_offer", args=[consultation.pk])


def test_the_request_page_has_an_offer_times_button(nurse_client, clinician):
    consultation = make_consultation()
    page = nurse_client.get(consultation.get_admin_url()).content.decode()
    assert offer_url(consultation) in page and "Offer times" in page


def test_staff_tick_times_and_send_them(nurse_client, clinician, sending):
    consultation = make_consultation()
    page = nurse_client.get(offer_url(consultation))
    slots = [slot for slot in page.context["slots"] if slot.key not in page.context["phone_only"]]
    assert len(slots) >= 5
    with sending():
        response = nurse_client.post(offer_url(consultation), {"slot": [slots[0].key, slots[3].key], "send": "1"})
    assert response.status_code == 302
    offer = Offer.objects.get(consultation=consultation)
    assert [s.starts_at for s in booking.offered_slots(offer)] == [slots[0].starts_at, slots[3].starts_at]
    assert consultation.events.filter(kind=RequestEvent.Kind.OFFER, actor=nurse_client.user).exists()
    assert len(mail.outbox) == 1 and offer.get_absolute_url() in mail.outbox[0].body


def test_more_than_five_or_a_taken_time_is_refused(nurse_client, clinician):
    consultation = make_consultation()
    slots = nurse_client.get(offer_url(consultation)).context["slots"]
    response = nurse_client.post(offer_url(consultation), {"slot": [s.key for s in slots[:6]], "send": "1"})
    assert "between 1 and 5" in response.content.decode()
    response = nurse_client.post(offer_url(consultation), {"slot": ["1-20200101T140000Z"], "send": "1"})
    assert "no longer free" in response.content.decode()
    assert not Offer.objects.exists()


def test_offer_times_refuses_a_patient_without_email_on_the_page(nurse_client, clinician):
    consultation = make_consultation(email="")
    slots = nurse_client.get(offer_url(consultation)).context["slots"]
    response = nurse_client.post(offer_url(consultation), {"slot": [slots[0].key], "send": "1"})
    assert "gave no email" in response.content.decode()
    assert not Offer.objects.exists()


def test_the_old_offer_times_address_leads_to_the_requests_page(nurse_client, clinician):
    consultation = make_consultation()
    old = reverse("admin:appointments_appointment_offer", args=[consultation.pk])

    response = nurse_client.get(old)

    assert response.status_code == 308  # a POST to the old address stays a POST
    assert response["Location"] == offer_url(consultation)
    assert nurse_client.get(old, follow=True).context["consultation"] == consultation


def test_urgent_requests_see_the_held_back_times(nurse_client, clinician, clinic):
    clinic.urgent_slots_per_day = 3
    clinic.save()
    routine = nurse_client.get(offer_url(make_consultation())).context["slots"]
    urgent = nurse_client.get(offer_url(make_consultation(red_flags=["leg_weakness"]))).context["slots"]
    routine_keys, urgent_keys = {slot.key for slot in routine}, {slot.key for slot in urgent}
    assert routine_keys < urgent_keys  # the held-back times are listed for urgent requests only


def test_staff_book_for_a_patient_on_the_phone(nurse_client, clinician, sending):
    consultation = make_consultation(email="")
    slot = nurse_client.get(offer_url(consultation)).context["slots"][2]
    with sending():
        nurse_client.post(offer_url(consultation), {"slot": [slot.key], "book": "1"})
    appointment = Appointment.objects.get()
    assert (appointment.starts_at, appointment.booked_by_patient) == (slot.starts_at, False)
    consultation.refresh_from_db()
    assert consultation.status == ConsultationRequest.Status.SCHEDULED
    assert consultation.events.filter(kind=RequestEvent.Kind.BOOKING, actor=nurse_client.user).exists()
    assert mail.outbox == []  # no email address: nothing to send


def test_staff_move_an_appointment_and_the_patient_gets_the_new_time(nurse_client, clinician, sending):
    consultation = make_consultation()
    first, *_, later = booking.offerable_slots(urgent=False, limit=6)
    appointment = booking.book_for_patient(consultation, first, by=nurse_client.user)
    move_url = reverse("admin:appointments_appointment_move", args=[appointment.pk])
    assert (
        move_url
        in nurse_client.get(reverse("admin:appointments_appointment_change", args=[appointment.pk])).content.decode()
    )
    with sending():
        response = nurse_client.post(move_url, {"slot": later.key})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.starts_at == later.starts_at and appointment.sequence == 1
    moved = [m for m in mail.outbox if "moved" in m.subject]
    assert len(moved) == 1 and moved[0].attachments
    assert consultation.events.filter(new_value="moved").exists()


def test_cancel_attended_and_did_not_come_are_actions_in_the_timeline(nurse_client, clinician):
    changelist = reverse("admin:appointments_appointment_changelist")
    appointments = []
    for slot in booking.offerable_slots(urgent=False, limit=3):
        appointments.append(booking.book_for_patient(make_consultation(), slot, by=None))
    nurse_client.post(changelist, {"action": "mark_attended", "_selected_action": [appointments[0].pk]})
    nurse_client.post(changelist, {"action": "mark_no_show", "_selected_action": [appointments[1].pk]})
    nurse_client.post(changelist, {"action": "cancel_appointments", "_selected_action": [appointments[2].pk]})
    statuses = [Appointment.objects.get(pk=a.pk).status for a in appointments]
    assert statuses == ["attended", "no_show", "cancelled"]
    for appointment in appointments:
        assert appointment.consultation.events.filter(kind=RequestEvent.Kind.BOOKING, actor=nurse_client.user).exists()


def test_the_agenda_opens_on_today_and_later_and_the_index_counts_today(nurse_client, clinic):
    clinician = make_clinician(weekdays=range(7), blocks=((0, 23),))
    today = timezone.localdate()

    def appointment(day, hour):
        return Appointment.objects.create(
            clinician=clinician,
            consultation=make_consultation(),
            starts_at=at_local(day, time(hour)),
            ends_at=at_local(day, time(hour, 30)),
        )

    yesterday, later, today_a, today_b = (
        appointment(today - timedelta(days=1), 10),
        appointment(today + timedelta(days=3), 9),
        appointment(today, 15),
        appointment(today, 8),
    )
    response = nurse_client.get(reverse("admin:appointments_appointment_changelist"))
    assert list(response.context["cl"].result_list) == [today_b, today_a, later]  # opens on today and later
    page = response.content.decode()
    assert today_a.consultation.reference in page and today_a.consultation.full_name in page
    everything = nurse_client.get(reverse("admin:appointments_appointment_changelist"), {"when": "all"})
    assert list(everything.context["cl"].result_list) == [today_b, today_a, later, yesterday]
    today_only = nurse_client.get(reverse("admin:appointments_appointment_changelist"), {"when": "today"})
    assert set(today_only.context["cl"].result_list) == {today_a, today_b}
    index = nurse_client.get(reverse("admin:index")).content.decode()
    assert "2 appointments today" in index


def test_content_editors_do_not_see_the_agenda(editor_client):
    assert editor_client.get(reverse("admin:appointments_appointment_changelist")).status_code == 403
    assert "appointments today" not in editor_client.get(reverse("admin:index")).content.decode()


def change_form_data(response):
    """The POST data of an admin change form as the page shows it (the main form and its inlines)."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            key = form.add_prefix(name)
            if isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif hasattr(value, "strftime") and not hasattr(value, "hour"):
                data[key] = value.isoformat()
            else:
                data[key] = value.pk if hasattr(value, "pk") else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[formset.management_form.add_prefix(name)] = formset.management_form[name].value()
        for form in formset.initial_forms:
            add(form)
    return data


@pytest.fixture
def booked_and_offered(clinician):
    """One booked appointment and one open offer, on the first two days the clinician has times."""
    slots = booking.offerable_slots(urgent=False)
    first = slots[0]
    second = next(s for s in slots if timezone.localdate(s.starts_at) > timezone.localdate(first.starts_at))
    appointment = booking.book_for_patient(make_consultation(), first, by=None)
    offer = booking.offer_times(make_consultation(), by=None, slots=[second])
    return appointment, offer, first, second


def warnings(response):
    return [str(m) for m in response.context["messages"] if m.level_tag == "warning"]


def test_time_off_over_booked_and_offered_times_tells_staff_which(admin_client, clinician, booked_and_offered):
    appointment, offer, first, second = booked_and_offered
    url = reverse("admin:appointments_clinician_change", args=[clinician.pk])
    data = change_form_data(admin_client.get(url))
    local = timezone.localtime
    data.update(
        {
            "time_off-TOTAL_FORMS": "1",
            "time_off-0-starts_at_0": local(first.starts_at).date().isoformat(),
            "time_off-0-starts_at_1": "00:00",
            "time_off-0-ends_at_0": (local(second.starts_at).date() + timedelta(days=1)).isoformat(),
            "time_off-0-ends_at_1": "00:00",
            "time_off-0-clinician": clinician.pk,
        }
    )
    response = admin_client.post(url, data, follow=True)
    assert response.status_code == 200 and clinician.time_off.count() == 1, response.context.get("errors")
    (message,) = warnings(response)
    assert "1 booked appointment(s) and 1 offered time(s)" in message
    assert appointment.consultation.reference in message and offer.consultation.reference in message
    assert reverse("admin:appointments_appointment_change", args=[appointment.pk]) in message
    assert offer.consultation.get_admin_url() in message
    assert appointment.consultation.full_name not in message


def test_making_a_clinician_inactive_tells_staff_which(admin_client, clinician, booked_and_offered):
    appointment, offer, *_ = booked_and_offered
    url = reverse("admin:appointments_clinician_change", args=[clinician.pk])
    data = change_form_data(admin_client.get(url))
    data.pop("active")
    message = warnings(admin_client.post(url, data, follow=True))[0]
    assert appointment.consultation.reference in message and offer.consultation.reference in message


def test_changing_the_name_only_says_nothing(admin_client, clinician, booked_and_offered):
    url = reverse("admin:appointments_clinician_change", args=[clinician.pk])
    data = change_form_data(admin_client.get(url))
    data["name"] = "Dr. Ana Rivera-Lopez"
    assert warnings(admin_client.post(url, data, follow=True)) == []


def test_a_clinic_closure_tells_staff_which(admin_client, clinician, booked_and_offered):
    appointment, offer, _first, second = booked_and_offered
    day = timezone.localdate(second.starts_at).isoformat()
    response = admin_client.post(
        reverse("admin:clinic_clinicclosure_add"), {"starts_on": day, "ends_on": day, "reason": "Flood"}, follow=True
    )
    (message,) = warnings(response)
    assert "0 booked appointment(s) and 1 offered time(s)" in message and offer.consultation.reference in message
    assert appointment.consultation.reference not in message
