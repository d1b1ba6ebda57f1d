"""Whatever a patient types, the desk can export it, and the form refuses only what is never meant."""

import csv
import io

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission
from openpyxl import load_workbook

from appointments.models import ConsultationRequest
from clinic.roles import TRIAGE_STAFF
from tests.appointments.test_triage_admin import action
from tests.factories import make_consultation, make_staff

pytestmark = pytest.mark.django_db
FORM = "/appointments/request/"
CONTROL_TEXT = "Pain\x0bsince\x1b[31m the fall\x01, worse at night"
HIDDEN_CHARACTER = "This has a hidden control character in it"


@pytest.fixture
def exporter_client(client, django_user_model, clinic):
    nurse = make_staff(django_user_model, "nurse", TRIAGE_STAFF)
    nurse.user_permissions.add(Permission.objects.get(codename="export_consultationrequest"))
    client.force_login(nurse)
    return client


def test_xlsx_export_replaces_characters_xml_cannot_hold(exporter_client):
    consultation = make_consultation(full_name="Ana\x1bLee", message=CONTROL_TEXT)

    response = exporter_client.post(
        "/admin/appointments/consultationrequest/",
        {"action": "export_xlsx", "_selected_action": [consultation.pk]},
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header, row = [cell.value for cell in sheet[1]], [cell.value for cell in sheet[2]]
    values = dict(zip(header, row, strict=True))

    assert response.status_code == 200
    assert values["message"] == "Pain\ufffdsince\ufffd[31m the fall\ufffd, worse at night"
    assert values["full name"] == "Ana\ufffdLee"


def test_csv_export_keeps_the_text_as_it_was_sent(exporter_client):
    consultation = make_consultation(message=CONTROL_TEXT)

    response = action(exporter_client, "export_csv", consultation, follow=False)
    (row,) = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))

    assert row["message"] == CONTROL_TEXT


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("message", CONTROL_TEXT),
        ("message", "It hurts\x00 here"),
        ("message", "Back pain\x85 since May"),  # a C1 control (NEL)
        ("full_name", "Maria\x07 Example"),
        ("email", '"maria\x01"@example.org'),  # a quoted address passes the email check
    ],
)
def test_the_form_refuses_control_characters_with_a_plain_message_next_to_the_field(client, valid_data, field, value):
    response = client.post(FORM, valid_data(**{field: value}))

    assert response.status_code == 200
    assert not ConsultationRequest.objects.exists()
    page = BeautifulSoup(response.content, "html.parser")
    container = page.find(attrs={"name": field}).find_parent(class_="mb-3")
    errors = [error.get_text(" ", strip=True) for error in container.select(".invalid-feedback")]
    assert len(errors) == 1 and errors[0].startswith(HIDDEN_CHARACTER)
    assert page.find(id="error-summary")


def test_line_breaks_and_tabs_are_what_people_type_and_are_kept(client, valid_data):
    message = "Lower back:\r\n\tworse in the morning\n\tbetter after walking"

    response = client.post(FORM, valid_data(message=message))

    assert response.status_code == 303
    assert ConsultationRequest.objects.get().message == message


def test_xlsx_export_replaces_noncharacters_xml_cannot_hold_either(exporter_client):
    consultation = make_consultation(message="Pain\uffffsince\ufffe the fall")

    response = exporter_client.post(
        "/admin/appointments/consultationrequest/",
        {"action": "export_xlsx", "_selected_action": [consultation.pk]},
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active

    assert response.status_code == 200
    assert "Pain\ufffdsince\ufffd the fall" in [cell.value for cell in sheet[2]]
