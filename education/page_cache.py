"""Rendered public article pages, kept in the cache until any content they show changes.

Every cached page is filed under the current content version; a change to an article, a
section, a topic, a redirect or the clinic profile starts a new version, so every page is
rendered afresh. The cache is shared by all app servers when REDIS_URL is set.
"""

import logging
import uuid

from django.core.cache import cache

logger = logging.getLogger(__name__)

VERSION_KEY = "education:content-version"
PAGE_SECONDS = 300  # also bounds how late a scheduled article shows up in "related articles"


def content_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def content_changed(**kwargs):
    """Signal receiver and plain function: every cached page is out of date."""
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        logger.warning("The cache did not answer; cached pages may be stale for up to %s s.", PAGE_SECONDS)


def page_key(request):
    """One copy per address as the reader asked for it: the page holds absolute links (canonical, JSON-LD)."""
    return f"education:page:{content_version()}:{request.scheme}://{request.get_host()}{request.path}"


def cached_page(request):
    try:
        return cache.get(page_key(request))
    except Exception:
        logger.warning("The cache did not answer; rendering the page.")
        return None


def keep_page(request, html):
    try:
        cache.set(page_key(request), html, timeout=PAGE_SECONDS)
    except Exception:
        logger.warning("The cache did not answer; the page was not kept.")
