from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .requests.ratelimit import Rate


@checks.register(checks.Tags.compatibility)
def check_rate_limit(app_configs, **kwargs):
    try:
        Rate.parse(settings.APPOINTMENTS_RATE_LIMIT)
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="appointments.E001")]
    return []
