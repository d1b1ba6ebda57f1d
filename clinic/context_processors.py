"""Site-wide template context."""

from django.utils.functional import SimpleLazyObject

from .roles import TRIAGE_STAFF


def is_triage_staff(user):
    """Staff who work the request desk: the Triage staff role, or a superuser."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return user.is_superuser or user.groups.filter(name=TRIAGE_STAFF).exists()


def outbox_alerts(request):
    """`alerts_failing` on admin pages for triage staff: any on-call alert the mail server keeps refusing.

    Lazy, so a page that never shows it never asks the database.
    """
    match = getattr(request, "resolver_match", None)
    if match is None or match.namespace != "admin" or not hasattr(request, "user"):
        return {}

    def failing():
        from .outbox import alerts_failing

        return is_triage_staff(request.user) and alerts_failing()

    return {"alerts_failing": SimpleLazyObject(failing)}
