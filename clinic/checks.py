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


@checks.register(checks.Tags.security, deploy=True)
def check_deployment_settings(app_configs, **kwargs):
    """Mistakes `check --deploy` of Django's own does not catch, each seen in a review of a real setup."""
    problems = []
    if "*" in settings.ALLOWED_HOSTS:
        problems.append(
            checks.Error(
                "DJANGO_ALLOWED_HOSTS contains '*': the site answers to any Host header, so links it builds "
                "(password resets, emails) can be made to point anywhere.",
                hint="List the site's host names, e.g. DJANGO_ALLOWED_HOSTS=clinic.example.org.",
                id="clinic.E002",
            )
        )
    if not settings.SITE_URL.lower().startswith("https://"):
        problems.append(
            checks.Error(
                f"DJANGO_SITE_URL is {settings.SITE_URL!r}: links in staff emails would go over plain HTTP.",
                hint="Set DJANGO_SITE_URL to the site's https:// address, e.g. https://clinic.example.org.",
                id="clinic.E003",
            )
        )
    if not settings.ADMIN_REQUIRE_2FA:
        problems.append(
            checks.Error(
                "Two-factor sign-in is off (DJANGO_ADMIN_REQUIRE_2FA): a stolen password alone opens the "
                "superusers' accounts and every patient's request.",
                hint="Set DJANGO_ADMIN_REQUIRE_2FA=true and give each superuser an authenticator "
                "(manage.py add_totp_device USERNAME).",
                id="clinic.E004",
            )
        )
    if settings.TRUSTED_PROXY_HOPS > 0 and not settings.TRUSTED_PROXIES:
        problems.append(
            checks.Error(
                "DJANGO_TRUSTED_PROXY_HOPS is set but DJANGO_TRUSTED_PROXIES is empty: X-Forwarded-For is never "
                "read, so every visitor shares one rate limit and one sign-in lockout.",
                hint="Set DJANGO_TRUSTED_PROXIES to the proxy's address or network, e.g. 10.0.0.5 or 10.0.0.0/24.",
                id="clinic.E005",
            )
        )
    if settings.TRUSTED_PROXY_HOPS <= 0 and settings.SECURE_PROXY_SSL_HEADER:
        problems.append(
            checks.Warning(
                "The site trusts a TLS proxy's X-Forwarded-Proto, but DJANGO_TRUSTED_PROXY_HOPS is 0: behind that "
                "proxy every visitor has the proxy's address, so all patients share one rate limit and one "
                "sign-in lockout.",
                hint="Set DJANGO_TRUSTED_PROXY_HOPS=1 (one proxy) and DJANGO_TRUSTED_PROXIES to its address.",
                id="clinic.W001",
            )
        )
    return problems
