"""SMART Scheduling Links: open times published for scheduling directories, computed by the worker.

`publish()` builds every file (`resources.build`) and keeps them in the cache, which all app servers
share; the views only read them. The worker runs `manage.py publish_scheduling_links` periodically
(free times move with the clock), and `refresh_soon()` after each booking, cancellation or move, or
a change to hours, time off or closures: debounced, so a burst of bookings costs one rebuild.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from clinic.cache import try_cache
from clinic.edge_cache import purge_after_commit

from . import resources

logger = logging.getLogger(__name__)

CACHE_KEY = "appointments:scheduling-links"
PENDING_KEY = "appointments:scheduling-links:pending"
# The files outlive a stopped worker by this much; after that a request rebuilds them itself.
KEEP_SECONDS = 3 * 3600


def publish(now=None):
    """Build the files now and keep them for the views; return {kind: (body, etag)}.

    Each file under its own key: the small manifest is read without the large Slot file.
    """
    files = resources.build(now)
    publication = {kind: (body, resources.etag(body)) for kind, body in files.items()}
    try_cache("set_many", {_key(kind): value for kind, value in publication.items()}, timeout=KEEP_SECONDS)
    return publication


def publish_and_purge(now=None):
    """publish(), then have the proxy and the CDN drop the files that changed (the worker's entry point)."""
    before = {kind: (try_cache("get", _key(kind)) or (None, None))[1] for kind in resources.CONTENT_TYPES}
    publication = publish(now)
    purge_after_commit(address(kind) for kind, (_, etag) in publication.items() if etag != before.get(kind))
    return publication


def address(kind):
    if kind == "manifest":
        return reverse("scheduling-links-manifest")
    return reverse("scheduling-links-file", kwargs={"resource_type": kind})


def published(kind):
    """(body, etag) of one file as the worker published it, or as built here if the cache has none."""
    return try_cache("get", _key(kind)) or publish()[kind]


def _key(kind):
    return f"{CACHE_KEY}:{kind}"


def refresh_soon(**kwargs):
    """Rebuild the files shortly after the current transaction commits (one rebuild per burst).

    Also a signal receiver, for changes to hours, time off, clinicians and closures.
    """
    transaction.on_commit(_enqueue_refresh, robust=True)


def _enqueue_refresh():
    delay = settings.APPOINTMENTS_SCHEDULING_LINKS_DEBOUNCE_SECONDS
    if try_cache("add", PENDING_KEY, True, timeout=delay + 60, default=True) is False:
        return  # a rebuild is already waiting and will see this change
    run_after = timezone.now() + timedelta(seconds=delay)
    try:
        refresh_scheduling_links.using(run_after=run_after).enqueue()
    except Exception:
        try_cache("delete", PENDING_KEY)
        logger.warning("Could not queue the scheduling links rebuild; the periodic job will do it.")


@task()
def refresh_scheduling_links():
    """The worker's task: rebuild the published files."""
    try_cache("delete", PENDING_KEY)  # first: a change from now on queues another rebuild
    publish_and_purge()
    return "published"


def connect_signals():
    """Changes that free or take times without a booking: hours, time off, clinicians, closures, profile."""
    from django.db.models.signals import post_delete, post_save

    from clinic.models import ClinicClosure, ClinicProfile

    from ..models import Clinician, TimeOff, WorkingHours

    for model in (Clinician, WorkingHours, TimeOff, ClinicClosure, ClinicProfile):
        for signal, name in ((post_save, "save"), (post_delete, "delete")):
            signal.connect(refresh_soon, sender=model, dispatch_uid=f"scheduling-links-{name}-{model.__name__}")


__all__ = ["publish", "publish_and_purge", "published", "refresh_scheduling_links", "refresh_soon"]
