"""Pages a proxy or CDN may keep: which ones, the headers that say so, and purging them.

Declaring a page shared is one wrapper in the URL configuration::

    path("", shared_page(HomeView.as_view()), name="home")

`EdgeCacheMiddleware` then answers it with `Cache-Control: public, max-age=…, s-maxage=…,
stale-while-revalidate=…, stale-if-error=…` and a `Surrogate-Key`, but only while the answer is the
same for every visitor: a GET or HEAD without a query string, from a visitor without a session
cookie, that sets no cookie and is not already marked private (a staff preview). Anything else on
such a page says `private`. Pages not declared shared keep their own headers (forms, booking and
the admin say `private, no-store`).

When content changes, `purge_after_commit(paths)` has the background worker drop exactly those
addresses from the proxy and the CDN (clinic/edge_purge.py) once the transaction commits.
"""

import functools

from django.conf import settings
from django.db import transaction

# Every shared page also carries this key: a CDN can drop all of them at once by hand.
ALL_PAGES_KEY = "clinic-pages"
PERSONAL = "private, no-store"


def shared_page(view):
    """Mark a view's answers as the same for every visitor, so shared caches may keep them."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    wrapper.shared_page = True
    return wrapper


def public_cache_control():
    return (
        f"public, max-age={settings.EDGE_CACHE_MAX_AGE}, s-maxage={settings.EDGE_CACHE_S_MAXAGE}, "
        f"stale-while-revalidate={settings.EDGE_CACHE_STALE_WHILE_REVALIDATE}, "
        f"stale-if-error={settings.EDGE_CACHE_STALE_IF_ERROR}"
    )


def surrogate_keys(path):
    """The keys a CDN files a page under: its own address, and the key for every page."""
    return [path, ALL_PAGES_KEY]


class EdgeCacheMiddleware:
    """Public cache headers for pages declared with `shared_page`; `private` where they would not be safe.

    Sits above the session middleware, so it sees the `Vary: Cookie` and any cookie set below it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "shared_page", False):
            decide(request, response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        request.shared_page = getattr(view_func, "shared_page", False)


def decide(request, response):
    if response.status_code not in (200, 304):
        return  # errors and redirects keep their own headers (nothing public)
    already_private = any(word in response.get("Cache-Control", "") for word in ("private", "no-store"))
    personal = (
        already_private
        or bool(response.cookies)
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or request.method not in ("GET", "HEAD")
    )
    if personal:
        response["Cache-Control"] = PERSONAL
    elif request.META.get("QUERY_STRING"):
        # The same page, but a proxy files it under another address that publishing never purges.
        response["Cache-Control"] = "private, no-cache"
    else:
        response["Cache-Control"] = public_cache_control()
        response["Surrogate-Key"] = " ".join(surrogate_keys(request.path))
        _drop_vary_cookie(response)


def _drop_vary_cookie(response):
    """The page reads the session only to learn that the visitor is nobody in particular."""
    vary = [value.strip() for value in response.get("Vary", "").split(",") if value.strip()]
    kept = [value for value in vary if value.lower() != "cookie"]
    if kept:
        response["Vary"] = ", ".join(kept)
    elif "Vary" in response:
        del response["Vary"]


def purging_enabled():
    """Whether any purge backend is configured (without one, pages expire after EDGE_CACHE_S_MAXAGE)."""
    return bool(settings.EDGE_PURGE_NGINX_URLS or settings.EDGE_PURGE_CDN_URL)


def purge_after_commit(paths):
    """Drop these addresses (e.g. "/education/") from the proxy and the CDN once the transaction commits.

    Never raises and never delays the caller: the worker purges, with retries; a purge that keeps
    failing is shown on the admin index, and the page expires after `EDGE_CACHE_S_MAXAGE` anyway.
    """
    from .edge_purge import queue_purge

    paths = sorted({path for path in paths if path})
    if paths:
        transaction.on_commit(functools.partial(queue_purge, paths), robust=True)
