"""The triage desk in a real browser at 1280 px: the queue fits, the work is at the top of a request."""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from clinic.roles import TRIAGE_STAFF
from tests.factories import make_consultation

pytestmark = pytest.mark.usefixtures("sample_site")
PASSWORD = "a-long-staff-password-42"
# Pictures for docs/screenshots/ only when asked (TRIAGE_SCREENSHOTS=1): a test run leaves the checkout clean.
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def picture(page, name, **options):
    if os.environ.get("TRIAGE_SCREENSHOTS"):
        page.screenshot(path=SHOTS / name, **options)


def sign_in_as_nurse(page):
    nurse = User.objects.create_user("nora", password=PASSWORD, is_staff=True, first_name="Nora", last_name="Nurse")
    nurse.groups.add(Group.objects.get(name=TRIAGE_STAFF))
    page.goto("/admin/")
    page.get_by_label("Username").fill("nora")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return nurse


def fill_queue():
    earlier = make_consultation(full_name="Maria Example", email="maria@example.org", phone="+13125550177")
    make_consultation(
        full_name="Bartholomew Featherstonehaugh-Worthington",
        email="bartholomew.featherstonehaugh@example.org",
        phone="+13125550177",
        preferred_contact="phone",
        red_flags=["bladder_bowel", "groin_numbness", "leg_weakness", "fever_wound", "fall_injury"],
        possible_duplicate_of=earlier,
        worse_since_last_request=True,
    )
    for number in range(6):
        make_consultation(full_name=f"Patient Number {number}", phone=f"+1202555014{number}")


@pytest.mark.parametrize("width", [1280, 1440])
def test_the_queue_fits_without_sideways_scrolling(new_page, width):
    fill_queue()
    page = new_page("desktop")
    page.set_viewport_size({"width": width, "height": 900})
    sign_in_as_nurse(page)

    page.goto("/admin/appointments/consultationrequest/")

    expect(page.locator("#result_list")).to_contain_text("Worse since last request")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    table = page.evaluate(
        "(() => { const t = document.querySelector('#result_list'); const r = t.getBoundingClientRect();"
        " const box = t.closest('.results'); return [r.right, box.scrollWidth - box.clientWidth]; })()"
    )
    markers = page.evaluate(
        "[...document.querySelectorAll('.queue-views li')].map(li => getComputedStyle(li).listStyleType)"
    )
    if width == 1280:
        picture(page, "triage-queue-desktop.png", full_page=True)
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}px"
    assert table[0] <= width and table[1] <= 0, f"the table is cut off at {width}px: {table}"
    assert markers and all(marker == "none" for marker in markers), f"bullets before the counts: {markers}"
    assert page.locator("a[href^='tel:']").first.inner_text() == "(312) 555-0177"


def test_the_request_page_shows_what_the_patient_said_beside_the_work_and_keeps_it_after_an_error(new_page):
    consultation = make_consultation(status="contacted", message="My back hurts. " * 80, red_flags=["leg_weakness"])
    page = new_page("desktop")
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in_as_nurse(page)

    page.goto(f"/admin/appointments/consultationrequest/{consultation.pk}/change/")
    for part in [".request-said .patient-text", ".request-said .badge.red-flag", ".triage-work input[name=_save]"]:
        box = page.locator(part).first.bounding_box()
        assert box["y"] + min(box["height"], 40) <= 900, f"{part} is below the fold: {box}"
    picture(page, "triage-request-desktop.png")
    page.get_by_role("button", name="Close", exact=True).click()

    expect(page.locator(".field-outcome .errorlist")).to_have_text("Choose an outcome to close the request.")
    expect(page.get_by_label("Outcome")).to_be_editable()
    expect(page.get_by_label("Status")).to_be_editable()
    page.get_by_label("Outcome").select_option(label="Booked")
    page.get_by_role("button", name="Close", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("saved")
    consultation.refresh_from_db()
    assert consultation.status == "closed"


def test_phone_pictures_of_the_queue_and_a_request(new_page):
    fill_queue()
    page = new_page("phone")
    sign_in_as_nurse(page)
    page.goto("/admin/appointments/consultationrequest/")
    picture(page, "triage-queue-phone.png")
    consultation = make_consultation(red_flags=["leg_weakness"])
    page.goto(f"/admin/appointments/consultationrequest/{consultation.pk}/change/")
    picture(page, "triage-request-phone.png")
    expect(page.get_by_role("button", name="Assign to me")).to_be_visible()
