"""Use the cache, never fail because of it.

`try_cache("get", key)` is the one way the site's own code calls the cache: whatever goes wrong
(Redis refused, hung, evicted), the caller gets `default` and a line in the log, and the page
is served from the database instead.

`ResilientRedisCache` is Django's Redis cache with a circuit breaker: after a connection error
or a timeout, every call fails at once (no waiting) for `DJANGO_CACHE_RETRY_SECONDS`; then one
call probes Redis again. A hanging Redis costs each worker process one timeout per interval,
instead of one per cache call.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)


class CacheUnavailable(Exception):
    """The cache is skipped for now: it failed a moment ago."""


class CircuitBreaker:
    """Per process: open after a failure, half-open after `retry_seconds`, closed after a success."""

    def __init__(self):
        self.open_until = 0.0
        self.lock = threading.Lock()

    @property
    def is_open(self):
        return time.monotonic() < self.open_until

    def trip(self, error):
        with self.lock:
            already = self.is_open
            self.open_until = time.monotonic() + settings.CACHE_RETRY_SECONDS
        if not already:
            logger.warning(
                "The cache did not answer (%s); skipping it for %s s.",
                type(error).__name__,
                settings.CACHE_RETRY_SECONDS,
            )

    def reset(self):
        if self.open_until:
            logger.info("The cache answers again.")
        self.open_until = 0.0


breaker = CircuitBreaker()


def _connection_errors():
    import redis.exceptions

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


def _guarded(name):
    def call(self, *args, **kwargs):
        if breaker.is_open:
            raise CacheUnavailable(f"cache skipped until it answers again ({name})")
        try:
            result = getattr(RedisCacheClient, name)(self, *args, **kwargs)
        except _connection_errors() as error:
            breaker.trip(error)
            raise CacheUnavailable(type(error).__name__) from error
        breaker.reset()
        return result

    call.__name__ = name
    return call


class ResilientRedisCacheClient(RedisCacheClient):
    pass


for _name in [
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
]:
    setattr(ResilientRedisCacheClient, _name, _guarded(_name))


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient


def try_cache(operation, *args, default=None, **kwargs):
    """`cache.<operation>(*args, **kwargs)`, or `default` if the cache fails in any way.

    `operation` may also be a function that uses the cache (e.g. a library's), called with the
    arguments given.
    """
    name = getattr(operation, "__name__", operation)
    call = operation if callable(operation) else getattr(cache, operation)
    try:
        return call(*args, **kwargs)
    except CacheUnavailable as error:
        logger.debug("Cache %s skipped: %s", name, error)
    except Exception as error:  # whatever the backend raises, the page must not fail
        logger.warning("The cache did not answer (%s %s); going on without it.", name, type(error).__name__)
    return default


def cache_is_healthy():
    """True when the cache answers now (a closed breaker and a round trip)."""
    missing = object()
    return try_cache("get", "clinic:readiness-probe", default=missing) is not missing
