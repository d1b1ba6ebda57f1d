"""A production-mode copy of the site on loopback, for benchmarks and screenshots.

Builds its own database (a temporary SQLite file, or a `clinic_bench` PostgreSQL database when
DATABASE_URL names PostgreSQL), migrates it, loads the sample content, collects static files
and starts gunicorn. Nothing leaves the machine.
"""

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
SECRET = "benchmark-only-secret-key-not-for-any-real-server-0123456789"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_database_url(workdir):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{workdir}/bench.sqlite3", "sqlite"
    import psycopg2

    parts = urllib.parse.urlparse(url)
    admin = psycopg2.connect(
        dbname="postgres", user=parts.username, password=parts.password, host=parts.hostname, port=parts.port
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("DROP DATABASE IF EXISTS clinic_bench WITH (FORCE)")
        cursor.execute("CREATE DATABASE clinic_bench")
    admin.close()
    return parts._replace(path="/clinic_bench").geturl(), "postgresql"


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=env, check=True)


@contextlib.contextmanager
def live_site(workers=2, extra_env=None):
    """Yield (base_url, vendor, env) of a freshly built site served by gunicorn."""
    with tempfile.TemporaryDirectory() as workdir:
        database_url, vendor = bench_database_url(workdir)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SECRET_KEY": SECRET,
            "DJANGO_DEBUG": "",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_STATIC_ROOT": f"{workdir}/static",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            **(extra_env or {}),
        }
        manage(env, "migrate", "--no-input", "-v0")
        manage(env, "load_sample_content", "-v0")
        manage(env, "collectstatic", "--no-input", "-v0")
        with gunicorn(env, workers=workers) as base_url:
            yield base_url, vendor, env


@contextlib.contextmanager
def gunicorn(env, workers=2, extra_args=(), port=None):
    """Serve the site with gunicorn on a loopback port (a free one by default); yield its base URL."""
    port = port or free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "clinic.wsgi", "--bind", f"127.0.0.1:{port}"),
            *("--workers", str(workers), *extra_args),
        ],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextlib.contextmanager
def app_servers(env, count=2, workers=2):
    """Collect the static files, then serve the site from `count` gunicorn servers; yield their ports."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=PROJECT_DIR, env=env, check=True
    )
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(gunicorn(env, workers=workers)) for _ in range(count)]
        yield [int(url.rsplit(":", 1)[1]) for url in urls]


def wait_until_up(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")
