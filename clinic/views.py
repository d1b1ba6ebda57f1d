"""Site-wide endpoints that belong to no single app: probes, robots.txt, the favicon (error pages: error_pages.py)."""

import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from .cache import cache_is_healthy

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request):
    """Liveness: the process answers. Never touches the database."""
    return HttpResponse("ok\n", content_type="text/plain")


@never_cache
@require_safe
def readyz(request):
    """Readiness: 200 when the database answers (this server can take traffic), 503 otherwise.

    The small JSON body also says whether the cache answers: without it the site still serves
    ("degraded"), only slower and with the rate limit off.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.warning("Readiness check failed: the database did not answer.")
        return JsonResponse({"status": "unavailable", "database": "unavailable"}, status=503)
    cache = "ok" if cache_is_healthy() else "degraded"
    return JsonResponse({"status": "ok" if cache == "ok" else "degraded", "database": "ok", "cache": cache})


@require_safe
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    sitemap_url = request.build_absolute_uri(reverse("sitemap"))
    private = [reverse("appointments:received"), reverse("education:search")]
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in private), f"Sitemap: {sitemap_url}"]
    if settings.ADMIN_URL == "admin/":  # a custom admin address stays unpublished
        lines.insert(1, "Disallow: /admin/")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says; send them to the icon.

    A temporary redirect: the hashed name changes whenever the icon does.
    """
    return HttpResponseRedirect(static("favicon.svg"))
