"""When the database does not answer: recognise it, and say so plainly (503) instead of a 500."""

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

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
