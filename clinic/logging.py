"""A last line of defence: log lines never carry an email address or a phone number."""

import logging
import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# International (+...), North American ((202) 555-0143, 202.555.0143) or a long run of digits.
PHONE = re.compile(
    r"\+\d[\d\s().-]{6,18}\d"
    r"|\(?(?<!\d)\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}(?!\d)"
    r"|(?<!\d)\d{10,15}(?!\d)"
)


def redact(text):
    return PHONE.sub("[phone]", EMAIL.sub("[email]", text))


class RedactPersonalData(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
