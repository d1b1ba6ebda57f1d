"""Site-wide template context: the clinic's profile, and the on-call alerts banner for triage staff."""

from django.utils.functional import SimpleLazyObject

from .models import ClinicProfile


def get_clinic_profile(request):
    """The clinic's profile, read from the database at most once per request."""
    if not hasattr(request, "_clinic_profile"):
        request._clinic_profile = ClinicProfile.load()
    return request._clinic_profile


def clinic_profile(request):
    """`clinic` in every template, loaded only if the page uses it."""
    return {"clinic": SimpleLazyObject(lambda: get_clinic_profile(request))}


def is_triage_staff(user):
    """Staff who work the request desk (the Triage staff role, or a superuser).

    Asked through the permission the role grants, which the admin has already loaded for the
    page: no query of its own.
    """
    return user.is_active and user.is_staff and user.has_perm("appointments.view_consultationrequest")


def outbox_alerts(request):
    """`alerts_failing` on admin pages for triage staff: an on-call alert the mail server keeps refusing."""
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    if match is None or match.namespace != "admin" or user is None or not is_triage_staff(user):
        return {}
    from .outbox import alerts_failing

    return {"alerts_failing": alerts_failing()}
