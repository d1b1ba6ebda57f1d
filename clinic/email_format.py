"""How an outbox email looks on the wire: RFC 5322 headers a mail server trusts, lines it can read."""

import re
import textwrap
import uuid
from email.utils import format_datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

LINE_LENGTH = 78
_INDENT = re.compile(r"^(\s*(?:[-*•]\s+|\d+[.)]\s+)?)")


def new_message_id():
    """A Message-ID on the site's own domain (`DJANGO_EMAIL_DOMAIN`, else the site URL's host)."""
    return f"<{uuid.uuid4().hex}@{settings.EMAIL_DOMAIN}>"


def wrap_body(text):
    """Wrap each line at 78 characters; a link (or any word longer than a line) is never broken."""
    lines = []
    for line in text.splitlines():
        if len(line) <= LINE_LENGTH:
            lines.append(line)
            continue
        indent = " " * len(_INDENT.match(line).group(1))
        lines.extend(
            textwrap.wrap(
                line,
                LINE_LENGTH,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")


def as_message(email):
    """The `EmailMessage` for an outbox row: its stored words, its own Message-ID, a zoned Date."""
    message = EmailMessage(
        email.subject,
        email.body,
        None,
        email.recipients,
        headers={
            "Message-ID": email.message_id,
            "Date": format_datetime(timezone.localtime()),  # the clinic's zone, e.g. -0500, never -0000
        },
    )
    for attachment in email.attachments:
        message.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    return message
