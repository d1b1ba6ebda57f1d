"""The email to the editor when a clinical reviewer decides on their change, written into the one outbox."""

import logging

from django.conf import settings
from django.urls import reverse

from clinic import outbox

logger = logging.getLogger(__name__)


def notify_editor(sign_off):
    """Tell the editor who submitted the change that it was approved or sent back.

    Call it in the decision's transaction: the email is stored with it, and the worker sends it after the commit.
    """
    editor = sign_off.submitted_by
    if editor is None or not editor.email:
        return
    approved = sign_off.state == sign_off.State.APPROVED
    subject = f"{'Approved' if approved else 'Sent back'}: your change to “{sign_off.article.title}”"
    lines = [
        f"{sign_off.decided_by_name} {'approved' if approved else 'sent back'} your change to "
        f"“{sign_off.article.title}”.",
    ]
    if sign_off.no_clinical_change:
        lines.append("They marked it as having no clinical change.")
    if sign_off.comment:
        lines += ["", "What they said:", sign_off.comment]
    lines += [
        "",
        "You can publish it now." if approved else "Make the changes, then submit it for clinical review again.",
        settings.SITE_URL + reverse("admin:education_article_change", args=[sign_off.article_id]),
    ]
    outbox.queue(
        kind="clinical_sign_off",
        recipients=[editor.email],
        subject=subject,
        body="\n".join(lines),
        about=f"clinical sign-off #{sign_off.pk}",
    )
    logger.info("Told editor #%s about clinical sign-off #%s.", editor.pk, sign_off.pk)
