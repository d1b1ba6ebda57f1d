"""The nurse's round at 1440 px in a real browser: open work, a request, a note, an offer, close, reopen, export."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from appointments.models import ConsultationRequest
from tests.browser.conftest import run_axe
from tests.browser.test_triage_desk import picture, sign_in_as_nurse
from tests.factories import make_consultation

pytestmark = pytest.mark.usefixtures("sample_site")
QUEUE = "/admin/appointments/consultationrequest/"


def test_the_nurses_round(new_page):
    earlier = make_consultation(full_name="Maria Example", email="maria@example.org")
    urgent = make_consultation(
        full_name="Rosa Diaz",
        email="rosa@example.org",
        red_flags=["leg_weakness"],
        message="Since Tuesday my left leg gives way on the stairs.",
        possible_duplicate_of=earlier,
        worse_since_last_request=True,
    )
    booked = make_consultation(full_name="Booked Already", red_flags=["fever_wound"], status="scheduled")
    make_consultation(full_name="Closed Already", status="closed", outcome="duplicate")
    for number in range(4):
        make_consultation(full_name=f"Patient Number {number}")
    page = new_page("desktop")
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in_as_nurse(page)

    # Open work: the urgent new request first, nothing booked or closed; the current view is marked.
    page.goto(QUEUE)
    expect(page.locator(".queue-views a[aria-current=page]")).to_contain_text("Open work")
    expect(page.locator("#result_list tbody tr").first).to_contain_text(urgent.reference)
    expect(page.locator("#result_list")).not_to_contain_text("Booked Already")
    assert run_axe(page) == []
    picture(page, "triage-queue-1440.png")
    page.locator(".queue-views").get_by_role("link", name="Booked").click()
    expect(page.locator("#result_list")).to_contain_text(booked.reference)
    page.locator(".queue-views").get_by_role("link", name="Open work").click()

    # Open the request: what the patient said, in words, beside the work bar.
    page.get_by_role("link", name=urgent.reference).click()
    said = page.locator(".request-said")
    expect(said).to_contain_text("Leg weakness")
    expect(said).to_contain_text("my left leg gives way")
    expect(said).to_contain_text("Worse: a new warning sign is ticked")
    assert run_axe(page) == []
    picture(page, "triage-request-1440.png")

    # A note: Save stays on the request.
    page.locator("#id_notes-0-text").fill("Called, left a message.")
    page.locator(".triage-work input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text(f"{urgent.reference} saved.")
    expect(page.locator("#notes-2-group")).to_contain_text("Called, left a message.")

    # Offer times.
    page.get_by_role("link", name="Offer times").click()
    # A time the patient can still book online (times inside the patients' notice are for the phone).
    page.locator("li:not(:has(.phone-only)) input[name=slot]").first.check()
    page.get_by_role("button", name="Send these times to the patient").click()
    expect(page.locator(".messagelist")).to_contain_text("1 time sent to the patient.")

    # Close, then reopen (a reason is needed).
    page.get_by_label("Outcome").select_option(label="Could not reach")
    page.get_by_role("button", name="Close", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("saved")
    expect(page.get_by_role("link", name="Offer times")).to_have_count(0)
    page.get_by_role("button", name="Reopen").click()
    expect(page.locator(".field-reopen_reason .errorlist")).to_contain_text("Say why")
    assert run_axe(page) == []
    page.get_by_label("Why reopen it?").fill("She called back this afternoon.")
    page.get_by_role("button", name="Reopen").click()
    expect(page.locator(".messagelist")).to_contain_text("reopened")
    expect(page.locator("#events-group")).to_contain_text("Reopened: She called back this afternoon.")
    urgent.refresh_from_db()
    assert urgent.status == ConsultationRequest.Status.IN_REVIEW

    # Export the open work, in queue order.
    page.goto(QUEUE)
    shown = [text.split()[0] for text in page.locator("#result_list tbody th a").all_inner_texts()]
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option("export_csv")
    with page.expect_download() as download:
        page.locator("button[name=index]").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert [row["reference"] for row in rows] == shown
    assert "Booked Already" not in {row["full name"] for row in rows}
