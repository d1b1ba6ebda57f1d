"""One table of page speed under load: gunicorn (2 workers) on loopback, wrk as the load.

For /healthz/ (Django's floor), the home page, an article, search and the request form:
requests per second and p50/p99 latency, each also as a ratio to /healthz/; SQL queries per
page (a first, uncached visit); bytes on the wire compressed (the HTML gzipped as a proxy would
send it, plus everything a first visit loads: CSS, scripts, icon, as WhiteNoise serves them).
Then Lighthouse (mobile) scores for the article and the form.

Run with `make bench`. wrk comes from Debian (apt-get install wrk), Lighthouse from npm
(installed into .cache/ on first use), Chromium from Debian.
"""

import gzip
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.live_site import PROJECT_DIR, live_site

PAGES = {
    "/healthz/": "/healthz/",
    "home": "/",
    "article": "/education/why-pain-after-spinal-fusion/",
    "search": "/education/search/?q=fusion",
    "request form": "/appointments/request/?article=why-pain-after-spinal-fusion",
}
DURATION = os.environ.get("BENCH_WRK_SECONDS", "5")
LIGHTHOUSE_VERSION = "13.5.0"
LIGHTHOUSE_DIR = PROJECT_DIR / ".cache" / "lighthouse"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)


def ensure_tool(command, debian_package):
    if shutil.which(command):
        return True
    if os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", debian_package], check=False, capture_output=True)
    if not shutil.which(command):
        print(f"({command} is not installed: apt-get install {debian_package})")
        return False
    return True


def wrk(url):
    output = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{DURATION}s", "--latency", url], capture_output=True, text=True, check=True
    ).stdout

    def latency(percent):
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency(50),
        "p99": latency(99),
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
    }


class Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") in ("stylesheet", "icon"):
            self.urls.append(attrs["href"])
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])


def fetch(base, path, **headers):
    parts = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    return response.read()


def first_visit_bytes(base, path):
    html = fetch(base, path)
    parser = Assets()
    parser.feed(html.decode())
    assets = sum(len(fetch(base, url, **{"Accept-Encoding": "br, gzip"})) for url in parser.urls)
    return len(gzip.compress(html)), len(gzip.compress(html)) + assets


def queries_per_page(env):
    """Queries for a first (uncached) visit, counted in a Django process on the same database."""
    code = f"""
import json, django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
counts = {{}}
for name, path in {PAGES!r}.items():
    with CaptureQueriesContext(connection) as queries:
        Client().get(path, HTTP_HOST="127.0.0.1")
    counts[name] = len(queries)
print(json.dumps(counts))
"""
    env = {**env, "DJANGO_SETTINGS_MODULE": "clinic.settings"}
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def lighthouse(url):
    binary = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        if not shutil.which("npm"):
            return None
        LIGHTHOUSE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(LIGHTHOUSE_DIR),
             f"lighthouse@{LIGHTHOUSE_VERSION}"],
            check=False, capture_output=True,
        )  # fmt: skip
    if not binary.exists() or not Path("/usr/bin/chromium").exists():
        return None
    result = subprocess.run(
        [str(binary), url, "--quiet", "--output=json", "--form-factor=mobile",
         "--only-categories=performance,accessibility,best-practices,seo", f"--chrome-flags={CHROME_FLAGS}"],
        capture_output=True, text=True, env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
    )  # fmt: skip
    if result.returncode != 0:
        return None
    report = json.loads(result.stdout)
    scores = {key: round(category["score"] * 100) for key, category in report["categories"].items()}
    failing = [
        audit["title"]
        for audit in report["audits"].values()
        if audit.get("score") is not None and audit["score"] < 1 and audit.get("scoreDisplayMode") == "binary"
    ]
    return scores, failing


def main():
    if not ensure_tool("wrk", "wrk"):
        return
    with live_site(workers=2) as (base, vendor, env):
        for path in PAGES.values():  # warm up: first renders, caches
            fetch(base, path)
        results = {name: wrk(base + path) for name, path in PAGES.items()}
        queries = queries_per_page(env)
        weights = {name: first_visit_bytes(base, path) for name, path in PAGES.items() if name != "/healthz/"}
        scores = {name: lighthouse(base + PAGES[name]) for name in ("article", "request form")}

    floor = results["/healthz/"]["rps"]
    print(f"Pages under load: gunicorn, 2 workers, {vendor}; wrk -t2 -c16 -d{DURATION}s on loopback")
    print()
    print("| page | requests/s | × /healthz/ | p50 ms | p99 ms | queries | HTML gz bytes | first load bytes |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, result in results.items():
        html_gz, first_load = weights.get(name, ("—", "—"))
        errors = f" ({result['errors']} errors)" if result["errors"] else ""
        print(
            f"| {name} | {result['rps']:,.0f}{errors} | {result['rps'] / floor:.2f} | {result['p50']:.1f} | "
            f"{result['p99']:.1f} | {queries[name]} | {html_gz:,} | {first_load:,} |"
            if name != "/healthz/"
            else f"| {name} | {result['rps']:,.0f}{errors} | 1.00 | {result['p50']:.1f} | {result['p99']:.1f} | "
            f"{queries[name]} | — | — |"
        )
    print()
    print("Lighthouse (mobile): performance / accessibility / best practices / SEO")
    for name, outcome in scores.items():
        if outcome is None:
            print(f"  {name}: not measured (lighthouse or chromium unavailable)")
            continue
        values, failing = outcome
        line = " / ".join(str(values[key]) for key in ("performance", "accessibility", "best-practices", "seo"))
        print(f"  {name}: {line}" + (f"  (failing: {'; '.join(failing)})" if failing else ""))


if __name__ == "__main__":
    main()
