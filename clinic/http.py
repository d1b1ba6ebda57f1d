"""Conditional requests as RFC 9110 has them, where Django's ConditionalGetMiddleware falls short.

- A HEAD answer carries the validators (ETag, Last-Modified) a GET would (RFC 9110 §9.3.2), so a
  cache or crawler can check a page without downloading it; a HEAD with a matching If-None-Match
  gets 304 like a GET. Django's middleware leaves HEAD alone.
- A 304 carries no Content-Length (§8.6: it would have to be the 200's length; Django's
  CommonMiddleware writes "0"). This middleware therefore sits above CommonMiddleware.
"""

from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.deprecation import MiddlewareMixin
from django.utils.http import parse_http_date_safe


class ConditionalGetMiddleware(MiddlewareMixin):
    """ETag on GET and HEAD answers, 304 Not Modified when the client's copy is current."""

    def process_response(self, request, response):
        if request.method not in ("GET", "HEAD"):
            return response
        if self.needs_etag(response) and not response.has_header("ETag"):
            set_response_etag(response)  # from the body, which views render for HEAD too
        etag = response.get("ETag")
        last_modified = response.get("Last-Modified")
        last_modified = last_modified and parse_http_date_safe(last_modified)
        if etag or last_modified:
            response = get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)
        if response.status_code == 304 and response.has_header("Content-Length"):
            del response["Content-Length"]
        return response

    @staticmethod
    def needs_etag(response):
        """As Django's: never for a response that may not be stored anyway."""
        cache_control = {part.strip().lower() for part in response.get("Cache-Control", "").split(",")}
        return "no-store" not in cache_control
