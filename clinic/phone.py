"""Phone numbers as dialers read them: RFC 3966 `tel:` links in E.164, from any way staff typed them.

The one helper behind every `tel:` link (pages, the 503 page, the admin, the scheduling files):
numbers are stored and shown as typed, and linked as global numbers (`tel:+15550100142`).
"""

import phonenumbers
from django.conf import settings

# RFC 3966 §5.1.5: a local number must say where it is local; 911 is the US (and Canada) emergency number.
EMERGENCY_TEL = "tel:911;phone-context=+1"


def parse(phone):
    """A phonenumbers.PhoneNumber for `phone` (text in any format, or a PhoneNumber), or None."""
    if isinstance(phone, phonenumbers.PhoneNumber):
        return phone if phone.country_code else None
    text = str(phone or "").strip()
    if not text or len(text) > 60:
        return None
    try:
        number = phonenumbers.parse(text, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_possible_number(number) else None


def e164(phone):
    """E.g. "+15550100142"; "" when `phone` is not a number a dialer could call."""
    number = parse(phone)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if number else ""


def tel_uri(phone):
    """E.g. "tel:+15550100142" (RFC 3966, a global number); "" when there is nothing to dial."""
    number = e164(phone)
    return f"tel:{number}" if number else ""
