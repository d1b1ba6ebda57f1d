"""Figures for the article page: median server time, queries and HTML bytes.

Run with `make bench`. It builds a throwaway test database (SQLite by default, PostgreSQL
when DATABASE_URL says so), loads the sample content plus enough related articles to fill
the page, and requests the article through Django's full stack (middleware, view,
templates) many times. Nothing is sent over the network.
"""

import gzip
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "300"))
WARMUP = 20
SLUG = "why-pain-after-spinal-fusion"
KINDS = {"rendered": "rendered (after a content change)", "cached": "from the page cache (every later reader)"}

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key-not-for-any-real-server-0123456789")
os.environ["DJANGO_DEBUG"] = ""
os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "false"
os.environ["DJANGO_LOG_LEVEL"] = "WARNING"

warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment  # noqa: E402


def add_related_articles(count=6):
    from education.models import Article, Section

    article = Article.objects.get(slug=SLUG)
    for number in range(count):
        related = Article.objects.create(
            title=f"Related guide {number}",
            slug=f"related-guide-{number}",
            summary="A related guide for the benchmark, long enough to look like a real summary.",
            status=Article.Status.PUBLISHED,
        )
        related.topics.set(article.topics.all())
        Section.objects.create(article=related, order=1, heading="Part", body="Body text.")


def measure(client, url, *, cached):
    """Timings of `url`: rendered afresh each time, or served from the page cache."""
    from education.page_cache import content_changed

    def one_request():
        if not cached:
            content_changed()  # as after an editor's change: the page must be rendered again
        return client.get(url)

    for _ in range(WARMUP):
        one_request()
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = one_request()
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as queries:
        response = one_request()
    return timings, len(queries), response.content


def main():
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("load_sample_content", verbosity=0)
        add_related_articles()
        static = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        with override_settings(STORAGES=static):
            results = {kind: measure(Client(), f"/education/{SLUG}/", cached=kind == "cached") for kind in KINDS}
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print(f"Article page /education/{SLUG}/ on {connection.vendor}, {ROUNDS} requests after {WARMUP} warm-up")
    for kind, (timings, query_count, html) in results.items():
        timings_ms = sorted(t * 1000 for t in timings)
        print(f"  {KINDS[kind]}:")
        print(f"    median server time: {statistics.median(timings_ms):.2f} ms")
        print(f"    95th percentile:    {timings_ms[int(len(timings_ms) * 0.95) - 1]:.2f} ms")
        print(f"    queries:            {query_count}")
        print(f"    HTML bytes:         {len(html):,} ({len(gzip.compress(html)):,} gzipped)")


if __name__ == "__main__":
    main()
