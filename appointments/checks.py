from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .booking.calendar_zone import UnsupportedZone, vtimezone
from .requests.ratelimit import Rate


@checks.register(checks.Tags.compatibility)
def check_rate_limit(app_configs, **kwargs):
    try:
        Rate.parse(settings.APPOINTMENTS_RATE_LIMIT)
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="appointments.E001")]
    return []


@checks.register(checks.Tags.compatibility)
def check_time_zone_for_calendar_files(app_configs, **kwargs):
    """Calendar files carry the clinic's zone as yearly rules; a zone without that form gets UTC times."""
    try:
        vtimezone(settings.TIME_ZONE)
    except UnsupportedZone as error:
        return [
            checks.Warning(
                f"Calendar files will show appointment times in UTC: {error}.",
                hint="Patients' calendars still show the right moment, converted to their own zone.",
                id="appointments.W001",
            )
        ]
    return []
