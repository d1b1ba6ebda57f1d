"""The article page through the shipped nginx's page cache, side by side with a static file, in one run.

Debian's nginx from deploy/nginx.conf (TLS), two gunicorn workers (sharing Redis for Django's own
page cache when Redis answers at 127.0.0.1:6379), the site's worker purging nginx, wrk with 16
connections. Three addresses: the article's own HTML saved as a static file, the article page (cache
warm) and /healthz/ (always Python); requests per second and their ratio to the static file. Then
the median time from an editor's Publish (the admin action) to the new text at the proxy.

Run with `make bench` (or alone: .venv/bin/python tests/benchmarks/edge_cache.py).
"""

import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.pages import ensure_tool, wrk
from tests.clinic.test_nginx_page_cache import (
    cached_site,
    get,
    manage,
    publish_now,
    seconds_until_visible,
    sign_in_as_admin,
)

ARTICLE = "/education/why-pain-after-spinal-fusion/"
STATIC_COPY = "/static/bench-article.html"
PUBLISHES = 7
REDIS_URL = "redis://127.0.0.1:6379/13"  # a database of this benchmark's own, emptied first


def shared_redis():
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.flushdb()
        return True
    except Exception:
        return False


def drafts(site, count):
    code = (
        "from education.models import Article; from tests.factories import make_article; "
        f"print(*[make_article(title=f'Bench article {{n}}', status=Article.Status.DRAFT).pk for n in range({count})])"
    )
    output = manage(site.env, "shell", "-v0", "-c", code, text=True).stdout.split()
    return [int(pk) for pk in output[-count:]]


def main():
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not (ensure_tool("wrk", "wrk") and Path(nginx).exists()):
        print("(needs Debian's nginx, libnginx-mod-http-cache-purge and wrk)")
        return
    redis = shared_redis()
    workers = 2 if redis else 1  # without a shared cache, each worker would keep its own rendered pages
    extra = {"REDIS_URL": REDIS_URL} if redis else {}
    with (
        tempfile.TemporaryDirectory() as workdir,
        cached_site(nginx, Path(workdir), workers=workers, extra_env=extra) as site,
    ):
        reader = site.browser()
        status, _, html = get(reader, ARTICLE)
        assert status == 200
        (Path(workdir) / "static" / STATIC_COPY.rsplit("/", 1)[1]).write_text(html)
        assert get(reader, ARTICLE)[1] == "HIT" and get(reader, STATIC_COPY)[2] == html
        base = f"https://localhost:{site.ports['https_port']}"
        addresses = [("static file", STATIC_COPY), ("article (cache warm)", ARTICLE), ("/healthz/", "/healthz/")]
        results = {name: wrk(base + path) for name, path in addresses}

        admin = sign_in_as_admin(site)
        get(reader, "/education/")
        delays = []
        for number, pk in enumerate(drafts(site, PUBLISHES)):
            assert get(reader, "/education/")[1] == "HIT"
            publish_now(admin, pk)
            delays.append(seconds_until_visible(reader, "/education/", f"Bench article {number}<", limit=30))

    static = results["static file"]["rps"]
    print(f"\nThrough deploy/nginx.conf (HTTPS, wrk -c16), {workers} gunicorn worker(s), Redis: {redis}:")
    print(f"  {'address':<22} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'of static':>10} {'non-2xx':>8}")
    for name, figures in results.items():
        print(
            f"  {name:<22} {figures['rps']:>9.0f} {figures['p50']:>8.2f} {figures['p99']:>8.2f} "
            f"{figures['rps'] / static:>10.2f} {figures['errors']:>8}"
        )
    ratio = results["article (cache warm)"]["rps"] / static
    print(f"  warm article / static file: {ratio:.2f} (goal at least 0.8, never under 0.5)")
    seen = [delay for delay in delays if delay is not None]
    if seen:
        print(
            f"  Publish to new text at the proxy ({len(seen)} of {len(delays)} publishes seen): "
            f"median {statistics.median(seen):.2f} s, slowest {max(seen):.2f} s"
        )
    else:
        print("  Publish to new text at the proxy: not seen within 30 s")


if __name__ == "__main__":
    main()
