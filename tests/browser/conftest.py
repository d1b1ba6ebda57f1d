"""Real-browser tests: Playwright driving Debian's chromium, never a downloaded browser.

Without /usr/bin/chromium these tests are skipped with a reason (`make test` lists it);
with CI set, a missing browser fails the run instead.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = "/usr/bin/chromium"
# Keep the browser off the network: no updates, sync or background fetches.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}
WATCH_SCRIPT = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.reportCspViolation(event.violatedDirective + ' ' + event.blockedURI + ' on ' + location.pathname);
});
"""
AXE = Path(__file__).parent / "vendor" / "axe.min.js"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: CI needs it for the browser tests.")
        pytest.skip(f"{message}: browser tests skipped.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@dataclass
class Watch:
    """What went wrong in the page: console errors, CSP violations, failed or blocked requests."""

    console_errors: list = field(default_factory=list)
    csp_violations: list = field(default_factory=list)
    failed_requests: list = field(default_factory=list)
    expected_errors: list = field(default_factory=list)  # e.g. a 404 the test asks for on purpose

    def attach(self, page):
        page.on("console", self.console_message)
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        page.on("requestfailed", self.request_failed)

    def console_message(self, message):
        if message.type == "error" and not any(expected in message.text for expected in self.expected_errors):
            self.console_errors.append(message.text)

    def request_failed(self, request):
        if request.failure != "net::ERR_ABORTED":  # cancelled by the next navigation, not refused
            self.failed_requests.append(f"{request.url} {request.failure}")

    def problems(self):
        return {
            "console errors": self.console_errors,
            "CSP violations": self.csp_violations,
            "failed": self.failed_requests,
        }


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request):
    return request.param


@pytest.fixture
def new_page(browser, live_server, settings):
    """Open pages in a fresh browser context; the test fails on any console error or CSP violation."""
    settings.APPOINTMENTS_MIN_FORM_SECONDS = 0  # the timing check has its own tests; a script types fast
    contexts, watch = [], Watch()

    def open_page(viewport="desktop"):
        context = browser.new_context(base_url=live_server.url, **VIEWPORTS[viewport])
        context.expose_function("reportCspViolation", lambda text: watch.csp_violations.append(text))
        context.add_init_script(WATCH_SCRIPT)
        context.on("page", watch.attach)
        contexts.append(context)
        page = context.new_page()
        page.watch = watch
        return page

    open_page.watch = watch
    yield open_page
    problems = watch.problems()
    for context in contexts:
        context.close()
    assert problems == {"console errors": [], "CSP violations": [], "failed": []}


@pytest.fixture
def sample_site(transactional_db):
    """The sample content, and the staff roles (a live server's database is emptied after each test)."""
    from django.apps import apps

    from clinic.roles import sync_roles

    sync_roles(apps)
    call_command("load_sample_content", verbosity=0)


def run_axe(page):
    """axe-core's violations of WCAG 2.1 A and AA on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())  # evaluated by the test driver, so the page's CSP does not apply
    watch = getattr(page, "watch", None)
    before = (len(watch.console_errors), len(watch.csp_violations)) if watch else None
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    if watch:  # axe's own probes (it adds styles to measure contrast) are not the page's doing
        del watch.console_errors[before[0] :], watch.csp_violations[before[1] :]
    return [
        f"{violation['id']}: {violation['help']} ({len(violation['nodes'])}×, e.g. {violation['nodes'][0]['target']})"
        for violation in result["violations"]
    ]
