"""Rendered public article pages, kept in the cache until any content they show changes.

Every cached page is filed under the current content version and the clinic profile's last
change. Publishing (`publishing.public_pages_changed`, after its transaction commits) starts a
new content version; saving the clinic profile changes its time; either way every page is
rendered afresh. The cache is shared by all app servers when REDIS_URL is set.
"""

import logging
import uuid

from clinic.cache import try_cache
from clinic.models import ClinicProfile

logger = logging.getLogger(__name__)

VERSION_KEY = "education:content-version"
PAGE_SECONDS = 300


def content_version():
    """The current content version (None while the cache does not answer)."""
    version = try_cache("get", VERSION_KEY)
    if version is None:
        try_cache("add", VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = try_cache("get", VERSION_KEY)
    return version


def content_changed():
    """Every cached page is out of date (publishing calls this once its transaction commits)."""
    if try_cache("set", VERSION_KEY, uuid.uuid4().hex, timeout=None, default=False) is False:
        logger.warning("Cached pages may be stale for up to %s s.", PAGE_SECONDS)


def page_key(request, version):
    """One copy per address as the reader asked for it: the page holds absolute links (canonical, JSON-LD)."""
    clinic = ClinicProfile.load().updated_at
    clinic_version = f"{clinic:%Y%m%d%H%M%S%f}" if clinic else "none"
    return f"education:page:{version}:{clinic_version}:{request.scheme}://{request.get_host()}{request.path}"


def cached_page(request):
    version = content_version()
    return None if version is None else try_cache("get", page_key(request, version))


def keep_page(request, html):
    version = content_version()
    if version is not None:
        try_cache("set", page_key(request, version), html, timeout=PAGE_SECONDS)
