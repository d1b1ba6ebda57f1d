import logging

from django.db import DatabaseError
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


class PermissionsPolicyMiddleware:
    """Turn off browser features the site never uses (Django has no setting for this header)."""

    POLICY = ", ".join(
        f"{feature}=()"
        for feature in [
            "accelerometer",
            "autoplay",
            "camera",
            "display-capture",
            "encrypted-media",
            "fullscreen",
            "geolocation",
            "gyroscope",
            "magnetometer",
            "microphone",
            "midi",
            "payment",
            "picture-in-picture",
            "publickey-credentials-get",
            "screen-wake-lock",
            "sync-xhr",
            "usb",
            "xr-spatial-tracking",
        ]
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.POLICY)
        return response


class DatabaseUnavailableMiddleware:
    """When the database does not answer, say so plainly (503) instead of failing with a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DatabaseError) and is_connection_failure(exception):
            logger.warning("Database unavailable while serving %s: %s", request.path, type(exception).__name__)
            return database_unavailable_response(request)
        return None


def is_connection_failure(exception):
    """True for 'cannot reach the database', not for a bad query or a broken constraint."""
    from django.db import InterfaceError, OperationalError

    return isinstance(exception, InterfaceError | OperationalError)


def database_unavailable_response(request):
    from clinic.models import ClinicProfile

    from .contact import contact_when_down

    html = render_to_string("503.html", {"clinic": contact_when_down(ClinicProfile.last_known()), "request": request})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = "60"
    response["Cache-Control"] = "no-store"
    return response
