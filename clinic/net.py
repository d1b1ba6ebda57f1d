"""Who is on the other end of a request, as far as the proxies we trust can tell.

One rule for every use: the form's rate limit, django-axes's sign-in lockout
(AXES_CLIENT_IP_CALLABLE) and the access log all call `client_ip`.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=16)
def _networks(entries):
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def is_trusted_proxy(address):
    """Whether `address` is one of ours (settings.TRUSTED_PROXIES, addresses or networks)."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return any(ip in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request):
    """The client's address: REMOTE_ADDR, or the address our own trusted proxies put in X-Forwarded-For.

    X-Forwarded-For is read only when the connection comes from a trusted proxy: a client that
    reaches an app server directly could write anything there. Each proxy appends the address it
    received the request from, so the client is found by walking from the right, past at most
    TRUSTED_PROXY_HOPS proxies, each of which must be one of ours. Entries further left were
    written by the client itself and prove nothing.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_HOPS
    if hops <= 0 or not is_trusted_proxy(remote):
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < hops:
        return remote
    client = remote
    for _ in range(hops):
        if not is_trusted_proxy(client):
            break
        client = forwarded.pop()
    return client
