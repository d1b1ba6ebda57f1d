"""How many consultation requests one client address may send: django-ratelimit, counted in the cache.

The cache is Redis when REDIS_URL is set, so every app server counts against the same number.
If the cache does not answer, requests are let through (a warning is logged): a patient is
never turned away because the rate limiter is down.
"""

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django_ratelimit.core import get_usage

from clinic.cache import try_cache
from clinic.net import client_ip

logger = logging.getLogger(__name__)

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text):
        """'5/10m' → 5 per 600 seconds. Units: s, m, h, d; the number before the unit is optional."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*", text or "")
        if not match:
            raise ImproperlyConfigured(f"APPOINTMENTS_RATE_LIMIT must look like '5/10m', not {text!r}.")
        count, number, unit = match.groups()
        return cls(count=int(count), seconds=int(number or 1) * UNIT_SECONDS[unit])


def client_key(group, request):
    return client_ip(request)


def allow_request(request, scope="consultation-request"):
    """Count this request against its client's limit (django-ratelimit); False once the limit is passed.

    Call it only for posts that are stored, so a patient correcting a typo is never counted.
    """
    rate = settings.APPOINTMENTS_RATE_LIMIT
    if Rate.parse(rate).count == 0:
        return True
    usage = try_cache(
        lambda: get_usage(request, group=f"appointments:{scope}", key=client_key, rate=rate, increment=True),
        default=None,
    )
    if usage is None or not usage["limit"]:  # the count could not be read or kept
        logger.warning("Rate limit not applied: the cache did not answer.")
        return True
    if usage["should_limit"]:
        logger.info("Rate limit reached for a client (%s requests in this window).", usage["count"])
        return False
    return True
