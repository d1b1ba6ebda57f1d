"""Site-wide endpoints that belong to no single app: probes, robots.txt, error pages."""

import logging
import sys

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseRedirect
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from clinic.models import ClinicProfile

from .middleware import database_unavailable_response, is_connection_failure

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request):
    """Liveness: the process answers. Never touches the database."""
    return HttpResponse("ok\n", content_type="text/plain")


@never_cache
@require_safe
def readyz(request):
    """Readiness: the database answers, so this server can take traffic."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.warning("Readiness check failed: the database did not answer.")
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


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


def server_error(request):
    """The 500 page, with the clinic's phone number; a 503 when the database is what failed."""
    if is_connection_failure(sys.exc_info()[1]):
        return database_unavailable_response(request)
    html = loader.get_template("500.html").render({"clinic": ClinicProfile.last_known(), "request": request})
    return HttpResponse(html, status=500)
