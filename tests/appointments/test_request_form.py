import pytest
from bs4 import BeautifulSoup
from django.test import Client

from appointments.models import ConsultationRequest, Notification
from tests.factories import form_token

pytestmark = pytest.mark.django_db

URL = "/appointments/request/"


def html(response):
    return BeautifulSoup(response.content, "html.parser")


def field_errors(response, name):
    """The error messages shown next to a field."""
    field = html(response).find(attrs={"name": name})
    container = field.find_parent(class_="mb-3") or field.find_parent("fieldset") or field.find_parent("div")
    return [e.get_text(" ", strip=True) for e in container.select(".invalid-feedback, .text-danger")]


def test_form_has_a_visible_label_for_every_field(client, clinic):
    page = html(client.get(URL))

    for name in ["full_name", "email", "phone", "topic", "had_spine_surgery", "message"]:
        field = page.find(attrs={"name": name})
        assert page.find("label", attrs={"for": field["id"]}).get_text(strip=True), name
    for name in ["preferred_contact", "preferred_times", "red_flags"]:
        for option in page.find_all("input", attrs={"name": name}):
            assert page.find("label", attrs={"for": option["id"]}).get_text(strip=True), name
    assert page.find("input", attrs={"name": "consent"})["id"] == "id_consent"
    assert "4,000 characters" in page.get_text()


def test_valid_request_is_stored_once_and_the_visitor_sees_its_reference(client, valid_data):
    response = client.post(URL, valid_data())

    assert response.status_code == 303
    assert response["Location"] == "/appointments/request/received/"
    consultation = ConsultationRequest.objects.get()
    assert consultation.status == ConsultationRequest.Status.NEW
    assert consultation.priority == ConsultationRequest.Priority.NORMAL
    assert consultation.full_name == "Maria Example"
    assert str(consultation.phone) == "+12025550143"
    assert consultation.topic.slug == "spinal-fusion"
    assert consultation.red_flags == []
    received = client.get(response["Location"])
    assert consultation.reference in received.content.decode()
    assert "within one business day" in received.content.decode()


def test_reference_is_human_friendly_and_unambiguous(client, valid_data):
    client.post(URL, valid_data())

    reference = ConsultationRequest.objects.get().reference
    assert reference.startswith("BR-") and len(reference) == 9
    assert not set(reference[3:]) & set("01ILO")


def test_confirmation_page_and_its_address_carry_no_personal_data(client, valid_data):
    response = client.post(URL, valid_data(), follow=True)

    body = response.content.decode()
    assert response.redirect_chain[-1][0] == "/appointments/request/received/"
    for detail in ["Maria", "maria@example.org", "555-0143", "lower back"]:
        assert detail not in body


def test_confirmation_page_without_a_request_sends_visitors_to_the_form(client, clinic):
    response = client.get("/appointments/request/received/")

    assert response.status_code == 302
    assert response["Location"] == URL


def test_notifications_carry_a_reference_and_a_link_but_no_personal_details(
    client, valid_data, mailoutbox, settings, django_capture_on_commit_callbacks, run_worker
):
    settings.APPOINTMENTS_TRIAGE_EMAIL = "triage@clinic.example"
    settings.SITE_URL = "https://clinic.example"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, valid_data())
    assert mailoutbox == []  # the web request only queues the emails
    run_worker()

    consultation = ConsultationRequest.objects.get()
    triage, patient = sorted(mailoutbox, key=lambda m: m.to[0] != "triage@clinic.example")
    assert triage.to == ["triage@clinic.example"]
    assert consultation.reference in triage.subject
    assert f"https://clinic.example/admin/appointments/consultationrequest/{consultation.pk}/change/" in triage.body
    assert patient.to == ["maria@example.org"]
    assert consultation.reference in patient.body
    for message in mailoutbox:
        for detail in ["Maria", "Example", "maria@example", "202", "0143", "lower back", "fusion"]:
            assert detail not in message.subject + message.body, (detail, message.subject)
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_no_confirmation_email_without_an_email_address(
    client, valid_data, mailoutbox, settings, django_capture_on_commit_callbacks, run_worker
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, valid_data(email=""))
    run_worker()

    assert [m.to for m in mailoutbox] == [[settings.APPOINTMENTS_TRIAGE_EMAIL]]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"full_name": ""}, "full_name", "Please tell us your name."),
        ({"email": "not-an-email"}, "email", "Enter an email address like name@example.com."),
        ({"phone": "12345"}, "phone", "Enter a phone number we can call"),
        ({"email": "", "phone": ""}, "email", "Give us an email address or a phone number"),
        ({"email": "", "phone": ""}, "phone", "Give us an email address or a phone number"),
        ({"preferred_contact": "email", "email": ""}, "email", "You asked us to email you"),
        ({"preferred_contact": "phone", "phone": ""}, "phone", "You asked us to call you"),
        ({"preferred_contact": None}, "preferred_contact", "Tell us whether to email you or call you."),
        ({"topic": ""}, "topic", "Choose a topic"),
        ({"topic": "no-such-topic"}, "topic", "Select a valid choice"),
        ({"had_spine_surgery": ""}, "had_spine_surgery", "Tell us whether you have had spine surgery."),
        ({"message": ""}, "message", "Tell us a little about what is going on."),
        ({"message": "x" * 4001}, "message", "Please shorten your message to 4000 characters or fewer (it has 4001)"),
        ({"red_flags": None}, "red_flags", "Tick any of these that you have now"),
        ({"consent": None}, "consent", "Please agree to the privacy notice"),
    ],
)
def test_each_invalid_answer_gets_a_plain_message_next_to_its_field(client, valid_data, overrides, field, message):
    response = client.post(URL, valid_data(**overrides))

    assert response.status_code == 200
    assert any(message in error for error in field_errors(response, field)), field_errors(response, field)
    summary = html(response).find(id="error-summary")
    assert message in summary.get_text()
    assert not ConsultationRequest.objects.exists()


def test_error_summary_links_to_each_field_with_an_error(client, valid_data):
    response = client.post(URL, valid_data(full_name="", red_flags=None))

    links = [a["href"] for a in html(response).find(id="error-summary").find_all("a")]
    assert links == ["#id_full_name", "#id_red_flags_0"]
    page = html(response)
    assert all(page.find(id=link[1:]) for link in links)


def test_form_keeps_what_the_visitor_typed_when_shown_again(client, valid_data):
    response = client.post(URL, valid_data(consent=None, red_flags=["leg_weakness"]))

    page = html(response)
    assert page.find("input", attrs={"name": "full_name"})["value"] == "Maria Example"
    assert page.find("textarea", attrs={"name": "message"}).get_text().strip().startswith("My lower back")
    assert page.find("input", attrs={"name": "red_flags", "value": "leg_weakness"}).has_attr("checked")
    assert page.find("option", attrs={"value": "spinal-fusion"}).has_attr("selected")


def test_a_red_flag_makes_the_request_urgent_and_the_confirmation_says_call_911(client, valid_data):
    response = client.post(URL, valid_data(red_flags=["bladder_bowel", "none"]), follow=True)

    consultation = ConsultationRequest.objects.get()
    assert consultation.priority == ConsultationRequest.Priority.URGENT
    assert consultation.red_flags == ["bladder_bowel"]
    alert = html(response).find(attrs={"role": "alert"})
    assert "Call 911 or go to the nearest emergency department now" in alert.get_text()
    assert "does not replace emergency care" in alert.get_text()


def test_the_form_itself_carries_the_emergency_guidance_next_to_the_warning_signs(client, clinic):
    page = html(client.get(URL))

    red_flags = page.find(class_="red-flags")
    assert red_flags.find(attrs={"name": "red_flags", "value": "bladder_bowel"})
    assert "Call 911 or go to the nearest emergency department now" in red_flags.find(class_="red-flag-alert").text


def test_article_link_names_the_article_preselects_its_topic_and_is_recorded(client, article, valid_data):
    page = html(client.get(URL, {"article": article.slug}))

    assert "About: Why Am I Experiencing Pain After a Spinal Fusion?" in page.get_text()
    assert page.find("option", attrs={"value": "spinal-fusion"}).has_attr("selected")
    assert page.find("form", class_="request-form")["action"] == f"{URL}?article={article.slug}"

    client.post(f"{URL}?article={article.slug}", valid_data(topic="other"))

    consultation = ConsultationRequest.objects.get()
    assert consultation.article == article
    assert consultation.topic is None


def test_an_unknown_or_unpublished_article_is_ignored(client, valid_data):
    client.post(f"{URL}?article=<script>", valid_data())

    assert ConsultationRequest.objects.get().article is None


def test_honeypot_posts_are_dropped_quietly(client, valid_data, caplog):
    response = client.post(URL, valid_data(website="http://spam.example"), follow=True)

    assert response.redirect_chain[0] == ("/appointments/request/received/", 303)
    assert "Your reference is" in response.content.decode()
    assert not ConsultationRequest.objects.exists()
    assert "spam checks (honeypot)" in caplog.text
    assert "Maria" not in caplog.text and "spam.example" not in caplog.text


def test_posts_sent_faster_than_a_person_can_type_are_dropped(client, valid_data, settings, caplog):
    settings.APPOINTMENTS_MIN_FORM_SECONDS = 3

    response = client.post(URL, valid_data(form_token=form_token(age=1)))

    assert response.status_code == 303
    assert not ConsultationRequest.objects.exists()
    assert "spam checks (too_fast)" in caplog.text


def test_minimum_time_zero_turns_the_timing_check_off(client, valid_data, settings):
    settings.APPOINTMENTS_MIN_FORM_SECONDS = 0

    client.post(URL, valid_data(form_token=form_token(age=0)))

    assert ConsultationRequest.objects.count() == 1


def test_a_forged_or_missing_form_token_stores_nothing_and_keeps_the_answers(client, valid_data, settings):
    forged = form_token(age=600)[:-3] + "abc"

    for token in [forged, ""]:
        response = client.post(URL, valid_data(form_token=token))
        assert response.status_code == 200
        assert "press “Send my request” again" in response.content.decode()
        assert html(response).find("input", attrs={"name": "full_name"})["value"] == "Maria Example"
    assert not ConsultationRequest.objects.exists()

    settings.APPOINTMENTS_MIN_FORM_SECONDS = 0
    token = html(response).find("input", attrs={"name": "form_token"})["value"]
    client.post(URL, valid_data(form_token=token))
    assert ConsultationRequest.objects.count() == 1  # the form shown again carries a token that works


def test_double_submission_stores_one_request_and_lands_on_the_same_confirmation(
    client, valid_data, mailoutbox, django_capture_on_commit_callbacks, run_worker
):
    data = valid_data()

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(URL, data, follow=True)
        second = Client().post(URL, data, follow=True)  # a retried POST from another connection
    run_worker()

    consultation = ConsultationRequest.objects.get()
    assert consultation.reference in first.content.decode()
    assert consultation.reference in second.content.decode()
    assert len(mailoutbox) == 2  # the triage note and the confirmation, once each


def test_post_without_csrf_token_is_refused(valid_data):
    client = Client(enforce_csrf_checks=True)

    response = client.post(URL, valid_data())

    assert response.status_code == 403
    assert not ConsultationRequest.objects.exists()


@pytest.mark.parametrize(
    "message",
    [
        "<script>alert('x')</script><b onclick=steal()>bold</b>",
        "\u202eevil text reversed\u202c and \u200f RTL marks",
        "Pain level 🔥🔥🔥 and 背痛 and ﷽",
        "'; DROP TABLE appointments_consultationrequest; --",
    ],
)
def test_hostile_text_is_stored_as_text_and_shown_escaped(client, valid_data, admin_client, message):
    client.post(URL, valid_data(message=message, full_name="<img src=x onerror=alert(1)>"))

    consultation = ConsultationRequest.objects.get()
    assert consultation.message == message
    admin_page = admin_client.get(consultation.get_admin_url()).content.decode()
    assert "<script>alert" not in admin_page
    assert "<img src=x" not in admin_page
    assert "&lt;img src=x onerror=alert(1)&gt;" in admin_page


def test_a_100kb_message_is_refused_by_the_length_limit(client, valid_data):
    response = client.post(URL, valid_data(message="a" * 100_000))

    assert response.status_code == 200
    assert "Please shorten your message" in response.content.decode()
    assert not ConsultationRequest.objects.exists()


def test_nul_bytes_get_a_form_error_not_a_crash(client, valid_data):
    response = client.post(URL, valid_data(message="hello\x00world", full_name="Ma\x00ria"))

    assert response.status_code == 200
    assert not ConsultationRequest.objects.exists()


def test_the_visitor_cannot_set_status_or_priority(client, valid_data):
    client.post(URL, valid_data(status="closed", priority="urgent", reference="BR-AAAAAA"))

    consultation = ConsultationRequest.objects.get()
    assert consultation.status == "new"
    assert consultation.priority == "normal"
    assert consultation.reference != "BR-AAAAAA"


def test_privacy_notice_is_a_page_of_its_own_linked_from_the_consent(client, clinic):
    consent_link = html(client.get(URL)).find("label", attrs={"for": "id_consent"}).find("a")
    response = client.get(consent_link["href"])

    assert consent_link["href"] == "/privacy/"
    assert response.status_code == 200
    assert html(response).h1.get_text() == "Privacy notice"


def test_spam_is_still_answered_when_the_cache_is_down(client, valid_data, caplog):
    from unittest import mock

    with mock.patch("django.core.cache.cache.add", side_effect=ConnectionError("cache down")):
        response = client.post(URL, valid_data(website="spam"))

    assert response.status_code == 303
    assert "The cache did not answer (add ConnectionError)" in caplog.text
