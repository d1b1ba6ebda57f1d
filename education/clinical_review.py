"""Clinical sign-off: a change to what patients read goes live only once a clinical reviewer approved it.

Like Wagtail's moderation: an editor submits the draft (`submit`), a clinical reviewer approves it
(`approve`) or sends it back with a comment (`request_changes`); a reviewer can pass a typo fix in one
step (`mark_no_clinical_change`). Each transition takes the article's row lock, re-reads the state,
and writes a log line (`ClinicalSignOffEvent`). `publishing.publish` calls `require_sign_off` on what it
is about to publish, so no path (admin, schedule, command) goes around it. The sample loader alone has
its own approval, `approve_sample_content`, named as the system's.
"""

import hashlib
import json

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clinic.staff import staff_name

from .checks import CheckResult, PublishingRefused
from .content import ArticleContent, editing_content
from .models import Article, ArticleDraft, ClinicalReview, ClinicalSignOff, ClinicalSignOffEvent, add_years
from .sign_off_mail import notify_editor

SIGN_OFF_PERMISSION = "education.sign_off_article"
SAMPLE_LOADER = "Sample content loader (system)"
State = ClinicalSignOff.State


class SignOffRefused(Exception):
    """A transition that cannot happen now; the message says why, in plain words."""


class SignOffMissing(PublishingRefused):
    """Publishing refused: what patients would read has no clinical reviewer's approval."""

    def __init__(self, message):
        result = CheckResult()
        result.error("clinical_review", message)
        Exception.__init__(self, message)
        self.result = result


# --- What counts as a change ----------------------------------------------------------


def patient_text(content):
    """The parts of an article a patient reads: its title, summary and sections."""
    return {"title": content.title, "summary": content.summary, "sections": [list(s) for s in content.sections]}


def fingerprint(content):
    text = json.dumps(patient_text(content), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def changes_patient_text(article, content):
    """Whether publishing `content` would change what patients read (everything, if nothing is live)."""
    return not article.is_public or patient_text(ArticleContent.of(article)) != patient_text(content)


def latest_approval(article):
    return article.sign_offs.filter(state=State.APPROVED).order_by("-decided_at", "-pk").first()


def is_approved(article, content):
    approval = latest_approval(article)
    return approval is not None and approval.fingerprint == fingerprint(content)


def require_sign_off(article, content):
    """Raise SignOffMissing unless `content` leaves patients' text as it is or is the approved text."""
    if not changes_patient_text(article, content) or is_approved(article, content):
        return
    last = article.sign_offs.order_by("-submitted_at", "-pk").first()
    if last and last.state == State.SUBMITTED and last.fingerprint == fingerprint(content):
        raise SignOffMissing("This change is waiting for a clinical reviewer's approval.")
    if last and last.state == State.CHANGES_REQUESTED:
        raise SignOffMissing(
            "A clinical reviewer sent this change back. Make the changes they asked for, "
            "then submit it for clinical review again."
        )
    live_approved = last and article.is_public and last.fingerprint == fingerprint(ArticleContent.of(article))
    if last and last.state == State.APPROVED and not live_approved:  # approved text, then edited again
        raise SignOffMissing(
            "The text changed after a clinical reviewer approved it. Submit it for clinical review again."
        )
    raise SignOffMissing(
        "A change to what patients read needs a clinical reviewer's approval first. Submit it for clinical review."
    )


def is_reviewer(user):
    return bool(user and user.is_active and user.has_perm(SIGN_OFF_PERMISSION))


def waiting():
    """Sign-offs waiting for a clinical reviewer, oldest first."""
    return ClinicalSignOff.objects.filter(state=State.SUBMITTED).select_related("article").order_by("submitted_at")


def open_sign_off(article):
    return article.sign_offs.filter(state=State.SUBMITTED).order_by("-submitted_at").first()


# --- Transitions, one function each -------------------------------------------------------


def _lock(article_pk):
    return Article.objects.select_for_update().get(pk=article_pk)


def _log(sign_off, action, by, comment="", name=None):
    ClinicalSignOffEvent.objects.create(
        sign_off=sign_off, action=action, by=by, by_name=name or staff_name(by), comment=comment
    )


def submit(article, *, by):
    """The editor sends the draft to clinical review; a waiting one is replaced by the newer text."""
    with transaction.atomic():
        article = _lock(article.pk)
        content = editing_content(article)
        if not changes_patient_text(article, content):
            raise SignOffRefused("Nothing patients read has changed, so there is nothing to review.")
        if is_approved(article, content):
            raise SignOffRefused("A clinical reviewer already approved this text: you can publish it.")
        sign_off = open_sign_off(article)
        if sign_off and sign_off.fingerprint == fingerprint(content):
            raise SignOffRefused("This text is already waiting for a clinical reviewer.")
        before = ArticleContent.of(article).to_json() if article.is_public else {}
        values = {"content": content.to_json(), "before": before, "fingerprint": fingerprint(content)}
        if sign_off:
            values.update(submitted_by=by, submitted_at=timezone.now())
            ClinicalSignOff.objects.filter(pk=sign_off.pk).update(**values)
            sign_off.refresh_from_db()
            _log(sign_off, "Submitted again with newer text", by)
        else:
            sign_off = ClinicalSignOff.objects.create(article=article, submitted_by=by, **values)
            _log(sign_off, "Submitted for clinical review", by)
    return sign_off


def _decide(sign_off_pk, by):
    """Lock the sign-off and its article, and check it still waits for this reviewer's decision."""
    if not is_reviewer(by):
        raise SignOffRefused("Only a clinical reviewer can decide on a change to what patients read.")
    sign_off = ClinicalSignOff.objects.select_for_update().get(pk=sign_off_pk)
    article = _lock(sign_off.article_id)
    if sign_off.state != State.SUBMITTED:
        raise SignOffRefused(f"Someone already decided on this change: {sign_off.get_state_display().lower()}.")
    return sign_off, article


def approve(sign_off, *, by, comment=""):
    """A clinical reviewer approves the submitted text; the page's review date becomes today."""
    with transaction.atomic():
        sign_off, article = _decide(sign_off.pk, by)
        if fingerprint(editing_content(article)) != sign_off.fingerprint:
            raise SignOffRefused("The text changed after it was submitted: ask the editor to submit it again.")
        _close(sign_off, State.APPROVED, by, comment)
        record_review_date(article, reviewer=staff_name(by))
        _log(sign_off, "Approved", by, comment)
        notify_editor(sign_off)  # into the outbox, in this transaction
    return sign_off


def request_changes(sign_off, *, by, comment):
    """A clinical reviewer sends the change back; the comment says what needs to change."""
    if not (comment or "").strip():
        raise SignOffRefused("Say what needs to change: the editor reads this.")
    with transaction.atomic():
        sign_off, _article = _decide(sign_off.pk, by)
        _close(sign_off, State.CHANGES_REQUESTED, by, comment.strip())
        _log(sign_off, "Sent back with changes asked for", by, comment.strip())
        notify_editor(sign_off)  # into the outbox, in this transaction
    return sign_off


def mark_no_clinical_change(article, *, by, comment=""):
    """A clinical reviewer passes a change with no clinical meaning (a typo) in one step; no new review date."""
    if not is_reviewer(by):
        raise SignOffRefused("Only a clinical reviewer can mark a change as “no clinical change”.")
    with transaction.atomic():
        article = _lock(article.pk)
        content = editing_content(article)
        if not changes_patient_text(article, content):
            raise SignOffRefused("Nothing patients read has changed, so there is nothing to mark.")
        sign_off = open_sign_off(article)
        if sign_off is None or sign_off.fingerprint != fingerprint(content):
            sign_off = ClinicalSignOff.objects.create(
                article=article,
                content=content.to_json(),
                before=ArticleContent.of(article).to_json() if article.is_public else {},
                fingerprint=fingerprint(content),
                submitted_by=by,
            )
        sign_off.no_clinical_change = True
        _close(sign_off, State.APPROVED, by, comment)
        _log(sign_off, "Marked “no clinical change”", by, comment)
        if sign_off.submitted_by_id and sign_off.submitted_by_id != by.pk:
            notify_editor(sign_off)  # into the outbox, in this transaction
    return sign_off


def approve_sample_content(article, content):
    """The sample loader's own approval of the sample article (the system, not a person). Only it uses this."""
    with transaction.atomic():
        sign_off = ClinicalSignOff.objects.create(
            article=article, content=content.to_json(), before={}, fingerprint=fingerprint(content)
        )
        sign_off.decided_by_name = SAMPLE_LOADER
        _close(sign_off, State.APPROVED, None, "")
        _log(sign_off, "Approved", None, name=SAMPLE_LOADER)
    return sign_off


def _close(sign_off, state, by, comment):
    sign_off.state, sign_off.decided_by, sign_off.decided_at, sign_off.comment = state, by, timezone.now(), comment
    if by is not None:
        sign_off.decided_by_name = staff_name(by)
    sign_off.save()


def record_review_date(article, *, reviewer):
    """The clinician's approval is a clinical review: the page's "last reviewed" becomes today."""
    today = timezone.localdate()
    next_due = add_years(today, settings.EDUCATION_REVIEW_INTERVAL_YEARS)
    draft = ArticleDraft.objects.filter(article=article).first()
    if draft:
        content = ArticleContent.from_json(draft.content)
        content.reviewed_by, content.last_reviewed, content.next_review_due = reviewer, today, next_due
        ArticleDraft.objects.filter(pk=draft.pk).update(content=content.to_json())
    else:
        Article.objects.filter(pk=article.pk).update(
            reviewed_by=reviewer, last_reviewed=today, next_review_due=next_due
        )
    ClinicalReview.objects.create(article=article, reviewed_by=reviewer, reviewed_on=today, recorded_by=reviewer)
