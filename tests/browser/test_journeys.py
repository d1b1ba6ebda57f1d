"""The journeys people make, in a real browser, on a phone-sized and a desktop viewport."""

import re

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from appointments.models import ConsultationRequest
from clinic.roles import CLINICAL_REVIEWERS, CONTENT_EDITORS, TRIAGE_STAFF
from education import clinical_review
from tests.factories import make_article, make_consultation

pytestmark = pytest.mark.usefixtures("sample_site")
ARTICLE_TITLE = "Why Am I Experiencing Pain After a Spinal Fusion?"
PASSWORD = "a-long-staff-password-42"


def fill_request_form(page, *, warning_sign="None of these"):
    page.get_by_label("Your full name").fill("Maria Example")
    page.get_by_label("Email address").fill("maria@example.org")
    page.get_by_label("Phone number").fill("(202) 555-0143")
    page.get_by_label("Email", exact=True).check()
    page.get_by_label("Mornings").check()
    page.get_by_label("What would you like to talk about?").select_option(label="Spinal fusion")
    page.get_by_label("Have you had spine surgery?").select_option(label="Yes, 6 months to 2 years ago")
    page.get_by_label("What is going on?").fill("My lower back still hurts a year after my fusion.")
    page.get_by_label(warning_sign).check()
    page.get_by_label(re.compile("I have read the privacy notice")).check()


def test_a_patient_reads_the_fusion_article_and_requests_a_consultation(new_page, viewport):
    page = new_page(viewport)
    page.goto("/")

    page.get_by_role("link", name=ARTICLE_TITLE).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ARTICLE_TITLE)

    contents = page.get_by_role("navigation", name="On this page")
    if viewport == "phone":
        contents.get_by_text("On this page").click()  # folded on phones, so the first screen reaches the text
    contents.get_by_role("link", name="Finding Relief After a Failed Spinal Fusion").click()
    expect(page).to_have_url(re.compile("#finding-relief-after-a-failed-spinal-fusion$"))
    expect(page.get_by_role("heading", name="Finding Relief After a Failed Spinal Fusion")).to_be_in_viewport()

    page.get_by_role("complementary", name="Talk to our team").get_by_role(
        "link", name="Request a consultation"
    ).click()
    expect(page.get_by_text(f"About: {ARTICLE_TITLE}")).to_be_visible()
    expect(page.get_by_label("What would you like to talk about?")).to_have_value("spinal-fusion")
    fill_request_form(page)
    page.get_by_role("button", name="Send my request").click()

    expect(page).to_have_url(re.compile("/appointments/request/received/$"))
    reference = page.locator(".reference").inner_text()
    assert re.fullmatch(r"BR-[2-9A-HJKMNP-Z]{6}", reference)
    consultation = ConsultationRequest.objects.get(reference=reference)
    assert consultation.article.slug == "why-pain-after-spinal-fusion"
    assert consultation.priority == ConsultationRequest.Priority.NORMAL


def test_ticking_a_warning_sign_shows_the_emergency_advice_at_once(new_page, viewport):
    page = new_page(viewport)
    page.goto("/appointments/request/")
    advice = page.locator(".red-flags").get_by_text("Call 911 or go to the nearest emergency room now.", exact=True)
    expect(advice).to_be_hidden()

    page.get_by_label("Numbness in the groin or inner thighs").check()
    expect(advice).to_be_visible()
    page.get_by_label("Numbness in the groin or inner thighs").uncheck()
    expect(advice).to_be_hidden()

    fill_request_form(page, warning_sign="Numbness in the groin or inner thighs")
    page.get_by_role("button", name="Send my request").click()

    expect(page.get_by_role("alert")).to_contain_text("Call 911 or go to the nearest emergency room now.")
    consultation = ConsultationRequest.objects.get(reference=page.locator(".reference").inner_text())
    assert consultation.priority == ConsultationRequest.Priority.URGENT
    assert consultation.red_flags == ["groin_numbness"]


def focused(page):
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {tag: el.tagName.toLowerCase(), id: el.id, name: el.name || '', type: el.type || '',
                    text: (el.innerText || '').trim().slice(0, 40),
                    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
        }"""
    )


def test_keyboard_only_skip_link_focus_and_every_form_control(new_page, viewport):
    page = new_page(viewport)
    page.goto("/education/why-pain-after-spinal-fusion/")

    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip["text"] == "Skip to main content" and skip["outline"]
    expect(page.get_by_role("link", name="Skip to main content")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"

    page.goto("/appointments/request/")
    reached = []
    for _ in range(60):
        page.keyboard.press("Tab")
        element = focused(page)
        if element["tag"] in ("input", "select", "textarea", "button"):
            assert element["outline"], f"no visible focus on {element}"
            reached.append(element["name"] or element["text"])
        if element["text"] == "Send my request":
            break
    for name in ["full_name", "email", "phone", "preferred_contact", "preferred_times", "topic",
                 "had_spine_surgery", "message", "red_flags", "consent", "Send my request"]:  # fmt: skip
        assert name in reached, f"{name} cannot be reached by keyboard: {reached}"
    assert "website" not in reached  # the honeypot stays out of the way

    page.keyboard.press("Enter")  # send the empty form
    expect(page.locator("#error-summary")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # follow the first error link
    expect(page.get_by_label("Your full name")).to_be_focused()
    page.keyboard.type("Maria Example")
    expect(page.get_by_label("Your full name")).to_have_value("Maria Example")


def staff_member(username, role):
    user = User.objects.create_user(username, password=PASSWORD, is_staff=True, first_name=username.title())
    user.groups.add(Group.objects.get(name=role))
    return user


def sign_in(page, username):
    page.goto("/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_staff_triage_the_urgent_request(new_page, viewport):
    staff_member("nora", TRIAGE_STAFF)
    make_consultation(full_name="Routine Patient")
    urgent = make_consultation(full_name="Urgent Patient", red_flags=["leg_weakness"])
    page = new_page(viewport)

    sign_in(page, "nora")
    page.locator("a[href$='/appointments/consultationrequest/']").first.click()
    expect(page.locator("#result_list tbody tr").first).to_contain_text(urgent.reference)
    page.get_by_role("link", name=urgent.reference).click()

    expect(page.locator(".badge.red-flag")).to_have_text("Leg weakness that is quickly getting worse")
    page.get_by_label("Assigned to").select_option(label="Nora")
    page.get_by_label("Status").select_option(label="Contacted")
    page.locator("textarea[name='notes-0-text']").fill("Called back; advised the emergency room.")
    page.locator(".triage-work input[name=_save]").click()  # Save stays on the request
    expect(page.locator(".messagelist")).to_contain_text(f"{urgent.reference} saved.")

    timeline = page.locator("#events-group")
    for text in ["Received", "Assigned", "Note added", "Status changed", "New → Contacted"]:
        expect(timeline).to_contain_text(text)
    expect(page.locator("#notes-2-group")).to_contain_text("Called back; advised the emergency room.")
    urgent.refresh_from_db()
    assert urgent.status == ConsultationRequest.Status.CONTACTED and urgent.assigned_to.username == "nora"


def test_an_editor_changes_a_section_previews_and_publishes(new_page, viewport):
    staff_member("eddie", CONTENT_EDITORS)
    live = make_article(
        title="Back to work",
        slug="back-to-work",
        sections=[("Work", "Most people go back to work.")],
        summary="When most people go back to work after spine surgery, and how to make it easier.",
    )
    page = new_page(viewport)
    sign_in(page, "eddie")
    page.goto(f"/admin/education/article/{live.pk}/change/")
    expect(page.locator(".status-line")).to_have_text("Live")

    page.locator("textarea[name='sections-0-body']").fill("Most people go back to **light** work in two weeks.")
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".messagelist")).to_contain_text("Saved your draft of changes")
    with page.expect_popup() as popup:
        page.get_by_role("link", name="Preview your draft (only staff can see it)").click()
    preview = popup.value
    expect(preview.locator(".preview-banner")).to_contain_text("draft of changes")
    expect(preview.locator("article")).to_contain_text("Most people go back to light work in two weeks.")

    reader = new_page(viewport)
    reader.goto("/education/back-to-work/")
    expect(reader.locator("article section").first).to_contain_text("Most people go back to work.")

    # Changed advice goes live once a clinical reviewer approved it.
    page.get_by_role("button", name="Submit for clinical review").click()
    expect(page.locator("#clinical-sign-off")).to_contain_text("Waiting for a clinical reviewer")
    clinical_review.approve(live.sign_offs.get(state="submitted"), by=staff_member("rita", CLINICAL_REVIEWERS))
    page.reload()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("Published “Back to work”")

    reader.goto("/education/back-to-work/")
    expect(reader.locator("article section").first).to_contain_text("Most people go back to light work in two weeks.")
    expect(reader.locator("article section strong")).to_have_text("light")
