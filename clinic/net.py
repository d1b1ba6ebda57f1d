"""Who is on the other end of a request, as far as the proxies we trust can tell."""

from django.conf import settings


def client_ip(request):
    """The client's address: REMOTE_ADDR, or the address our own trusted proxies put in X-Forwarded-For.

    Each proxy appends the address it received the request from, so with N trusted proxies in
    front of the app the client is the Nth entry from the right. Entries further left were
    written by the client itself and prove nothing.
    """
    hops = settings.TRUSTED_PROXY_HOPS
    remote = request.META.get("REMOTE_ADDR", "")
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < hops:
        return remote
    return forwarded[-hops]
