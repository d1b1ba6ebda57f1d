"""The published files, read from the cache: no database work in the request once the worker has run."""

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from . import published
from .resources import CONTENT_TYPES, RESOURCE_TYPES

# Directories poll; five minutes of staleness is well inside the debounce and the periodic rebuild.
MAX_AGE_SECONDS = 300


def _serve(kind):
    body, etag = published(kind)
    response = HttpResponse(body, content_type=CONTENT_TYPES[kind])
    response["ETag"] = etag  # clinic.http.ConditionalGetMiddleware answers If-None-Match with 304
    response["Cache-Control"] = f"public, max-age={MAX_AGE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"  # public open times, for directories' web pages too
    return response


@require_safe
def manifest(request):
    return _serve("manifest")


@require_safe
def resource_file(request, resource_type):
    if resource_type not in RESOURCE_TYPES:
        raise Http404("No such file.")
    return _serve(resource_type)
