"""`make screenshots`: phone and desktop pictures of the main pages, in docs/screenshots/.

Serves a production-mode copy of the site on loopback (see tests/benchmarks/live_site.py) and
photographs it with Playwright driving Debian's chromium.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.live_site import PROJECT_DIR, live_site
from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, VIEWPORTS

OUT = PROJECT_DIR / "docs" / "screenshots"
PAGES = {
    "home": "/",
    "article": "/education/why-pain-after-spinal-fusion/",
    "request-form": "/appointments/request/?article=why-pain-after-spinal-fusion",
}


def fill_and_send(page):
    page.get_by_label("Your full name").fill("Sample Patient")
    page.get_by_label("Email address").fill("patient@example.org")
    page.get_by_label("Email", exact=True).check()
    page.get_by_label("Have you had spine surgery?").select_option(label="Yes, 6 months to 2 years ago")
    page.get_by_label("What is going on?").fill("My lower back still hurts a year after my fusion.")
    page.get_by_label("None of these").check()
    page.locator("#id_consent").check()
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_url("**/received/")


def main():
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with (
        live_site(extra_env={"APPOINTMENTS_MIN_FORM_SECONDS": "0"}) as (base, _, _),
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for viewport, options in VIEWPORTS.items():
            page = browser.new_context(base_url=base, **options).new_page()
            for name, path in PAGES.items():
                page.goto(path)
                page.screenshot(path=OUT / f"{name}-{viewport}.png")
            fill_and_send(page)
            page.screenshot(path=OUT / f"confirmation-{viewport}.png")
        browser.close()
    for picture in sorted(OUT.glob("*.png")):
        print(f"{picture.relative_to(PROJECT_DIR)}  {picture.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
