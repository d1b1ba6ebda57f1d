from datetime import timedelta

from django import template
from django.conf import settings
from django.utils import timezone

from clinic.models import EdgePurge

register = template.Library()


@register.inclusion_tag("admin/_edge_purge_failures.html")
def edge_purge_status(days=1):
    """Purges of the proxy or CDN that failed lately (older pages have expired from the caches anyway)."""
    since = timezone.now() - timedelta(days=days)
    return {
        "failing": list(EdgePurge.objects.failing().filter(created_at__gte=since)[:5]),
        "expiry_minutes": max(1, round(settings.EDGE_CACHE_S_MAXAGE / 60)),
    }
