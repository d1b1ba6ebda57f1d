"""Site-wide endpoints that belong to no single app: probes, robots.txt, error pages."""

import logging
import sys

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.views import defaults
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from clinic.models import ClinicProfile

from .cache import cache_is_healthy
from .contact import contact_when_down
from .outage import database_unavailable_response, is_connection_failure

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


def _without_csrf_on_unreadable_bodies(default_view):
    """Django's error view, minus its CSRF token step when the request body cannot be parsed.

    Django's error views run the CSRF middleware again (`requires_csrf_token`), which reads the
    POST body; a body Django refuses (e.g. `charset=latin-1`) then raises inside the error view
    and the visitor gets a 500. The page does not need a token, so it is rendered without one.
    """

    def view(request, exception):
        try:
            return default_view(request, exception)
        except (BadRequest, SuspiciousOperation):
            return default_view.__wrapped__(request, exception)

    view.__name__ = view.__qualname__ = default_view.__name__
    return view


bad_request = _without_csrf_on_unreadable_bodies(defaults.bad_request)
permission_denied = _without_csrf_on_unreadable_bodies(defaults.permission_denied)
page_not_found = _without_csrf_on_unreadable_bodies(defaults.page_not_found)


def server_error(request):
    """The 500 page, with the clinic's phone number; a 503 when the database is what failed."""
    if is_connection_failure(sys.exc_info()[1]):
        return database_unavailable_response(request)
    clinic = contact_when_down(ClinicProfile.last_known())
    html = loader.get_template("500.html").render({"clinic": clinic, "request": request})
    return HttpResponse(html, status=500)
