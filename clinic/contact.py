"""How patients reach the clinic when the site cannot: the phone number on the 503 and 500 pages.

The clinic profile lives in the database, which may be exactly what is down, and a freshly
started server may never have read it. So the number comes from, in order: the profile as this
process or the cache last saw it, the copy the site writes to `CLINIC_CONTACT_FILE` whenever the
profile is saved or read, and finally `DJANGO_CLINIC_PHONE` from the environment.
"""

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass

from django.conf import settings

from .phone import tel_uri

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Contact:
    name: str = ""
    phone: str = ""
    emergency_notice: str = ""

    @property
    def phone_href(self):
        return tel_uri(self.phone)


def keep_copy(profile):
    """Write the profile's name, phone and emergency notice where a new process can read them."""
    contact = Contact(name=profile.name, phone=profile.phone, emergency_notice=profile.emergency_notice)
    path = settings.CLINIC_CONTACT_FILE
    try:
        if path.exists() and read_copy() == contact:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as handle:
            json.dump(asdict(contact), handle)
        os.replace(handle.name, path)  # atomic: a reader never sees half a file
    except OSError as error:
        logger.warning("Could not keep a copy of the clinic's phone number (%s).", type(error).__name__)


def read_copy():
    try:
        data = json.loads(settings.CLINIC_CONTACT_FILE.read_text())
        return Contact(**{key: str(data.get(key, "")) for key in ("name", "phone", "emergency_notice")})
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def contact_when_down(last_known_profile=None):
    """Something with `name`, `phone`, `phone_href` and `emergency_notice`, whatever is down."""
    if last_known_profile is not None and last_known_profile.phone:
        return last_known_profile
    copy = read_copy()
    if copy is not None and copy.phone:
        return copy
    return Contact(name=copy.name if copy else "", phone=settings.CLINIC_PHONE)
