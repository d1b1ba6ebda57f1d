"""deploy/nginx.conf's page cache, with Debian's nginx in front of gunicorn and the site's worker.

Cached pages are served again without Python, never to or from anyone with a session; publishing
purges them through the worker; and with the database gone, readers still get the cached pages.
"""

import contextlib
import os
import re
import subprocess
import sys
import time
from html import unescape
from urllib.parse import urlencode

import pytest

from tests.benchmarks.live_site import PROJECT_DIR, SECRET, free_port, gunicorn
from tests.clinic.test_nginx import Browser, nginx_binary, site_config, wait_for_port  # noqa: F401 (a fixture)
from tests.hanging import refused_port

ARTICLE = "/education/why-pain-after-spinal-fusion/"
NEW_TITLE = "Walking again after a spinal fusion"
FRESH_WITHIN_SECONDS = 2


def manage(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=env, check=True, capture_output=True, **kwargs
    )


class Site:
    """gunicorn (restartable on its port, e.g. with the database gone), the worker and nginx."""

    def __init__(self, workdir, env, ports, workers):
        self.workdir, self.env, self.ports, self.workers = workdir, env, ports, workers
        self.stack = contextlib.ExitStack()
        self.app = None

    def start_app(self, **env_overrides):
        if self.app is not None:
            self.app.close()
        self.app = contextlib.ExitStack()
        env = {**self.env, **env_overrides}
        self.app.enter_context(gunicorn(env, workers=self.workers, port=self.ports["app_port"]))

    def browser(self):
        return Browser(self.ports["https_port"])

    def close(self):
        if self.app is not None:
            self.app.close()
        self.stack.close()


@contextlib.contextmanager
def cached_site(nginx, workdir, *, workers=1, extra_env=None):
    """The sample site behind deploy/nginx.conf over HTTPS, with its worker purging nginx; yield a Site."""
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"),
            *("-keyout", workdir / "key.pem", "-out", workdir / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    ports = {"app_port": free_port(), "http_port": free_port(), "https_port": free_port(), "purge_port": free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "EDGE_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{workdir}/site.sqlite3",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1",
        DJANGO_TRUSTED_PROXY_HOPS="1",
        DJANGO_STATIC_ROOT=str(workdir / "static"),
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DJANGO_LOG_LEVEL="WARNING",
        DJANGO_CLINIC_CONTACT_FILE=str(workdir / "clinic-contact.json"),
        DJANGO_SITE_URL=f"https://localhost:{ports['https_port']}",
        DJANGO_WORKER_POLL_SECONDS="0.1",
        EDGE_PURGE_NGINX_URLS=f"http://127.0.0.1:{ports['purge_port']}",
        EDGE_CACHE_S_MAXAGE="600",  # fresh pages come from purging, not from expiry
        **(extra_env or {}),
    )
    for command in (["migrate", "--no-input"], ["load_sample_content"], ["collectstatic", "--no-input"]):
        manage(env, *command, "-v0")
    site = Site(workdir, env, ports, workers)
    try:
        site.start_app()
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        site.stack.callback(lambda: (worker.terminate(), worker.wait(timeout=10)))
        config = workdir / "nginx.conf"
        config.write_text(site_config(workdir, **ports))
        server = subprocess.Popen([nginx, "-c", str(config), "-g", "daemon off;"], stderr=subprocess.PIPE)
        site.stack.callback(lambda: (server.terminate(), server.wait(timeout=10)))
        wait_for_port(ports["https_port"], server)
        yield site
    finally:
        site.close()


@pytest.fixture(scope="module")
def site(nginx_binary, tmp_path_factory):  # noqa: F811
    with cached_site(nginx_binary, tmp_path_factory.mktemp("nginx-cache")) as site:
        yield site


def get(browser, path):
    response, body = browser.request("GET", path)
    return response.status, response.headers.get("X-Cache-Status"), body


def test_a_second_request_is_served_from_the_cache(site):
    reader = site.browser()

    first = get(reader, "/education/")
    second = get(reader, "/education/")

    assert first[:2] == (200, "MISS")
    assert second[:2] == (200, "HIT")
    assert second[2] == first[2]


def test_a_request_with_a_session_cookie_is_never_served_from_or_kept_in_the_cache(site):
    get(site.browser(), "/")
    assert get(site.browser(), "/")[1] == "HIT"
    staff = site.browser()
    staff.cookies["clinic_session"] = "someone-signed-in"

    assert get(staff, "/")[1] == "BYPASS"
    assert get(staff, "/education/topics/spinal-fusion/")[1] == "BYPASS"
    assert get(site.browser(), "/education/topics/spinal-fusion/")[1] == "MISS"  # staff's answer was not kept


def test_the_request_form_and_the_admin_are_never_cached(site):
    for path in ["/appointments/request/", "/admin/login/"]:
        statuses = [get(site.browser(), path)[:2] for _ in range(2)]
        assert statuses == [(200, "MISS"), (200, "MISS")], path


def sign_in_as_admin(site):
    manage(
        site.env,
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        "User.objects.filter(username='boss').exists() or "
        "User.objects.create_superuser('boss', 'boss@example.org', 'a-long-admin-password-1')",
    )
    admin = site.browser()
    _, page = admin.request("GET", "/admin/login/")
    token = unescape(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1))
    response, _ = admin.request(
        "POST",
        "/admin/login/",
        body=urlencode({"username": "boss", "password": "a-long-admin-password-1", "csrfmiddlewaretoken": token}),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": "https://localhost/admin/login/"},
    )
    assert response.status == 302
    return admin


def draft_article(site, title):
    """A draft article ready to publish (made in the database, as an editor's saved draft would be)."""
    code = (
        "from education.models import Article; from tests.factories import make_article; "
        f"print(make_article(title={title!r}, status=Article.Status.DRAFT).pk)"
    )
    return int(manage(site.env, "shell", "-v0", "-c", code, text=True).stdout.split()[-1])


def publish_now(admin, pk):
    """The admin's "Publish the selected drafts now" action, as an editor clicks it."""
    _, page = admin.request("GET", "/admin/education/article/")
    token = unescape(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1))
    response, _ = admin.request(
        "POST",
        "/admin/education/article/",
        body=urlencode({"action": "publish_now", "_selected_action": pk, "csrfmiddlewaretoken": token}),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": "https://localhost/admin/education/article/",
        },
    )
    assert response.status == 302


def seconds_until_visible(browser, path, text, limit):
    """Poll `path` through the proxy until it shows `text`; None if it does not within `limit` seconds."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if text in get(browser, path)[2]:
            return time.monotonic() - started
        time.sleep(0.05)
    return None


def warmed(browser, path, limit=5):
    """Read `path` until the proxy serves it from its cache (a purge the set-up queued may still be in flight)."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if get(browser, path)[1] == "HIT":
            return True
        time.sleep(0.05)
    return False


def test_publishing_shows_the_new_text_through_the_proxy_within_seconds(site):
    reader = site.browser()
    assert warmed(reader, "/education/")  # the old page is in the cache before the publish
    pk = draft_article(site, NEW_TITLE)
    admin = sign_in_as_admin(site)

    publish_now(admin, pk)

    assert seconds_until_visible(reader, "/education/", NEW_TITLE, FRESH_WITHIN_SECONDS) is not None
    assert get(reader, "/education/")[1] in {"MISS", "HIT"}  # a fresh copy, not a stale one


def test_with_the_database_down_cached_pages_are_still_served_and_the_form_gives_the_phone(site):
    reader = site.browser()
    phone = re.search(r'href="tel:[^"]+">Call ([^<]+)<', get(reader, "/")[2]).group(1)
    try:
        # Pages kept for one second, then the database goes away.
        site.start_app(EDGE_CACHE_S_MAXAGE="1", EDGE_CACHE_STALE_WHILE_REVALIDATE="0")
        kept = get(reader, ARTICLE)
        assert kept[0] == 200
        time.sleep(1.5)  # the copy has expired: nginx must ask the site again
        site.start_app(DATABASE_URL=f"postgres://postgres@127.0.0.1:{refused_port()}/clinic")

        status, cache_status, body = get(reader, ARTICLE)
        form_status, _, form = get(reader, "/appointments/request/")
    finally:
        site.start_app()

    assert (status, cache_status) == (200, "STALE")
    assert body == kept[2]
    assert form_status == 503
    assert f">{phone}</a>" in form and "not available right now" in form
