from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.caches, deploy=True)
def check_shared_cache(app_configs, **kwargs):
    """Production needs one cache for all app servers (REDIS_URL)."""
    if settings.DEBUG or settings.REDIS_URL:
        return []
    return [
        checks.Error(
            "REDIS_URL is not set, so each app server process keeps its own cache: an editor's change "
            "would reach only one process's page cache, and the form's rate limit would count per process.",
            hint="Set REDIS_URL to the shared Redis, e.g. redis://cache.internal:6379/0 (see docs/deploy.md).",
            id="clinic.E001",
        )
    ]
