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
