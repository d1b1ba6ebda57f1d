"""A patient books from the emailed link on a phone, in a real browser, without JavaScript from us."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from appointments import booking
from appointments.models import Appointment, Clinician
from tests.browser.conftest import run_axe
from tests.factories import make_consultation

pytestmark = pytest.mark.usefixtures("sample_site")
# SCREENSHOT_DIR=/some/dir keeps pictures of each step, to look at.
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def picture(page, name):
    if SCREENSHOTS:
        page.screenshot(path=Path(SCREENSHOTS) / f"{name}.png", full_page=True)


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_patient_chooses_a_time_books_it_and_can_cancel(new_page, viewport):
    consultation = make_consultation(full_name="Maria Example", message="Pain after my fusion.")
    offer = booking.offer_times(consultation, by=None)
    chosen = booking.offered_slots(offer)[1]
    page = new_page(viewport)

    page.goto(offer.get_absolute_url())
    expect(page.get_by_role("heading", name="Choose a time for your appointment")).to_be_visible()
    assert run_axe(page) == []
    assert "Maria" not in page.content() and "fusion" not in page.locator("main").inner_text()
    picture(page, f"booking-choose-{viewport}")
    page.get_by_label(chosen.label).check()
    page.get_by_role("button", name="Book this time").click()

    expect(page.get_by_role("heading", name="Your appointment is booked")).to_be_visible()
    expect(page.locator("main")).to_contain_text(chosen.label)
    expect(page.locator("main")).to_contain_text(Clinician.objects.get().name)
    assert run_axe(page) == []
    picture(page, f"booking-booked-{viewport}")
    assert Appointment.objects.get().starts_at == chosen.starts_at

    # Going back and pressing Book again books nothing more: the page shows the appointment.
    page.go_back()
    page.reload()
    expect(page.get_by_role("heading", name="Your appointment is booked")).to_be_visible()

    page.get_by_role("link", name="Cancel", exact=True).click()
    expect(page.get_by_role("heading", name="Cancel your appointment?")).to_be_visible()
    assert Appointment.objects.get().status == Appointment.Status.BOOKED  # asked first, nothing changed yet
    page.get_by_role("button", name="Yes, cancel my appointment").click()
    expect(page.get_by_role("heading", name="Your appointment is cancelled")).to_be_visible()
    assert Appointment.objects.get().status == Appointment.Status.CANCELLED


def test_a_taken_time_is_explained_on_a_phone(new_page):
    offer = booking.offer_times(make_consultation(), by=None)
    first = booking.offered_slots(offer)[0]
    page = new_page("phone")
    page.goto(offer.get_absolute_url())
    page.get_by_label(first.label).check()
    rival = booking.offer_times(make_consultation(), by=None, slots=[first])
    booking.book(rival, first)  # someone else was quicker
    page.get_by_role("button", name="Book this time").click()

    expect(page.get_by_role("alert")).to_contain_text("that time was just taken")
    expect(page.get_by_label(first.label)).to_have_count(0)
    assert run_axe(page) == []
    picture(page, "booking-taken-phone")
