"""deploy/nginx.conf, run by Debian's nginx in front of gunicorn on loopback with a throwaway certificate."""

import gzip
import http.client
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
from html import unescape
from pathlib import Path

import pytest

from tests.benchmarks.live_site import PROJECT_DIR, SECRET, free_port, gunicorn

NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
PRIVATE_SEARCH = "Maria-Example-555-0143"


@pytest.fixture(scope="module")
def nginx_binary():
    if NGINX is None:
        reason = "needs Debian's nginx (apt-get install nginx-light); CI installs it"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"nginx is missing and CI=true: {reason}")
        pytest.skip(reason)
    return NGINX


def site_config(workdir, *, app_port, http_port, https_port, purge_port=None):
    """deploy/nginx.conf with loopback ports and this test's files; nothing else changed."""
    text = (PROJECT_DIR / "deploy" / "nginx.conf").read_text()
    replacements = [
        (r"listen \[::\]:\d+[^;]*;\n", ""),
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"listen 127\.0\.0\.1:8080;", f"listen 127.0.0.1:{purge_port or free_port()};"),
        (r"proxy_cache_path /var/cache/nginx/clinic ", f"proxy_cache_path {workdir}/cache "),
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        (r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{app_port};"),
        (r"ssl_certificate \S+;", f"ssl_certificate {workdir}/cert.pem;"),
        (r"ssl_certificate_key \S+;", f"ssl_certificate_key {workdir}/key.pem;"),
        (r"alias /srv/clinic/staticfiles/;", f"alias {workdir}/static/;"),
        (r"access_log /var/log/nginx/clinic.access.log", f"access_log {workdir}/access.log"),
    ]
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text)
        assert count, f"deploy/nginx.conf no longer has {pattern!r}"
    temp_paths = "\n".join(
        f"{name}_temp_path {workdir}/{name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    # Debian's nginx.conf loads the modules installed beside it (the cache purge module) this way.
    modules = "include /etc/nginx/modules-enabled/*.conf;\n"
    return (
        f"{user}{modules}pid {workdir}/nginx.pid;\nerror_log {workdir}/error.log;\nevents {{}}\n"
        f"http {{\ninclude /etc/nginx/mime.types;\n{temp_paths}\n{text}\n}}\n"
    )


@pytest.fixture(scope="module")
def proxied_site(nginx_binary, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("nginx")
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"),
            *("-keyout", workdir / "key.pem", "-out", workdir / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env.update(
        DATABASE_URL=f"sqlite:///{workdir}/site.sqlite3",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1",
        DJANGO_TRUSTED_PROXY_HOPS="1",
        DJANGO_STATIC_ROOT=str(workdir / "static"),
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DJANGO_LOG_LEVEL="WARNING",
        APPOINTMENTS_RATE_LIMIT="2/10m",
        APPOINTMENTS_MIN_FORM_SECONDS="0",
    )
    for command in (["migrate", "--no-input"], ["load_sample_content"], ["collectstatic", "--no-input"]):
        subprocess.run([sys.executable, "manage.py", *command, "-v0"], cwd=PROJECT_DIR, env=env, check=True)
    with gunicorn(env, workers=1) as app_url:  # one process: its local-memory cache holds the rate limit
        ports = {"http_port": free_port(), "https_port": free_port()}
        config = workdir / "nginx.conf"
        config.write_text(site_config(workdir, app_port=int(app_url.rsplit(":", 1)[1]), **ports))
        nginx = subprocess.Popen([nginx_binary, "-c", str(config), "-g", "daemon off;"], stderr=subprocess.PIPE)
        try:
            wait_for_port(ports["https_port"], nginx)
            yield {**ports, "workdir": workdir}
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)


def wait_for_port(port, process, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx stopped: {process.stderr.read().decode()}")
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("nginx did not start")


class Browser:
    """Just enough of a browser over HTTPS: cookies, a source address of its own, gzip."""

    def __init__(self, port, source="127.0.0.1"):
        self.port, self.source, self.cookies = port, source, {}

    def request(self, method, path, body=None, headers=None):
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the throwaway certificate
        conn = http.client.HTTPSConnection(
            "localhost", self.port, context=context, timeout=15, source_address=(self.source, 0)
        )
        headers = {"Host": f"localhost:{self.port}", "Accept-Encoding": "gzip", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        text = gzip.decompress(raw) if response.headers.get("Content-Encoding") == "gzip" else raw
        return response, text.decode("utf-8", "replace")

    def send_request_form(self, spoofed_for="203.0.113.9"):
        _, page = self.request("GET", "/appointments/request/")
        fields = dict(re.findall(r'name="(csrfmiddlewaretoken|form_token)" value="([^"]+)"', page))
        topic = re.search(r'name="topic"[^>]*>.*?<option value="([^"]+)"', page, re.S).group(1)
        data = {
            "full_name": "Maria Example",
            "email": "maria@example.org",
            "phone": "(202) 555-0143",
            "preferred_contact": "phone",
            "preferred_times": "mornings",
            "topic": topic,
            "had_spine_surgery": "under_2_years",
            "message": "My lower back still hurts.",
            "red_flags": "none",
            "consent": "on",
            "website": "",
            **{k: unescape(v) for k, v in fields.items()},
        }
        from urllib.parse import urlencode

        response, _ = self.request(
            "POST",
            "/appointments/request/",
            body=urlencode(data),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                # nginx passes Host without the port ($host), as on a real server's port 443.
                "Referer": "https://localhost/appointments/request/",
                "X-Forwarded-For": spoofed_for,  # a client's own claim proves nothing
            },
        )
        return response.status


def test_plain_http_is_redirected_to_https_except_the_probes(proxied_site):
    conn = http.client.HTTPConnection("127.0.0.1", proxied_site["http_port"], timeout=10)
    conn.request("GET", "/education/?page=2", headers={"Host": "localhost"})
    response = conn.getresponse()
    response.read()
    assert response.status == 301
    assert response.headers["Location"] == "https://localhost/education/?page=2"

    conn.request("GET", "/healthz/", headers={"Host": "localhost"})
    assert conn.getresponse().status == 200


def test_security_headers_pass_through_and_html_is_compressed(proxied_site):
    response, body = Browser(proxied_site["https_port"]).request("GET", "/")

    assert response.status == 200 and "</html>" in body
    assert response.headers["Content-Encoding"] == "gzip"
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]  # Django saw HTTPS
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "nginx/" not in response.headers.get("Server", "")


def test_hashed_static_files_are_cached_for_a_year(proxied_site):
    browser = Browser(proxied_site["https_port"])
    _, page = browser.request("GET", "/")
    css = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page).group(1)

    response, _ = browser.request("GET", css)

    assert response.status == 200
    assert "immutable" in response.headers["Cache-Control"]


def test_the_rate_limit_sees_each_clients_own_address(proxied_site):
    first_client = Browser(proxied_site["https_port"], source="127.0.0.1")
    statuses = [first_client.send_request_form(spoofed_for=f"203.0.113.{n}") for n in range(3)]
    assert statuses == [303, 303, 429]  # a made-up X-Forwarded-For does not buy more attempts

    other_client = Browser(proxied_site["https_port"], source="127.0.0.2")
    assert other_client.send_request_form() == 303  # someone else is not limited by the first


def test_the_access_log_keeps_no_query_string(proxied_site):
    browser = Browser(proxied_site["https_port"])
    browser.request("GET", f"/education/search/?q={PRIVATE_SEARCH}")
    browser.request("GET", f"/admin/appointments/consultationrequest/?q={PRIVATE_SEARCH}")
    time.sleep(0.2)  # nginx writes the line after the response

    log = (proxied_site["workdir"] / "access.log").read_text()
    assert "GET /education/search/ " in log
    assert PRIVATE_SEARCH not in log and "?q=" not in log


def test_the_access_log_masks_a_booking_links_token(proxied_site):
    token = "Zq8v2LkP0aXw3RtY9uMnB4cD"
    browser = Browser(proxied_site["https_port"])
    browser.request("GET", f"/appointments/book/{token}/")
    browser.request("GET", f"/appointments/book/{token}/cancel/")
    time.sleep(0.2)  # nginx writes the line after the response

    log = (proxied_site["workdir"] / "access.log").read_text()
    assert "GET /appointments/book/[token]/ " in log and "GET /appointments/book/[token]/cancel/ " in log
    assert token not in log
