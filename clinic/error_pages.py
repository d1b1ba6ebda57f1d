"""The error pages: 400, 403, 404, 500, and the plain 503 when the database does not answer.

The middleware and the URL configuration's handlers both use them; they import neither.
"""

import sys

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.template.loader import render_to_string
from django.views import defaults

from .contact import contact_when_down
from .models import ClinicProfile


def is_connection_failure(exception):
    """True for 'cannot reach the database', not for a bad query or a broken constraint."""
    return isinstance(exception, InterfaceError | OperationalError)


def database_unavailable_response(request):
    html = render_to_string("503.html", {"clinic": contact_when_down(ClinicProfile.last_known()), "request": request})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = "60"
    response["Cache-Control"] = "no-store"
    return response


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
