"""The front desk in a real browser at 1280 px: the day calendar, cancelling from it, offer times, axe clean."""

import os
from datetime import time, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect

from appointments.models import Appointment, Clinician
from clinic.opening_hours import at_local
from clinic.roles import TRIAGE_STAFF
from tests.browser.conftest import run_axe
from tests.factories import make_clinician, make_consultation

pytestmark = pytest.mark.usefixtures("sample_site")
PASSWORD = "a-long-staff-password-42"
# Pictures for docs/screenshots/ only when asked (FRONTDESK_SCREENSHOTS=1): a test run leaves the checkout clean.
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def picture(page, name, **options):
    if os.environ.get("FRONTDESK_SCREENSHOTS"):
        page.screenshot(path=SHOTS / name, **options)


def sign_in_as_nurse(page):
    nurse = User.objects.create_user("nora", password=PASSWORD, is_staff=True, first_name="Nora", last_name="Nurse")
    nurse.groups.add(Group.objects.get(name=TRIAGE_STAFF))
    page.goto("/admin/")
    page.get_by_label("Username").fill("nora")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return nurse


def fill_the_day():
    """Three clinicians and a morning of appointments in every state, long names included."""
    clinicians = [
        Clinician.objects.get(),
        make_clinician(name="Dr. Ben Okafor, physiatrist", weekdays=range(7), blocks=((8, 12), (13, 17))),
        make_clinician(name="Dr. Priya Raman-Castellanos, pain medicine", minutes=45, weekdays=range(7)),
    ]
    today = timezone.localdate()
    people = [
        ("Maria Example", "+13125550177", "booked"),
        ("Bartholomew Featherstonehaugh-Worthington", "+13125550178", "attended"),
        ("Sam Sample", "", "no_show"),
        ("Cara Cancelled", "+13125550179", "cancelled"),
        ("Olu Okonkwo", "+13125550180", "booked"),
        ("Lin Zhang", "+13125550181", "booked"),
    ]
    made = {}
    for number, (name, phone, status) in enumerate(people):
        clinician = clinicians[number % 3]
        starts_at = at_local(today, time(9 + number // 3, 0))
        made[name] = Appointment.objects.create(
            clinician=clinician,
            consultation=make_consultation(full_name=name, phone=phone),
            starts_at=starts_at,
            ends_at=starts_at + clinician.length,
            status=status,
        )
    return made


def test_the_day_calendar_at_1280_px_cancels_with_a_confirmation(new_page):
    made = fill_the_day()
    page = new_page("desktop")
    sign_in_as_nurse(page)

    page.goto("/admin/appointments/appointment/")
    page.get_by_role("link", name="Day calendar").click()

    table = page.locator("table.day-calendar")
    expect(table).to_contain_text("Maria Example")
    expect(page.get_by_role("columnheader", name="Dr. Ben Okafor, physiatrist")).to_be_visible()
    expect(page.get_by_role("rowheader", name="9:00 AM")).to_be_visible()
    expect(page.get_by_role("link", name="(312) 555-0177")).to_have_attribute("href", "tel:+13125550177")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    scroll = page.evaluate(
        "(() => { const box = document.querySelector('.day-calendar-scroll');"
        " return box.scrollWidth - box.clientWidth; })()"
    )
    assert overflow <= 0 and scroll <= 0, f"the calendar scrolls sideways at 1280 px: {overflow}, {scroll}"
    cancelled = page.locator(".appt-cancelled")
    expect(cancelled).to_contain_text("Cancelled")
    assert cancelled.evaluate("e => getComputedStyle(e).backgroundColor") != page.locator(
        ".appt-booked"
    ).first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert run_axe(page) == []
    picture(page, "front-desk-day-calendar.png", full_page=True)

    # By keyboard: the date picker, then back to today.
    later = timezone.localdate() + timedelta(days=7)
    page.get_by_label("Go to date").fill(later.isoformat())
    page.get_by_label("Go to date").press("Enter")
    expect(page.locator(".day-calendar caption")).to_contain_text(f"{later:%B} {later.day}, {later.year}")
    expect(page.locator("table.day-calendar")).not_to_contain_text("Maria Example")
    page.get_by_role("link", name="Previous day").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Today"
    expect(page.locator("table.day-calendar")).to_contain_text("Maria Example")

    page.get_by_role("link", name="Cancel Maria Example").click()
    expect(page.locator("#content-main")).to_contain_text("Cancel the appointment of Maria Example")
    assert run_axe(page) == []
    picture(page, "front-desk-cancel.png")
    made["Maria Example"].refresh_from_db()
    assert made["Maria Example"].status == "booked"  # opening the confirmation changed nothing
    page.get_by_role("button", name="Yes, cancel the appointment").click()
    expect(page.locator(".messagelist")).to_contain_text("appointment cancelled")
    expect(page.locator(".appt-cancelled", has_text="Maria Example")).to_contain_text("Cancelled")
    made["Maria Example"].refresh_from_db()
    assert made["Maria Example"].status == "cancelled"

    page.get_by_role("link", name="Bartholomew Featherstonehaugh-Worthington").click()
    expect(page.locator(".appointment-summary")).to_contain_text("Attended")
    violations = run_axe(page)
    assert violations == [], "\n".join(violations)


def test_offer_times_by_week_keeps_the_ticks_after_six(new_page):
    Clinician.objects.update(active=False)
    make_clinician(name="Dr. Ana Rivera", weekdays=range(7), blocks=((8, 18),))
    consultation = make_consultation(full_name="Maria Example", preferred_times="mornings")
    page = new_page("desktop")
    sign_in_as_nurse(page)
    page.goto(f"/admin/appointments/consultationrequest/{consultation.pk}/offer-times/")

    expect(page.locator(".booking-day legend").first).to_be_visible()
    expect(page.locator(".badge.preferred").first).to_have_text("preferred")
    boxes = page.locator(".booking-day").nth(1).get_by_role("checkbox")
    for index in range(6):
        boxes.nth(index).check()
    page.get_by_role("button", name="Send these times to the patient").click()
    expect(page.get_by_role("alert")).to_contain_text("between 1 and 5")
    assert page.locator("input[name=slot]:checked").count() == 6
    assert run_axe(page) == []
    picture(page, "front-desk-offer-times.png")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0

    page.get_by_role("link", name="Next week →").click()
    expect(page.get_by_role("link", name="← Previous week")).to_be_visible()
