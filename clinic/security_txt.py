"""/.well-known/security.txt (RFC 9116): where to report a security problem with the site.

Contact and the validity period come from settings; Expires is worked out on each request (now plus
SECURITY_TXT_EXPIRES_DAYS, at midnight UTC), so the file never goes stale and its body stays the
same all day long (one ETag a day for caches).
"""

from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


def contact_uris(contacts):
    """RFC 9116 §2.5.3: each Contact is a URI; a bare email address becomes a mailto: one."""
    for contact in contacts:
        if ":" not in contact and "@" in contact:
            contact = f"mailto:{contact}"
        yield contact


def expires(now=None):
    day = (now or timezone.now()).astimezone(UTC).date() + timedelta(days=settings.SECURITY_TXT_EXPIRES_DAYS)
    return datetime.combine(day, time.min, tzinfo=UTC)


def security_txt_body(now=None):
    lines = [f"Contact: {uri}" for uri in contact_uris(settings.SECURITY_TXT_CONTACTS)]
    lines.append(f"Expires: {expires(now):%Y-%m-%dT%H:%M:%SZ}")
    lines.append(f"Preferred-Languages: {', '.join(settings.SECURITY_TXT_LANGUAGES)}")
    lines.append(f"Canonical: {settings.SITE_URL.rstrip('/')}{reverse('security-txt')}")
    return "\n".join(lines) + "\n"


@require_safe
@cache_control(max_age=86400, public=True)
def security_txt(request):
    return HttpResponse(security_txt_body(), content_type="text/plain; charset=utf-8")
