import time

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.test import Client

from appointments.models import ConsultationRequest, Notification
from appointments.requests.forms import summary_line
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
    assert set(Notification.objects.values_list("email__status", flat=True)) == {"sent"}


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
        ({"phone": "12345"}, "phone", "Enter a number we can call"),
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
    assert summary_line(message) in summary.get_text()
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


def test_a_red_flag_makes_the_request_urgent_and_the_confirmation_starts_with_call_911(client, valid_data):
    response = client.post(URL, valid_data(red_flags=["bladder_bowel"]), follow=True)

    consultation = ConsultationRequest.objects.get()
    assert consultation.priority == ConsultationRequest.Priority.URGENT
    assert consultation.red_flags == ["bladder_bowel"]
    page = html(response)
    main = page.find("main")
    first = main.find(attrs={"role": "alert"})
    assert main.get_text(" ", strip=True).startswith("Call 911 or go to the nearest emergency room now.")
    assert page.h1.get_text(strip=True) == "Call 911 or go to the nearest emergency room now."
    assert "does not replace emergency care" in first.get_text()
    call = first.find("a", href="tel:911;phone-context=+1")
    assert call.get_text(strip=True) == "Call 911"
    text = main.get_text(" ", strip=True)
    assert text.index("Call 911") < text.index("We also received your request") < text.index(consultation.reference)
    assert "Please do not wait for us" not in text and "emergency department" not in text


def test_the_form_itself_carries_the_emergency_guidance_next_to_the_warning_signs(client, clinic):
    page = html(client.get(URL))

    red_flags = page.find(class_="red-flags")
    assert red_flags.find(attrs={"name": "red_flags", "value": "bladder_bowel"})
    assert "Call 911 or go to the nearest emergency room now" in red_flags.find(class_="red-flag-alert").text


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
    assert "Thank you" in response.content.decode()
    assert "Your reference is" not in response.content.decode()  # never a reference that was not stored
    assert not ConsultationRequest.objects.exists()
    assert "spam checks (honeypot)" in caplog.text
    assert "Maria" not in caplog.text and "spam.example" not in caplog.text


def test_a_quick_post_shows_the_form_again_with_every_answer_and_one_calm_line(client, valid_data, settings, caplog):
    settings.APPOINTMENTS_MIN_FORM_SECONDS = 3

    response = client.post(URL, valid_data(form_token=form_token(age=1)))

    assert response.status_code == 200
    assert not ConsultationRequest.objects.exists()
    assert "spam checks (too_fast)" in caplog.text
    page = html(response)
    assert page.find(id="check-again").get_text(strip=True) == "Please check your answers, then press Send my request."
    assert not page.find(id="error-summary") and not page.select(".invalid-feedback")
    assert "Thank you" not in page.get_text() and "reference" not in page.get_text().lower()
    assert page.find("input", attrs={"name": "full_name"})["value"] == "Maria Example"
    assert page.find("textarea", attrs={"name": "message"}).get_text().strip().startswith("My lower back")
    assert page.find("input", attrs={"name": "consent"}).has_attr("checked")
    assert page.find("option", attrs={"value": "spinal-fusion"}).has_attr("selected")
    assert response["Cache-Control"].count("no-store") == 1


def test_a_second_quick_post_with_the_fresh_token_is_taken(client, valid_data, settings):
    settings.APPOINTMENTS_MIN_FORM_SECONDS = 3
    first = client.post(URL, valid_data(form_token=form_token(age=0)))
    fresh = html(first).find("input", attrs={"name": "form_token"})["value"]

    second = client.post(URL, valid_data(form_token=fresh))  # at once: well within three seconds

    assert second.status_code == 303
    assert ConsultationRequest.objects.count() == 1


def test_a_quick_post_with_a_warning_sign_shows_the_emergency_advice(client, valid_data, settings):
    settings.APPOINTMENTS_MIN_FORM_SECONDS = 3

    response = client.post(URL, valid_data(form_token=form_token(age=0), red_flags=["leg_weakness"]))

    assert response.status_code == 200
    alert = html(response).find("main").find(attrs={"role": "alert"})
    assert "Call 911 or go to the nearest emergency room now" in alert.get_text()
    assert alert.find("a", href="tel:911;phone-context=+1")


@pytest.mark.parametrize(
    "overrides",
    [{"website": "http://spam.example"}, {"form_token": ""}, {"form_token": "forged"}],
    ids=["honeypot", "missing token", "forged token"],
)
def test_a_post_with_a_warning_sign_always_gets_the_emergency_advice(client, valid_data, overrides):
    response = client.post(URL, valid_data(red_flags=["bladder_bowel"], **overrides), follow=True)

    alert = html(response).find("main").find(attrs={"role": "alert"})
    assert "Call 911 or go to the nearest emergency room now" in alert.get_text()
    assert alert.find("a", href="tel:911;phone-context=+1")


def test_the_rate_limit_page_also_gives_the_emergency_advice(client, valid_data, settings):
    settings.APPOINTMENTS_RATE_LIMIT = "1/10m"
    client.post(URL, valid_data())

    response = client.post(URL, valid_data(red_flags=["bladder_bowel"]))

    assert response.status_code == 429
    assert html(response).find("main").find(attrs={"role": "alert"}).find("a", href="tel:911;phone-context=+1")


def test_a_warning_sign_and_none_of_these_together_is_an_error_next_to_the_question(client, valid_data):
    response = client.post(URL, valid_data(red_flags=["bladder_bowel", "none"]))

    assert response.status_code == 200
    assert not ConsultationRequest.objects.exists()
    assert any("also “None of these”" in error for error in field_errors(response, "red_flags"))
    links = [a["href"] for a in html(response).find(id="error-summary").find_all("a")]
    assert links == ["#id_red_flags_0"]
    assert html(response).find("main").find(attrs={"role": "alert"}).find("a", href="tel:911;phone-context=+1")


def test_minimum_time_zero_turns_the_timing_check_off(client, valid_data, settings):
    settings.APPOINTMENTS_MIN_FORM_SECONDS = 0

    client.post(URL, valid_data(form_token=form_token(age=0)))

    assert ConsultationRequest.objects.count() == 1


def test_a_forged_or_missing_form_token_stores_nothing_and_keeps_the_answers(client, valid_data, settings):
    forged = form_token(age=600)[:-3] + "abc"

    for token in [forged, ""]:
        response = client.post(URL, valid_data(form_token=token))
        assert response.status_code == 200
        assert "Please check your answers, then press Send" in response.content.decode()
        assert html(response).find("input", attrs={"name": "full_name"})["value"] == "Maria Example"
    assert not ConsultationRequest.objects.exists()

    token = html(response).find("input", attrs={"name": "form_token"})["value"]
    with time_machine.travel(time.time() + settings.APPOINTMENTS_MIN_FORM_SECONDS + 1):  # once the wait has passed
        client.post(URL, valid_data(form_token=token))
    assert ConsultationRequest.objects.count() == 1  # the form shown again carries a token that works


def test_double_submission_stores_one_request_and_lands_on_the_same_confirmation(
    client, valid_data, mailoutbox, django_capture_on_commit_callbacks, run_worker
):
    data = valid_data()

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(URL, data, follow=True)
        second = client.post(URL, data, follow=True)  # a double click, or a retry after a lost answer
    run_worker()

    consultation = ConsultationRequest.objects.get()
    assert consultation.reference in first.content.decode()
    assert consultation.reference in second.content.decode()
    assert len(mailoutbox) == 2  # the triage note and the confirmation, once each


def test_a_double_click_before_the_first_answer_arrives_still_shows_the_reference(client, valid_data, settings):
    settings.APPOINTMENTS_MIN_FORM_SECONDS = 0
    token = html(client.get(URL)).find("input", attrs={"name": "form_token"})["value"]
    data = valid_data(form_token=token)
    first = Client()
    first.cookies["clinic_form_browser"] = client.cookies["clinic_form_browser"].value
    first.post(URL, data)  # the first click: its answer (and session cookie) never reached the browser

    response = client.post(URL, data, follow=True)  # the second click, from the browser that got the form

    assert ConsultationRequest.objects.get().reference in response.content.decode()


def test_a_used_form_sent_from_another_browser_shows_nothing_of_the_first_request(client, valid_data):
    data = valid_data(red_flags=["bladder_bowel"])
    client.post(URL, data)
    consultation = ConsultationRequest.objects.get()

    response = Client().post(URL, data, follow=True)

    body = response.content.decode()
    assert response.status_code == 200
    assert html(response).h1.get_text(strip=True) == "This request was already sent"
    assert consultation.reference not in body
    assert ConsultationRequest.objects.count() == 1
    assert "no-store" in response["Cache-Control"]


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


def test_error_summary_has_one_short_line_per_field(client, valid_data):
    response = client.post(URL, valid_data(email="", phone="", preferred_contact=None, had_spine_surgery=""))

    lines = [li.get_text(" ", strip=True) for li in html(response).find(id="error-summary").find_all("li")]
    assert lines == [
        "Email address: give us an email address or a phone number, so that we can reach you",
        "How to contact you: tell us whether to email you or call you",
        "Spine surgery: tell us whether you have had spine surgery",
    ]
    for line in lines:
        assert not any(pair in line for pair in ["?:", ".:", "..", ":.", "?."])


def test_an_unusable_phone_number_gets_one_plain_line(client, valid_data):
    response = client.post(URL, valid_data(phone="12345"))

    (line,) = [li.get_text(" ", strip=True) for li in html(response).find(id="error-summary").find_all("li")]
    assert line.startswith("Phone number: enter a number we can call")


def test_the_confirmation_says_by_which_date_the_clinic_answers(client, valid_data):
    from clinic.opening_hours import answer_by, spelled_out_day

    response = client.post(URL, valid_data(), follow=True)

    expected = spelled_out_day(answer_by(ConsultationRequest.objects.get().created_at))
    assert html(response).find(class_="answer-by").get_text(strip=True) == f"by {expected}"


def test_the_answer_date_skips_closures(client, valid_data, clinic):
    from datetime import timedelta

    from django.utils import timezone

    from clinic.models import ClinicClosure
    from clinic.opening_hours import spelled_out_day

    today = timezone.localdate()
    ClinicClosure.objects.create(starts_on=today, ends_on=today + timedelta(days=20), reason="Moving")

    response = client.post(URL, valid_data(), follow=True)

    shown = html(response).find(class_="answer-by").get_text(strip=True)
    later = [spelled_out_day(today + timedelta(days=n)) for n in range(21, 40)]
    assert shown.removeprefix("by ") in later


@pytest.mark.parametrize("path", [URL, "/appointments/request/received/"])
def test_pages_that_echo_what_a_patient_typed_are_never_stored(client, valid_data, path):
    client.post(URL, valid_data())
    invalid = client.post(URL, valid_data(full_name=""))

    response = client.get(path)

    assert "no-store" in response["Cache-Control"]
    assert "no-store" in invalid["Cache-Control"]


def test_a_honeypot_post_with_a_warning_sign_gets_the_advice_but_no_claim_of_a_stored_request(client, valid_data):
    response = client.post(URL, valid_data(website="http://spam.example", red_flags=["bladder_bowel"]), follow=True)

    text = html(response).find("main").get_text(" ", strip=True)
    assert text.startswith("Call 911 or go to the nearest emergency room now.")
    assert "We also received your request" not in text and "reference" not in text.lower()


def test_two_quick_posts_without_a_shown_form_do_not_pass_the_time_trap(client, valid_data, settings):
    settings.APPOINTMENTS_MIN_FORM_SECONDS = 3
    first = client.post(URL, valid_data(form_token=""))  # never shown the form: no token at all
    fresh = html(first).find("input", attrs={"name": "form_token"})["value"]

    second = client.post(URL, valid_data(form_token=fresh))  # the "check again" token, at once

    assert first.status_code == second.status_code == 200
    assert html(second).find(id="check-again")
    assert not ConsultationRequest.objects.exists()


def test_the_check_again_token_after_a_post_without_a_form_is_taken_once_the_wait_has_passed(
    client, valid_data, settings
):
    settings.APPOINTMENTS_MIN_FORM_SECONDS = 3
    with time_machine.travel(time.time(), tick=False) as clock:
        first = client.post(URL, valid_data(form_token="forged"))
        fresh = html(first).find("input", attrs={"name": "form_token"})["value"]
        clock.shift(4)

        second = client.post(URL, valid_data(form_token=fresh))

    assert second.status_code == 303
    assert ConsultationRequest.objects.count() == 1
