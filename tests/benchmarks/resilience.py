"""Figures for slow and hanging dependencies (make bench), on a production-mode copy of the site.

1. Time to accept a consultation request (303) with an SMTP server that takes 5 s per message,
   then the time for the worker to deliver every email (goal: median accept under 100 ms).
2. Home page with Redis hanging (accepts connections, never answers) (goal: median under 300 ms).
3. Time to the 503 page with PostgreSQL hanging, on a fresh server (goal: under 5 s).
"""

import http.client
import os
import re
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from html import unescape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.live_site import PROJECT_DIR, SECRET, gunicorn, live_site
from tests.hanging import hanging_server

SMTP_SECONDS = 5


class SlowSMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP: every message takes SMTP_SECONDS to be accepted."""

    received = []

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 slow.example ESMTP")
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 slow.example")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                self.reply("250 OK")
            elif command == "DATA":
                self.reply("354 go ahead")
                while self.rfile.readline() not in (b".\r\n", b""):
                    pass
                time.sleep(SMTP_SECONDS)
                SlowSMTPHandler.received.append(time.monotonic())
                self.reply("250 queued")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class FormClient:
    """A visitor over plain HTTP on loopback: keeps cookies, fills in the request form."""

    def __init__(self, base_url):
        host, port = base_url.removeprefix("http://").split(":")
        self.host, self.port, self.cookies = host, int(port), {}

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text

    def post_request_form(self):
        _, page = self.request("GET", "/appointments/request/")
        fields = {
            k: unescape(v) for k, v in re.findall(r'name="(csrfmiddlewaretoken|form_token)" value="([^"]+)"', page)
        }
        topic = re.search(r'name="topic"[^>]*>.*?<option value="([^"]+)"', page, re.S).group(1)
        data = {
            "full_name": "Bench Patient",
            "email": "bench@example.org",
            "phone": "(202) 555-0143",
            "preferred_contact": "phone",
            "preferred_times": "mornings",
            "topic": topic,
            "had_spine_surgery": "under_2_years",
            "message": "A benchmark request.",
            "red_flags": "none",
            "consent": "on",
            "website": "",
            **fields,
        }
        started = time.perf_counter()
        status, _ = self.request(
            "POST",
            "/appointments/request/",
            urllib.parse.urlencode(data),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        elapsed = time.perf_counter() - started
        assert status == 303, status
        return elapsed


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def accept_with_slow_smtp(posts=10, workers=4):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SlowSMTPHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    extra = {
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DJANGO_EMAIL_HOST": "127.0.0.1",
        "DJANGO_EMAIL_PORT": str(server.server_address[1]),
        "DJANGO_EMAIL_TIMEOUT": "30",
        "APPOINTMENTS_MIN_FORM_SECONDS": "0",
        "APPOINTMENTS_RATE_LIMIT": "0/1m",
    }
    try:
        with live_site(workers=2, extra_env=extra) as (base, vendor, env):
            client = FormClient(base)
            client.post_request_form()  # warm-up
            times = [client.post_request_form() for _ in range(posts)]
            during_requests = len(SlowSMTPHandler.received)  # the web requests never talk to SMTP
            expected = 2 * (posts + 1)
            started = time.monotonic()
            runs = [
                subprocess.Popen(
                    [sys.executable, "manage.py", "run_worker", "--batch", "-v0"], cwd=PROJECT_DIR, env=env
                )
                for _ in range(workers)
            ]
            for run in runs:
                run.wait(timeout=600)
            delivered = time.monotonic() - started
    finally:
        server.shutdown()
    print(f"\nConsultation request with an SMTP server taking {SMTP_SECONDS} s per message ({vendor}):")
    print(f"  accepted (303): median {ms(statistics.median(times))}, slowest {ms(max(times))} over {posts} posts")
    print(f"  messages the SMTP server received while the requests were answered: {during_requests}")
    print(
        f"  emails delivered by {workers} `run_worker --batch` processes: "
        f"{len(SlowSMTPHandler.received)} of {expected} in {delivered:.1f} s"
    )


def home_with_redis_hanging(requests=100):
    with (
        hanging_server() as redis,
        live_site(workers=2, extra_env={"REDIS_URL": f"redis://127.0.0.1:{redis.port}/0"}) as (
            base,
            vendor,
            _,
        ),
    ):
        client = FormClient(base)
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            status, _ = client.request("GET", "/")
            times.append(time.perf_counter() - started)
            assert status == 200, status
        _, ready = client.request("GET", "/readyz/")
    print(f"\nHome page with Redis hanging ({vendor}, {requests} requests, 2 gunicorn workers):")
    print(f"  median {ms(statistics.median(times))}, slowest {ms(max(times))}; /readyz/: {ready.strip()}")
    print(f"  connections Redis received: {redis.accepted} (one timeout per worker, then the breaker skips it)")


def status_503_with_postgres_hanging(requests=5):
    with tempfile.TemporaryDirectory() as workdir, hanging_server() as database:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
        env.update(
            DJANGO_SECRET_KEY=SECRET,
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DJANGO_SECURE_SSL_REDIRECT="false",
            DJANGO_STATIC_ROOT=f"{workdir}/static",
            DJANGO_LOG_LEVEL="ERROR",
            DJANGO_CLINIC_PHONE="(555) 010-0100",
            DJANGO_CLINIC_CONTACT_FILE=f"{workdir}/no-copy-yet.json",  # a server that never saw the profile
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{database.port}/clinic",
        )
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=PROJECT_DIR, env=env)
        with gunicorn(env, workers=1, extra_args=("--timeout", "60")) as base:
            client = FormClient(base)
            results = []
            for path in ["/", "/readyz/"] * requests:
                started = time.perf_counter()
                status, body = client.request("GET", path)
                results.append((path, status, time.perf_counter() - started, "(555) 010-0100" in body))
    pages = [seconds for path, _, seconds, _ in results if path == "/"]
    ready = [seconds for path, _, seconds, _ in results if path == "/readyz/"]
    statuses = sorted({status for _, status, _, _ in results})
    phone = all(has_phone for path, _, _, has_phone in results if path == "/")
    print(f"\nPostgreSQL hanging (accepts, never answers), a fresh gunicorn worker, {requests} of each:")
    print(f"  home page: median {statistics.median(pages):.2f} s, slowest {max(pages):.2f} s; phone shown: {phone}")
    print(f"  /readyz/: median {statistics.median(ready):.2f} s, slowest {max(ready):.2f} s; statuses {statuses}")


if __name__ == "__main__":
    accept_with_slow_smtp()
    home_with_redis_hanging()
    status_503_with_postgres_hanging()
