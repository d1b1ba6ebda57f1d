"""Patients are never misled: the quick post, contradictory answers and the article, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from appointments.models import ConsultationRequest
from tests.browser.conftest import run_axe
from tests.browser.test_journeys import ARTICLE_TITLE, fill_request_form

pytestmark = pytest.mark.usefixtures("sample_site")
ARTICLE = "/education/why-pain-after-spinal-fusion/"
WARNING_SIGN = "New loss of bladder or bowel control"


def emergency_advice(page):
    advice = "Call 911 or go to the nearest emergency room now."
    return page.locator("main").get_by_role("alert").filter(has_text=advice)


def test_a_quick_post_with_a_warning_sign_on_a_phone_gets_the_advice_then_is_taken(new_page, settings):
    page = new_page("phone")
    settings.APPOINTMENTS_MIN_FORM_SECONDS = 60  # as if autofill sent the form the moment it appeared
    page.goto("/appointments/request/")
    fill_request_form(page, warning_sign=WARNING_SIGN)

    page.get_by_role("button", name="Send my request").click()

    advice = emergency_advice(page).first
    expect(advice).to_be_in_viewport()
    expect(advice.get_by_role("link", name="Call 911")).to_have_attribute("href", "tel:911;phone-context=+1")
    expect(page.get_by_role("status").filter(has_text="Please check your answers")).to_be_visible()
    expect(page.get_by_label("Your full name")).to_have_value("Maria Example")
    expect(page.get_by_label(WARNING_SIGN)).to_be_checked()
    expect(page.get_by_text("Thank you")).to_have_count(0)
    assert not ConsultationRequest.objects.exists()
    assert run_axe(page) == []

    page.get_by_role("button", name="Send my request").click()  # at once: the second look is taken

    expect(page).to_have_url(re.compile("/appointments/request/received/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Call 911 or go to the nearest emergency room now.")
    expect(page.get_by_role("link", name="Call 911")).to_be_in_viewport()
    consultation = ConsultationRequest.objects.get(reference=page.locator(".reference").inner_text())
    assert consultation.priority == ConsultationRequest.Priority.URGENT
    assert run_axe(page) == []


def test_a_warning_sign_with_none_of_these_is_an_error_next_to_the_question(new_page):
    page = new_page("phone")
    page.goto("/appointments/request/")
    fill_request_form(page, warning_sign=WARNING_SIGN)
    page.get_by_label("None of these").check()

    page.get_by_role("button", name="Send my request").click()

    expect(page.locator("#error-summary")).to_contain_text("Warning signs: you ticked a warning sign")
    question = page.locator(".red-flags")
    expect(question.get_by_text("You ticked a warning sign and also “None of these”")).to_be_visible()
    expect(emergency_advice(page).first.get_by_role("link", name="Call 911")).to_be_visible()
    assert not ConsultationRequest.objects.exists()
    assert run_axe(page) == []

    page.get_by_label("None of these").uncheck()
    page.get_by_role("button", name="Send my request").click()

    expect(page).to_have_url(re.compile("/appointments/request/received/$"))
    assert ConsultationRequest.objects.get().red_flags == ["bladder_bowel"]


def test_the_first_phone_screen_shows_the_title_the_summary_and_the_start_of_the_text(new_page):
    page = new_page("phone")
    page.goto(ARTICLE)

    expect(page.get_by_role("heading", level=1)).to_have_text(ARTICLE_TITLE)
    article = page.locator("article.article-body")
    for part in [article.locator("header .lead"), article.locator(".urgent-box"), article.locator("section h2").first]:
        expect(part).to_be_in_viewport()
    expect(article.locator(".review-line")).to_have_count(1)
    expect(article.locator(".topic-tags")).not_to_be_in_viewport()


def test_the_call_to_action_stays_in_view_while_reading_on_desktop(new_page):
    page = new_page("desktop")
    page.goto(ARTICLE)
    box = page.get_by_role("complementary", name="Talk to our team")
    expect(box).to_be_in_viewport()

    page.get_by_role("heading", name="When to get urgent help").scroll_into_view_if_needed()

    expect(page.get_by_role("heading", level=1)).not_to_be_in_viewport()
    expect(box).to_be_in_viewport()
    expect(box.get_by_role("link", name="Request a consultation")).to_be_in_viewport()


def test_the_urgent_help_box_links_to_the_full_block(new_page, viewport):
    page = new_page(viewport)
    page.goto(ARTICLE)

    page.locator(".urgent-box").get_by_role("link", name="When to get urgent help").click()

    expect(page).to_have_url(re.compile("#urgent-help$"))
    expect(page.get_by_role("heading", name="When to get urgent help")).to_be_in_viewport()
