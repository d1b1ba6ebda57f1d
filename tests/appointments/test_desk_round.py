"""Issue 21's desk rules: named queue views, visible states, reopening, staying on the page, plain words."""

import csv
import datetime
import io

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.utils import timezone

from appointments.booking import services as booking
from appointments.models import ConsultationRequest, RequestEvent
from appointments.requests.outbox import Notification
from appointments.requests.querysets import TransitionNotAllowed
from clinic.models import OutboxEmail
from clinic.roles import CONTENT_EDITORS
from tests.appointments.test_triage_admin import QUEUE, change_form_data, change_url, queue_references
from tests.factories import make_clinician, make_consultation, make_staff

pytestmark = pytest.mark.django_db
Status, Outcome = ConsultationRequest.Status, ConsultationRequest.Outcome


def page_text(response):
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True).split())


def view(client, name, **params):
    return client.get(QUEUE, {"view": name, **params})


# --- The queue's named views ----------------------------------------------------


@pytest.fixture
def desk(nurse, django_user_model):
    now = timezone.now()
    colleague = make_staff(django_user_model, "colleague", first_name="Carl", last_name="Colleague")
    return {
        "new": make_consultation(created_at=now - datetime.timedelta(days=1)),
        "urgent": make_consultation(red_flags=["leg_weakness"]),
        "mine": make_consultation(status=Status.IN_REVIEW, assigned_to=nurse),
        "theirs": make_consultation(assigned_to=colleague),
        "waiting": make_consultation(status=Status.CONTACTED),
        "booked": make_consultation(status=Status.SCHEDULED, red_flags=["fever_wound"]),
        "closed": make_consultation(status=Status.CLOSED, outcome=Outcome.BOOKED),
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("open", {"new", "urgent", "mine", "theirs", "waiting"}),
        ("mine", {"mine"}),
        ("unassigned", {"new", "urgent", "waiting"}),
        ("urgent", {"urgent"}),
        ("waiting", {"waiting"}),
        ("booked", {"booked"}),
        ("closed", {"closed"}),
        ("all", {"new", "urgent", "mine", "theirs", "waiting", "booked", "closed"}),
    ],
)
def test_each_named_view_holds_its_requests_and_says_how_many(nurse_client, desk, name, expected):
    by_reference = {c.reference: key for key, c in desk.items()}

    response = view(nurse_client, name)

    assert {by_reference[reference] for reference in queue_references(response)} == expected
    views = {v["key"]: v for v in response.context["queue_views"]}
    assert views[name]["count"] == len(expected)
    tabs = BeautifulSoup(response.content, "html.parser").select(".queue-views a")
    current = [tab for tab in tabs if tab.get("aria-current") == "page"]
    assert len(tabs) == 8 and len(current) == 1 and current[0]["href"] == f"?view={name}"


def test_the_queue_opens_on_the_open_work_with_a_plain_title(nurse_client, desk):
    response = nurse_client.get(QUEUE)

    assert desk["closed"].reference not in queue_references(response)
    assert desk["booked"].reference not in queue_references(response)
    text = page_text(response)
    assert "Consultation requests: Open work" in text
    assert "Select consultation request to change" not in text


def test_contacted_shows_as_waiting_on_the_patient_and_booked_as_booked(nurse_client, desk):
    page = BeautifulSoup(view(nurse_client, "all").content, "html.parser")
    states = {
        row.select_one("th").get_text(" ", strip=True).split()[0]: row.select_one(".field-state_column").get_text()
        for row in page.select("#result_list tbody tr")
    }

    assert states[desk["waiting"].reference] == "Waiting on the patient"
    assert states[desk["booked"].reference] == "Booked"
    assert states[desk["new"].reference] == "New"


@pytest.fixture
def offered(nurse, clinic, django_capture_on_commit_callbacks):
    make_clinician(name="Dr. Ana Rivera", weekdays=range(7))
    consultation = make_consultation()
    with django_capture_on_commit_callbacks():
        offer = booking.offer_times(consultation, by=nurse)
    return consultation, offer


def test_a_patient_who_asked_for_other_times_is_shown_as_such_and_not_as_waiting(nurse_client, offered):
    consultation, offer = offered
    assert consultation.reference in queue_references(view(nurse_client, "waiting"))

    booking.ask_for_other_times(offer)

    assert consultation.reference not in queue_references(view(nurse_client, "waiting"))
    response = nurse_client.get(QUEUE)
    assert consultation.reference in queue_references(response)
    assert "Patient asked for other times" in page_text(response)


def test_a_request_the_patient_booked_says_so_in_the_list(nurse_client, offered):
    consultation, offer = offered
    booking.book(offer, booking.offered_slots(offer)[0], by=None)

    response = view(nurse_client, "booked")

    assert queue_references(response) == [consultation.reference]
    assert "Booked by the patient" in page_text(response)


@pytest.mark.parametrize(
    "params",
    [
        {"view": "nonsense"},
        {"view": ["mine", "closed"]},
        {"view": "'; DROP TABLE x; --"},
        {"view": "x" * 5000},
        {"view": "mine", "assigned": "²"},
        {"view": "<script>alert(1)</script>"},
        {"view": ""},
    ],
)
def test_hostile_view_parameters_are_never_an_error(nurse_client, params):
    make_consultation()

    response = nurse_client.get(QUEUE, params)

    assert response.status_code in (200, 302)
    assert b"<script>alert(1)</script>" not in response.content


def test_the_assigned_to_filter_lists_the_names_the_column_shows(nurse_client, desk):
    page = BeautifulSoup(nurse_client.get(QUEUE).content, "html.parser")
    choices = [a.get_text(strip=True) for a in page.select("#changelist-filter a") if "assigned=" in a["href"]]

    assert "Carl Colleague" in choices and "colleague" not in choices


# --- Export in queue order ----------------------------------------------------------


def test_the_export_follows_the_view_filters_and_queue_order(nurse_client, desk):
    # "Select all" in the open view: the page's rows ticked, and select_across for the rest.
    response = nurse_client.post(
        f"{QUEUE}?view=open",
        {"action": "export_csv", "select_across": "1", "index": "0", "_selected_action": [desk["new"].pk]},
    )

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    shown = queue_references(nurse_client.get(QUEUE))
    assert [row["reference"] for row in rows] == shown
    assert desk["closed"].reference not in shown
    assigned = {row["reference"]: row["assigned to"] for row in rows}
    assert assigned[desk["mine"].reference] == "Nora Nurse"
    exported = RequestEvent.objects.filter(kind=RequestEvent.Kind.EXPORT).count()
    assert exported == len(shown)


# --- The request page ---------------------------------------------------------------


def test_save_stays_on_the_request_with_a_message(nurse_client):
    consultation = make_consultation()
    data = change_form_data(nurse_client, consultation, **{"notes-0-text": "Called, no answer.", "_save": "Save"})

    response = nurse_client.post(change_url(consultation), data, follow=True)

    assert response.redirect_chain[-1][0] == change_url(consultation)
    assert f"{consultation.reference} saved." in page_text(response)
    assert consultation.notes.get().text == "Called, no answer."


@pytest.mark.parametrize(("reason", "error"), [("   ", "Say why"), ("x" * 181, "at most 180 characters")])
def test_reopening_needs_a_short_reason_shown_by_the_field(nurse_client, reason, error):
    consultation = make_consultation(status=Status.CLOSED, outcome=Outcome.COULD_NOT_REACH)
    data = change_form_data(nurse_client, consultation, _reopen="1", reopen_reason=reason)

    response = nurse_client.post(change_url(consultation), data)

    assert response.status_code == 200
    errors = BeautifulSoup(response.content, "html.parser").select_one(".field-reopen_reason .errorlist")
    assert errors is not None and error in errors.get_text()
    consultation.refresh_from_db()
    assert consultation.status == Status.CLOSED


def test_reopening_moves_to_in_review_and_records_the_reason(nurse_client, nurse):
    consultation = make_consultation(status=Status.CLOSED, outcome=Outcome.COULD_NOT_REACH)
    data = change_form_data(nurse_client, consultation, _reopen="1", reopen_reason="The patient called back.")

    response = nurse_client.post(change_url(consultation), data, follow=True)

    consultation.refresh_from_db()
    assert (consultation.status, consultation.outcome, consultation.closed_at) == (Status.IN_REVIEW, "", None)
    event = consultation.events.filter(kind=RequestEvent.Kind.STATUS).last()
    assert (event.actor, event.change) == (nurse, "Closed → In review; Reopened: The patient called back.")
    assert "reopened" in page_text(response)
    assert response.redirect_chain[-1][0] == change_url(consultation)


def test_a_request_closed_as_spam_cannot_be_reopened(nurse):
    consultation = make_consultation()
    consultation.mark_as_spam(by=nurse)

    with pytest.raises(TransitionNotAllowed):
        consultation.reopen(by=nurse, reason="Oops")
    with pytest.raises(TransitionNotAllowed):
        make_consultation().reopen(by=nurse, reason="Not closed")


def test_reopen_decides_on_the_saved_row_not_a_stale_copy(nurse):
    consultation = make_consultation(status=Status.CLOSED, outcome=Outcome.DUPLICATE)
    stale = ConsultationRequest.objects.get(pk=consultation.pk)
    consultation.reopen(by=nurse, reason="First")

    with pytest.raises(TransitionNotAllowed):
        stale.reopen(by=nurse, reason="Second")  # still "closed" in memory; the row says otherwise
    assert consultation.events.filter(detail__startswith="Reopened").count() == 1


def test_a_closed_request_offers_reopen_and_no_booking_controls(nurse_client):
    consultation = make_consultation(status=Status.CLOSED, outcome=Outcome.NOT_A_CANDIDATE)

    page = BeautifulSoup(nurse_client.get(change_url(consultation)).content, "html.parser")

    buttons = [button.get_text(strip=True) for button in page.select(".triage-work button")]
    assert buttons == ["Reopen"]
    assert "Offer times" not in page.get_text()
    assert page.select_one("textarea[name=reopen_reason]") is not None


def test_the_page_speaks_plain_staff_language_with_zoned_times(nurse_client, nurse, clinic):
    consultation = make_consultation()
    consultation.add_note("Left a message.", by=nurse)
    consultation.assign_to(nurse, by=nurse)
    consultation.record(RequestEvent.Kind.BOOKING, new="booked", detail="Booked by the patient")
    email = OutboxEmail.objects.create(
        kind="offer", message_id="<offer@clinic.example>", status=OutboxEmail.Status.SENT, sent_at=timezone.now()
    )
    Notification.objects.create(consultation=consultation, kind=Notification.Kind.OFFER, email=email)

    response = nurse_client.get(change_url(consultation))
    text = page_text(response)

    for default_words in ["New internal note", "#1", "Author name", "nobody →", "time(s)", "Save and continue"]:
        assert default_words not in text, default_words
    assert "Nobody → Nora Nurse" in text
    assert "Booked; Booked by the patient" in text
    assert "Written by" in text or "written by" in text.lower()
    zone = timezone.localtime().strftime("%Z")
    sent = BeautifulSoup(response.content, "html.parser").select("td.field-sent")
    assert sent and all(zone in cell.get_text() for cell in sent)


def test_a_content_editor_sees_no_request_page_and_cannot_reopen(django_user_model, clinic):
    consultation = make_consultation(status=Status.CLOSED, outcome=Outcome.COULD_NOT_REACH, full_name="Hidden Name")
    editor = make_staff(django_user_model, "editor", CONTENT_EDITORS)
    client = Client()
    client.force_login(editor)

    for response in [
        client.get(change_url(consultation)),
        client.post(change_url(consultation), {"_reopen": "1", "reopen_reason": "Because"}),
        client.get(QUEUE, {"view": "closed"}),
    ]:
        assert response.status_code in (302, 403)
        assert b"Hidden Name" not in response.content
    consultation.refresh_from_db()
    assert consultation.status == Status.CLOSED
