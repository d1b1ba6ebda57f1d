"""Template tags of the booking pages and emails."""

from django import template

from ..booking.calendar_file import add_to_calendar_links

register = template.Library()


@register.simple_tag
def calendar_links(appointment, clinic):
    """`{% calendar_links appointment clinic as links %}`: links.google and links.outlook."""
    return add_to_calendar_links(appointment, clinic)
