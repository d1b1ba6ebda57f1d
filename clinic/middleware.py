import logging

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.db import DatabaseError
from django.http import QueryDict

from .error_pages import bad_request, database_unavailable_response, is_connection_failure

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


class RejectMalformedRequestMiddleware:
    """NUL characters: dropped from the query string, a 400 in the address or a posted form.

    No page has a use for one, and PostgreSQL refuses it in a query (psycopg2 raises
    ValueError), which would otherwise surface as a 500 from any filter or search.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or self._has_nul_in_form(request):
            return bad_request(request, SuspiciousOperation("NUL character in the request"))
        if self._has_nul(request.GET):
            cleaned = QueryDict(mutable=True)
            for key, values in request.GET.lists():
                cleaned.setlist(key.replace("\x00", ""), [value.replace("\x00", "") for value in values])
            cleaned._mutable = False
            request.GET = cleaned
        return self.get_response(request)

    @staticmethod
    def _has_nul(query):
        return any("\x00" in key or any("\x00" in value for value in values) for key, values in query.lists())

    def _has_nul_in_form(self, request):
        if request.method != "POST" or request.content_type != "application/x-www-form-urlencoded":
            return False
        try:
            return self._has_nul(request.POST)
        except (BadRequest, SuspiciousOperation, OSError):
            return False  # left for Django to answer 400 where the body is read


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
