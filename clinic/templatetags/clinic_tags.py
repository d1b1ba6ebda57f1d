"""Site-wide template helpers: phone links and absolute addresses of static files."""

from django import template
from django.templatetags.static import static

from clinic import opening_hours, phone

register = template.Library()


@register.filter
def tel(value):
    """`{{ clinic.phone|tel }}` → "tel:+15550100142" (empty when the number cannot be dialled)."""
    return phone.tel_uri(value)


@register.filter
def clinic_time(value):
    """`{{ appointment.starts_at|clinic_time }}` → "Nov 7, 2027, 1:30 AM EST" (the zone right in the repeated hour)."""
    return opening_hours.clinic_time(value)


@register.simple_tag
def emergency_tel():
    """`{% emergency_tel %}` → "tel:911;phone-context=+1"."""
    return phone.EMERGENCY_TEL


@register.simple_tag(takes_context=True)
def absolute_static(context, path):
    """The full address of a static file, for machines that read the page elsewhere (og:image)."""
    url = static(path)
    request = context.get("request")
    if request is None or "://" in url:
        return url
    return request.build_absolute_uri(url)
