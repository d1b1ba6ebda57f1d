"""On a phone, a patient sends a routine request, chooses a time in the same visit, changes it and cancels."""

import pytest
from playwright.sync_api import expect

from appointments.booking.free_times import Slot
from appointments.booking.self_booking import choosable_slots
from appointments.models import Appointment, ConsultationRequest
from tests.browser.conftest import run_axe
from tests.browser.test_booking_journey import picture
from tests.browser.test_journeys import fill_request_form

pytestmark = pytest.mark.usefixtures("sample_site")


def test_a_patient_books_changes_and_cancels_on_a_phone(new_page):
    page = new_page("phone")
    page.goto("/appointments/request/")
    fill_request_form(page)
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    assert run_axe(page) == []
    page.get_by_role("link", name="Choose a time now").click()

    expect(page.get_by_role("heading", name="Choose a time for your appointment")).to_be_visible()
    assert run_axe(page) == []
    main = page.locator("main").inner_text()
    assert "Maria" not in main and "fusion" not in main and "555-0143" not in main
    picture(page, "self-booking-choose-phone")
    page.get_by_role("link", name="Later times").click()
    expect(page.get_by_role("link", name="Earlier times")).to_be_visible()
    page.get_by_role("link", name="Earlier times").click()

    consultation = ConsultationRequest.objects.get()
    first, second = choosable_slots(consultation)[:2]
    page.locator(f'input[name="slot"][value="{first.key}"]').check()
    page.get_by_label("Tell me if an earlier time opens").check()
    page.get_by_role("button", name="Book this time").click()
    expect(page.get_by_role("heading", name="Your appointment is booked")).to_be_visible()
    expect(page.locator("main")).to_contain_text(first.label)
    assert Appointment.objects.get().booked_by_patient and Appointment.objects.get().wants_earlier

    page.get_by_role("link", name="Change the time").click()
    expect(page.get_by_role("heading", name="Change the time of your appointment")).to_be_visible()
    assert run_axe(page) == []
    page.locator(f'input[name="slot"][value="{second.key}"]').check()
    page.get_by_role("button", name="Move my appointment to this time").click()
    expect(page.get_by_role("heading", name="Your appointment is booked")).to_be_visible()
    expect(page.locator("main")).to_contain_text(Slot(second.clinician, second.starts_at).label)
    (appointment,) = Appointment.objects.live()
    assert appointment.starts_at == second.starts_at

    page.get_by_role("link", name="Cancel", exact=True).click()
    expect(page.get_by_role("heading", name="Cancel your appointment?")).to_be_visible()
    assert run_axe(page) == []
    page.get_by_role("button", name="Yes, cancel my appointment").click()
    expect(page.get_by_role("heading", name="Your appointment is cancelled")).to_be_visible()
    page.watch.expected_errors.append("status of 410")  # the used link answers 410 Gone, on purpose
    page.go_back()
    page.reload()
    expect(page.get_by_role("heading", name="This appointment was cancelled")).to_be_visible()
    assert not Appointment.objects.live().exists()
