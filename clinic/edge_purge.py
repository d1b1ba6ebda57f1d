"""Purging changed pages from the proxy (nginx) and a CDN, in the background worker.

1. `clinic.edge_cache.purge_after_commit(paths)` runs `queue_purge(paths)` once the change commits:
   an `EdgePurge` row and a `purge_edge_cache` task (Django's Tasks API, in the database).
2. The worker runs the task: every configured backend drops every address. A failure is
   recorded (the kind of error only), and the task is queued again later (backoff); after
   `EDGE_PURGE_MAX_ATTEMPTS` the row is left as failed, and the admin index says so. The pages
   then expire on their own after `EDGE_CACHE_S_MAXAGE` seconds.

Backends, each off until its setting is set:
- nginx: `EDGE_PURGE_NGINX_URLS`, the purge listeners of deploy/nginx.conf (Debian's
  libnginx-mod-http-cache-purge); one `PURGE /path` per address, with the site's host name.
- a CDN: `EDGE_PURGE_CDN_URL`, one POST naming the addresses as surrogate keys (the
  `Surrogate-Key` header, as Fastly reads it) and as absolute URLs (a JSON body, for CDNs
  that purge by URL); `EDGE_PURGE_CDN_TOKEN` is sent in the `EDGE_PURGE_CDN_TOKEN_HEADER` header.
"""

import http.client
import json
import logging
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .edge_cache import purging_enabled
from .models import EdgePurge

logger = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 5
LONGEST_RETRY_SECONDS = 600
KEEP_DONE = timedelta(days=7)


class PurgeFailed(Exception):
    pass


def queue_purge(paths):
    """Record the purge and queue it for the worker. Never raises: a lost purge only means pages expire later."""
    if not purging_enabled():
        return None
    try:
        with transaction.atomic():
            row = EdgePurge.objects.create(paths=list(paths))
            purge_edge_cache.enqueue(row.pk)
            # The record of a purge that worked is of no use after a while.
            EdgePurge.objects.filter(status=EdgePurge.Status.DONE, done_at__lt=row.created_at - KEEP_DONE).delete()
    except Exception as error:  # the database went away right after the commit
        logger.warning("Could not queue a purge of %s address(es): %s.", len(paths), type(error).__name__)
        return None
    return row


@task()
def purge_edge_cache(purge_id):
    """The worker's task: drop one `EdgePurge`'s addresses everywhere."""
    return run_purge(purge_id)


def run_purge(purge_id):
    """Purge, and record the outcome: "done", "retry", "failed" or "skipped"."""
    row = EdgePurge.objects.filter(pk=purge_id).exclude(status=EdgePurge.Status.DONE).first()
    if row is None:
        return "skipped"
    try:
        purge(row.paths)
    except Exception as error:  # any failure of a backend: publishing is done, the purge is retried
        return record_failure(row, error)
    row.status, row.done_at, row.last_error = EdgePurge.Status.DONE, timezone.now(), ""
    row.save(update_fields=["status", "done_at", "last_error"])
    return "done"


def retry_delay(attempts):
    """Seconds before the next attempt: 5, 10, 20... at most ten minutes."""
    return min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), LONGEST_RETRY_SECONDS)


def record_failure(row, error):
    row.attempts += 1
    row.last_error = f"{type(error).__name__}: {error}"[:200]  # addresses and statuses only: nothing personal
    if row.attempts >= settings.EDGE_PURGE_MAX_ATTEMPTS:
        row.status, outcome = EdgePurge.Status.FAILED, "failed"
    else:
        row.next_attempt_at = timezone.now() + timedelta(seconds=retry_delay(row.attempts))
        outcome = "retry"
    row.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
    logger.warning("Purge %s failed (attempt %s): %s.", row.pk, row.attempts, row.last_error)
    if outcome == "retry":
        try:
            purge_edge_cache.using(run_after=row.next_attempt_at).enqueue(row.pk)
        except Exception:
            logger.warning("Could not queue purge %s again; its pages expire on their own.", row.pk)
    return outcome


def purge(paths):
    """Drop `paths` from every configured cache now; raise PurgeFailed if any of them did not."""
    for base_url in settings.EDGE_PURGE_NGINX_URLS:
        for path in paths:
            status = send(base_url, "PURGE", path, headers={"Host": site_host()})
            if status not in (200, 404):  # 404: that page was not in the cache
                raise PurgeFailed(f"nginx answered {status} for {path}")
    if settings.EDGE_PURGE_CDN_URL:
        site = settings.SITE_URL.rstrip("/")
        headers = {"Surrogate-Key": " ".join(paths), "Content-Type": "application/json"}
        if settings.EDGE_PURGE_CDN_TOKEN:
            headers[settings.EDGE_PURGE_CDN_TOKEN_HEADER] = settings.EDGE_PURGE_CDN_TOKEN
        body = json.dumps({"surrogate_keys": list(paths), "urls": [site + path for path in paths]})
        status = send(settings.EDGE_PURGE_CDN_URL, "POST", None, headers=headers, body=body)
        if not 200 <= status < 300:
            raise PurgeFailed(f"the CDN answered {status}")


def site_host():
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def send(url, method, path, *, headers, body=None):
    """One HTTP(S) request with the purge timeout; returns the status."""
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = connection_class(parts.hostname, parts.port, timeout=settings.EDGE_PURGE_TIMEOUT)
    target = path if path is not None else (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request(method, target, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()
