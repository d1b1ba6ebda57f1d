"""The triage desk as a nurse works it: the request page, search, exports, bad addresses, counts."""

import csv
import datetime
import io

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from appointments.models import ConsultationRequest, RequestEvent
from appointments.requests.exports import spreadsheet_safe
from clinic.roles import CONTENT_EDITORS, TRIAGE_STAFF
from tests.appointments.test_triage_admin import (
    QUEUE,
    action,
    change_form_data,
    change_url,
    queue_references,
)
from tests.factories import make_article, make_consultation, make_staff

pytestmark = pytest.mark.django_db
Status = ConsultationRequest.Status


def page_of(response):
    return BeautifulSoup(response.content, "html.parser")


# --- The request page -----------------------------------------------------------


def test_what_the_patient_said_comes_first_beside_the_work(nurse_client):
    earlier = make_consultation(email="ann@example.org")
    article = make_article(title="Back pain after fusion")
    consultation = make_consultation(
        email="ann@example.org",
        message="My back hurts a lot.",
        red_flags=["leg_weakness"],
        preferred_contact="phone",
        preferred_times="mornings",
        article=article,
        possible_duplicate_of=earlier,
        worse_since_last_request=True,
    )

    content = nurse_client.get(change_url(consultation)).content.decode()
    page = BeautifulSoup(content, "html.parser")
    top = page.select_one(".request-top")
    said, work = top.select_one(".request-said"), top.select_one(".request-work")
    buttons = [button.get_text(strip=True) for button in work.select(".triage-work button")]

    assert buttons == ["Assign to me", "Move to In review", "Move to Contacted", "Close"]
    assert work.find("input", attrs={"name": "_save"})
    said_text = " ".join(said.get_text(" ", strip=True).split())
    for words in [
        "Leg weakness",
        "My back hurts a lot.",
        "Phone, mornings",
        "Back pain after fusion",
        "Worse: a new warning sign is ticked",
    ]:
        assert words.lower() in said_text.lower(), words
    assert content.index("My back hurts a lot.") < content.index('name="_save"')
    assert content.index("My back hurts a lot.") < content.index(consultation.email)  # contact details below


def test_the_status_list_offers_only_the_moves_the_path_allows(nurse_client):
    consultation = make_consultation(status=Status.CONTACTED)

    page = page_of(nurse_client.get(change_url(consultation)))
    offered = [option["value"] for option in page.select("select[name=status] option")]
    moves = [button["value"] for button in page.select(".triage-work button[name=_move_to]")]

    assert offered == ["contacted", "scheduled", "closed"]
    assert moves == ["scheduled", "closed"]


def test_assign_to_me_and_move_buttons_save_and_stay_on_the_page(nurse_client, nurse):
    consultation = make_consultation()

    response = nurse_client.post(
        change_url(consultation), change_form_data(nurse_client, consultation, _assign_to_me="1")
    )
    assert response.status_code == 302 and response["Location"] == change_url(consultation)
    response = nurse_client.post(
        change_url(consultation), change_form_data(nurse_client, consultation, _move_to="contacted")
    )

    consultation.refresh_from_db()
    assert (consultation.assigned_to, consultation.status) == (nurse, Status.CONTACTED)
    assert not page_of(nurse_client.get(change_url(consultation))).find("button", string="Assign to me")


def test_closing_without_an_outcome_shows_the_error_by_the_field_and_keeps_the_controls(nurse_client):
    consultation = make_consultation(status=Status.CONTACTED)

    response = nurse_client.post(
        change_url(consultation), change_form_data(nurse_client, consultation, _move_to="closed")
    )

    page = page_of(response)
    outcome_row = page.select_one(".field-outcome")
    assert "Choose an outcome to close the request." in outcome_row.get_text()
    for name in ["status", "outcome", "priority", "assigned_to"]:
        assert page.find("select", attrs={"name": name}), f"{name} is no longer editable"
    response = nurse_client.post(
        change_url(consultation), change_form_data(nurse_client, consultation, _move_to="closed", outcome="booked")
    )
    consultation.refresh_from_db()
    assert (consultation.status, consultation.outcome) == (Status.CLOSED, "booked")


def test_a_refused_move_shows_its_error_by_the_status_and_keeps_the_controls(nurse_client):
    consultation = make_consultation(status=Status.SCHEDULED)

    page = page_of(
        nurse_client.post(change_url(consultation), change_form_data(nurse_client, consultation, status="new"))
    )

    assert "cannot move to “New”" in page.select_one(".field-status").get_text()
    assert page.find("select", attrs={"name": "status"}) and page.find("select", attrs={"name": "outcome"})


def test_the_assignee_is_chosen_among_triage_staff_without_account_icons(nurse_client, django_user_model):
    make_staff(django_user_model, "colleague", TRIAGE_STAFF, first_name="Cleo")
    make_staff(django_user_model, "writer", CONTENT_EDITORS)
    make_staff(django_user_model, "gone", TRIAGE_STAFF, is_active=False)
    consultation = make_consultation()

    page = page_of(nurse_client.get(change_url(consultation)))
    names = [option.get_text() for option in page.select("select[name=assigned_to] option") if option["value"]]

    assert sorted(names) == ["Cleo", "Nora Nurse"]
    assert not page.select(".field-assigned_to .related-widget-wrapper-link")


def test_every_time_on_the_page_is_the_clinics_time(nurse_client, nurse):
    received = timezone.now() - datetime.timedelta(hours=3)
    consultation = make_consultation(created_at=received)
    consultation.add_note("Left a message", by=nurse)

    page = page_of(nurse_client.get(change_url(consultation)))
    local = timezone.localtime(received)
    zone = local.strftime("%Z")
    text = page.get_text(" ", strip=True)

    assert f"{local:%b} {local.day}, {local.year}, {local.strftime('%I').lstrip('0')}:{local:%M %p} {zone}" in text
    utc = received.astimezone(datetime.UTC)
    assert f"{utc:%H:%M}" not in text or utc.hour == local.hour
    times = [cell.get_text(strip=True) for cell in page.select("td.field-when")]
    assert times and all(time.endswith(zone) for time in times)


def test_the_empty_note_form_shows_no_time(nurse_client):
    consultation = make_consultation()

    page = page_of(nurse_client.get(change_url(consultation)))
    new_note = page.find("textarea", attrs={"name": "notes-0-text"}).find_parent("fieldset")

    assert "created" not in new_note.get_text().lower() and "when" not in new_note.get_text().lower()


def test_the_request_page_leaves_a_place_for_booking_actions():
    from django.template.loader import get_template

    assert get_template("admin/appointments/consultationrequest/_booking_actions.html")


# --- Search -----------------------------------------------------------------------


@pytest.mark.parametrize("query", ["(312) 555-0177", "312 555 0177", "312-555-0177", "+1 312 555 0177", "3125550177"])
def test_search_finds_a_phone_in_any_format_and_only_that_phone(nurse_client, query):
    wanted = make_consultation(phone="+13125550177")
    make_consultation(phone="+13125550178")
    make_consultation(phone="+15553120177")

    assert queue_references(nurse_client.get(QUEUE, {"q": query})) == [wanted.reference]


@pytest.mark.parametrize("transform", [str.lower, str.upper, lambda ref: ref[3:].lower(), lambda ref: f" {ref} "])
def test_search_finds_a_reference_in_any_case(nurse_client, transform):
    wanted = make_consultation()
    make_consultation()

    assert queue_references(nurse_client.get(QUEUE, {"q": transform(wanted.reference)})) == [wanted.reference]


# --- Bad addresses are never a 500 ------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"assigned": "²"},
        {"assigned": "٣"},
        {"assigned": "99999999999999999999999"},
        {"assigned": "x\x00"},
        {"q": "Rosa\x00"},
        {"status__exact": "\x00"},
        {"status__exact": "bogus"},
        {"priority__exact": "²"},
        {"topic__id__exact": "²"},
        {"topic__id__exact": "abc"},
        {"overdue": "maybe"},
        {"created_at__gte": "²"},
        {"created_at__gte": "2026-99-99"},
        {"o": "99.x"},
        {"p": "²"},
        {"q": "²" * 50},
    ],
)
def test_bad_filter_values_are_ignored_or_refused_never_an_error(nurse_client, params):
    make_consultation()

    response = nurse_client.get(QUEUE, params)

    assert response.status_code in (200, 302, 400)


def test_a_nul_byte_is_dropped_or_refused_never_an_error(nurse_client):
    # The site's middleware drops NULs from query strings (the one place that handles them).
    assert nurse_client.get(QUEUE, {"q": "a\x00b", "status__exact": "\x00new"}).status_code in (200, 400)


def test_a_nul_byte_in_the_search_is_dropped_and_the_search_still_finds(nurse_client):
    wanted = make_consultation(full_name="Rosa Parks")
    make_consultation(full_name="Someone Else")

    response = nurse_client.get(QUEUE, {"q": "Ro\x00sa"})

    assert response.status_code == 200
    assert queue_references(response) == [wanted.reference]


# --- Counts on the admin index ---------------------------------------------------------


def test_triage_staff_see_the_counts_on_the_admin_index(nurse_client):
    make_consultation()
    make_consultation(red_flags=["leg_weakness"])
    make_consultation(created_at=timezone.now() - datetime.timedelta(days=10))

    page = page_of(nurse_client.get(reverse("admin:index")))
    box = page.find(id="triage-counts")

    assert [item.get_text(" ", strip=True) for item in box.select(".queue-counts li")] == [
        "3 new",
        "1 urgent and open",
        "1 overdue",
    ]
    assert box.select_one(".queue-counts a")["href"] == f"{QUEUE}?status__exact=new"


def test_editors_see_no_request_counts(client, django_user_model, clinic):
    client.force_login(make_staff(django_user_model, "writer", CONTENT_EDITORS))
    make_consultation()

    assert not page_of(client.get(reverse("admin:index"))).find(id="triage-counts")


# --- Exports -------------------------------------------------------------------


@pytest.fixture
def exporter(nurse):
    nurse.user_permissions.add(Permission.objects.get(codename="export_consultationrequest"))
    return nurse


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("ok;+cmd|' /C calc'!A0", "ok;'+cmd|' /C calc'!A0"),
        ("ok; =HYPERLINK(1)", "ok; '=HYPERLINK(1)"),
        ("a,@SUM(1)", "a,'@SUM(1)"),
        ("line\n-2+3", "line\n'-2+3"),
        ("(312) 555-0177", "(312) 555-0177"),
        ("My back hurts", "My back hurts"),
    ],
)
def test_formula_like_cells_are_neutralised_also_after_a_separator(text, safe):
    assert spreadsheet_safe(text) == safe


def test_csv_export_quotes_every_cell_and_shows_phones_as_people_read_them(nurse_client, exporter):
    consultation = make_consultation(phone="+13125550177", message="ok;+cmd|' /C calc'!A0")

    response = action(nurse_client, "export_csv", consultation, follow=False)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    (row,) = csv.DictReader(io.StringIO(text))

    assert row["phone"] == "(312) 555-0177"
    assert row["message"] == "ok;'+cmd|' /C calc'!A0"
    assert all(line.startswith('"') and line.endswith('"') for line in text.splitlines() if line)


def test_xlsx_export_writes_every_cell_as_text(nurse_client, exporter):
    hostile = make_consultation(full_name='=HYPERLINK("http://evil")', phone="+13125550177", message="+SUM(A1)")

    response = action(nurse_client, "export_xlsx", hostile, follow=False)
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    header, row = [cell.value for cell in sheet[1]], sheet[2]

    assert response["Content-Disposition"].endswith('.xlsx"')
    assert all(cell.data_type in ("s", "inlineStr") for cell in row)  # text, never "f" (formula)
    values = dict(zip(header, (cell.value for cell in row), strict=True))
    assert values["full name"] == '=HYPERLINK("http://evil")' and values["message"] == "+SUM(A1)"
    assert values["phone"] == "(312) 555-0177"
    assert RequestEvent.objects.filter(kind=RequestEvent.Kind.EXPORT, consultation=hostile).count() == 1


# --- Worse since last request ----------------------------------------------------------


def test_a_new_request_with_a_warning_sign_is_linked_and_marked_worse(client, nurse_client, valid_data):
    from appointments.models import ConsultationRequest as Model

    client.post(reverse("appointments:request"), valid_data(email="same@example.org"))
    client.post(reverse("appointments:request"), valid_data(email="same@example.org", red_flags=["leg_weakness"]))

    earlier, later = Model.objects.order_by("created_at", "pk")
    assert later.possible_duplicate_of == earlier and later.worse_since_last_request
    assert not earlier.worse_since_last_request
    row = next(r for r in page_of(nurse_client.get(QUEUE)).select("#result_list tbody tr") if later.reference in r.text)
    assert "Worse since last request" in row.get_text(" ", strip=True)


def test_a_repeat_without_a_new_warning_sign_is_only_a_possible_duplicate(client, valid_data):
    client.post(reverse("appointments:request"), valid_data(red_flags=["leg_weakness"]))
    client.post(reverse("appointments:request"), valid_data(red_flags=["leg_weakness"]))

    later = ConsultationRequest.objects.order_by("-created_at", "-pk").first()
    assert later.possible_duplicate_of is not None and not later.worse_since_last_request
