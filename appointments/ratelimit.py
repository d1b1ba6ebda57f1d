"""How many consultation requests one client address may send: a fixed window counted in the cache.

The cache is Redis when REDIS_URL is set, so every app server counts against the same number.
If the cache does not answer, requests are let through (a warning is logged): a patient is
never turned away because the rate limiter is down.
"""

import logging
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

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


def allow_request(request, scope="consultation-request"):
    """Count this request against its client's limit; False once the limit is passed."""
    rate = Rate.parse(settings.APPOINTMENTS_RATE_LIMIT)
    if rate.count == 0:
        return True
    window = int(time.time() // rate.seconds)
    key = f"ratelimit:{scope}:{client_ip(request)}:{window}"
    try:
        cache.add(key, 0, timeout=rate.seconds + 5)
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this is the first of a new window
        count = 1
    except Exception:
        logger.warning("Rate limit not applied: the cache did not answer.")
        return True
    if count > rate.count:
        logger.info("Rate limit reached for a client (%s requests in %s s).", count, rate.seconds)
        return False
    return True
