"""Phone numbers as staff read, dial and search them."""

import phonenumbers
from django.conf import settings

from clinic.phone import e164


def display_phone(phone):
    """National format for the clinic's country, "(312) 555-0177"; international for others."""
    # isinstance first: the truth of a PhoneNumber formats it (its __len__ is that of its text).
    if not isinstance(phone, phonenumbers.PhoneNumber):
        return str(phone or "")
    if not phone.country_code:
        return str(phone)
    number = phone
    region = phonenumbers.region_code_for_number(number)
    if region == settings.PHONENUMBER_DEFAULT_REGION:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def dial_string(phone):
    """For a tel: link: E.164, "+13125550177"."""
    return e164(phone) if isinstance(phone, phonenumbers.PhoneNumber) else ""


def phone_from_query(text):
    """The E.164 form of a search that is a phone number in any format, or None."""
    if not text or sum(character.isdigit() for character in text) < 7 or len(text) > 40:
        return None
    try:
        number = phonenumbers.parse(text, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
