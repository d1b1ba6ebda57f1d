"""axe-core in the browser: no WCAG 2.1 A or AA violation on any public page; text reflows."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import run_axe
from tests.factories import make_consultation

pytestmark = pytest.mark.usefixtures("sample_site")

PUBLIC_PAGES = {
    "home": "/",
    "article index": "/education/",
    "article": "/education/why-pain-after-spinal-fusion/",
    "topic": "/education/topics/spinal-fusion/",
    "search results": "/education/search/?q=fusion",
    "empty search": "/education/search/?q=zebra",
    "search with a suggestion": "/education/search/?q=fusoin",
    "request form": "/appointments/request/?article=why-pain-after-spinal-fusion",
    "privacy notice": "/privacy/",
}


@pytest.mark.parametrize("name", list(PUBLIC_PAGES))
def test_public_pages_have_no_accessibility_violations(new_page, viewport, name):
    page = new_page(viewport)
    page.goto(PUBLIC_PAGES[name])

    assert run_axe(page) == []


def test_not_found_page_has_no_accessibility_violations(new_page, viewport):
    new_page.watch.expected_errors.append("status of 404")
    page = new_page(viewport)
    assert page.goto("/no-such-page/").status == 404

    assert run_axe(page) == []


def test_form_with_errors_and_the_confirmation_have_no_accessibility_violations(new_page, viewport):
    page = new_page(viewport)
    page.goto("/appointments/request/")
    page.get_by_label("Your full name").fill("Maria Example")
    page.get_by_role("button", name="Send my request").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert run_axe(page) == []

    page.get_by_label("Email address").fill("maria@example.org")
    page.get_by_label("Email", exact=True).check()
    page.get_by_label("What would you like to talk about?").select_option(label="Spinal fusion")
    page.get_by_label("Have you had spine surgery?").select_option(label="No")
    page.get_by_label("What is going on?").fill("Back pain since a fall.")
    page.get_by_label("Severe pain after a fall or injury").check()
    page.locator("#id_consent").check()
    page.get_by_role("button", name="Send my request").click()
    expect(page.locator(".reference")).to_be_visible()
    assert run_axe(page) == []


@pytest.mark.parametrize("width", [320, 640])
@pytest.mark.parametrize("name", ["home", "article", "request form", "search results"])
def test_pages_reflow_at_320_pixels_and_at_200_percent_zoom(browser, live_server, name, width):
    """640 CSS pixels is a 1280-pixel window at 200% zoom; 320 is the WCAG reflow width."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(live_server.url + PUBLIC_PAGES[name])

    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    context.close()
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"


STAFF_PAGES = {
    "triage queue": "/admin/appointments/consultationrequest/",
    "article list": "/admin/education/article/",
}


def test_admin_pages_we_customised(new_page, admin_user, capsys):
    """Django's admin is not ours to fix; report what axe finds, and fail only on what we added."""
    consultation = make_consultation(red_flags=["leg_weakness"], message="<b>text</b>")
    page = new_page("desktop")
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    pages = {**STAFF_PAGES, "one request": f"/admin/appointments/consultationrequest/{consultation.pk}/change/"}
    ours = [".badge", ".queue-counts", ".patient-text", "#login-form"]
    for name, url in pages.items():
        page.goto(url)
        found = run_axe(page)
        print(f"axe on the admin's {name}: {found or 'no violations'}")
        assert not [v for v in found if any(selector in v for selector in ours)], found
