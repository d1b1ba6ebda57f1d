"""A last line of defence: log lines never carry an email address, a phone number, a booking link's
token or the text of an exception (which may quote what a patient sent).

The filters are installed on the site's log handler (settings.LOGGING) and on gunicorn's own logs
(clinic/gunicorn_logger.py, used by deploy/gunicorn.conf.py).
"""

import logging
import re
import traceback

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# International (+...), North American ((202) 555-0143, 202.555.0143) or a long run of digits.
PHONE = re.compile(
    r"\+\d[\d\s().-]{6,18}\d"
    r"|\(?(?<!\d)\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}(?!\d)"
    r"|(?<!\d)\d{10,15}(?!\d)"
)
# Addresses that carry a patient's secret: /appointments/book/<token>/ and every page under it,
# however the site is mounted (a language prefix, another path), raw or percent-encoded.
TOKEN_IN_PATH = re.compile(r"(/book/)[^/\s?#\"'<>]+", re.IGNORECASE)
MASKED_TOKEN = "[token]"
WITHHELD = "(message withheld from the log: it may quote what a patient sent)"


def redact(text):
    return PHONE.sub("[phone]", EMAIL.sub("[email]", text))


def mask_tokens(text):
    return TOKEN_IN_PATH.sub(rf"\g<1>{MASKED_TOKEN}", text)


def _set_message(record, cleaned):
    record.msg, record.args = cleaned, None


class RedactPersonalData(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            _set_message(record, cleaned)
        return True


class MaskBookingTokens(logging.Filter):
    """`Not Found: /appointments/book/Xy.../` becomes `Not Found: /appointments/book/[token]/`."""

    def filter(self, record):
        message = record.getMessage()
        cleaned = mask_tokens(message)
        if cleaned != message:
            _set_message(record, cleaned)
        return True


def exception_name(error):
    kind = type(error)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def withheld_traceback(error):
    """The traceback as Python prints it (every chained exception, every frame), each message withheld."""
    chain, seen = [], set()
    link = None
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        chain.append((error, link))
        if error.__cause__ is not None:
            error, link = error.__cause__, "The above exception was the direct cause of the following exception:"
        elif error.__context__ is not None and not error.__suppress_context__:
            error, link = error.__context__, "During handling of the above exception, another exception occurred:"
        else:
            error = None
    parts = []
    for error, link in reversed(chain):
        frames = "".join(traceback.format_tb(error.__traceback__))
        if frames:
            parts.append("Traceback (most recent call last):\n" + frames)
        parts.append(f"{exception_name(error)}: {WITHHELD}")
        if link:
            parts.append(f"\n{link}\n")
    return "\n".join(part.rstrip("\n") for part in parts)


def _withhold(value):
    return f"{exception_name(value)} {WITHHELD}" if isinstance(value, BaseException) else value


class WithholdExceptionText(logging.Filter):
    """An exception's message may quote a patient's text (a value that failed a check, a row that could
    not be written): log its kind and where it happened, never what it says. Exceptions passed as
    arguments (`logger.warning("... %s", error)`) are replaced by their kind too."""

    def filter(self, record):
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = withheld_traceback(record.exc_info[1])
            record.exc_info = None  # no handler formats the original message again
        if isinstance(record.msg, BaseException):
            record.msg = _withhold(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_withhold(arg) for arg in record.args)
        elif isinstance(record.args, dict) and any(isinstance(v, BaseException) for v in record.args.values()):
            record.args = {key: _withhold(value) for key, value in record.args.items()}
        return True


def install_filters(logger):
    """Add the site's filters to a logger (gunicorn's), once."""
    for kind in FILTERS:
        if not any(isinstance(existing, kind) for existing in logger.filters):
            logger.addFilter(kind())


# In this order: exceptions are withheld before the others format the message.
FILTERS = (WithholdExceptionText, MaskBookingTokens, RedactPersonalData)
