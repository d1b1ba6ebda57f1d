"""The booked page's calendar links in a real browser: links only, nothing leaves the site before a press."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from appointments import booking
from tests.browser.conftest import run_axe
from tests.factories import make_consultation

pytestmark = pytest.mark.usefixtures("sample_site")


def test_the_booked_page_offers_calendar_links_and_asks_no_other_site_for_anything(new_page, live_server):
    offer = booking.offer_times(make_consultation(), by=None)
    slot = booking.offered_slots(offer)[0]
    booking.book(offer, slot)
    page = new_page("phone")
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname))

    page.goto(offer.get_absolute_url() + "booked/")
    expect(page.get_by_role("heading", name="Your appointment is booked")).to_be_visible()
    google = page.get_by_role("link", name="Add to Google Calendar")
    outlook = page.get_by_role("link", name="Add to Outlook")
    expect(google).to_be_visible()
    expect(outlook).to_be_visible()
    expect(page.get_by_role("link", name="Add to my calendar (.ics file)")).to_be_visible()
    assert urlsplit(google.get_attribute("href")).hostname == "calendar.google.com"
    assert urlsplit(outlook.get_attribute("href")).hostname == "outlook.live.com"
    expect(page.locator("main")).to_contain_text("We'll email you a reminder on")
    assert run_axe(page) == []
    assert hosts == {urlsplit(live_server.url).hostname}
