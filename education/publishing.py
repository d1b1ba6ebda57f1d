"""Publishing: the one place where what the public sees changes.

A published article is never edited in place: its changes wait in a draft of changes (an
`ArticleDraft` beside the live row) until an editor publishes them, at once or at a set time.
Publishing runs the checks: errors block it; warnings need an explicit "publish anyway".
The admin, the cron command and the tests all go through these functions.
"""

import itertools
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clinic.staff import staff_name

from . import markdown
from .content import ArticleContent
from .models import Article, ArticleDraft, ArticleRedirect, ClinicalReview, PublishEvent, Section, add_years
from .page_cache import content_changed
from .readability import analyse, plain_blocks
from .versions import record_version

SUMMARY_LENGTH = (50, 160)
SECTION_WORD_LIMIT = 400
SECTION_HEADING_LEVEL = 2  # each section's heading is an <h2> on the page
READABILITY_ANCHOR = "readability"  # where a reading-grade warning links to on the change page


# --- Checks, one function per concern ------------------------------------------------


@dataclass
class PublishWarning:
    field: str  # the form field it is about, e.g. "next_review_due" or "sections-0-body"
    message: str

    def __str__(self):
        return self.message


@dataclass
class CheckResult:
    errors: dict = field(default_factory=dict)  # field name → [messages]; "sections" → {index: [messages]}
    warnings: list = field(default_factory=list)  # [PublishWarning]

    def error(self, name, message):
        self.errors.setdefault(name, []).append(message)

    def section_error(self, index, message):
        self.errors.setdefault("sections", {}).setdefault(index, []).append(message)

    def warn(self, name, message):
        self.warnings.append(PublishWarning(name, message))

    @property
    def warning_messages(self):
        return [warning.message for warning in self.warnings]


class PublishingRefused(Exception):
    def __init__(self, result):
        super().__init__("; ".join(_flatten(result.errors)) or "; ".join(result.warning_messages))
        self.result = result


def _flatten(errors):
    for name, messages in errors.items():
        if isinstance(messages, dict):
            for index, section_messages in messages.items():
                yield from (f"section {index + 1}: {message}" for message in section_messages)
        else:
            yield from (f"{name}: {message}" for message in messages)


def check_address(content, article, result):
    if content.slug and Article.objects.filter(slug=content.slug).exclude(pk=getattr(article, "pk", None)).exists():
        result.error("slug", "Another article already uses this web address: choose another.")


def check_review(content, result):
    today = timezone.localdate()
    if not (content.reviewed_by or "").strip():
        result.error("reviewed_by", "Add the clinician who reviewed the medical facts.")
    if not content.last_reviewed:
        result.error("last_reviewed", "Add the date of the last medical review.")
    elif content.last_reviewed > today:
        result.error("last_reviewed", "The last review cannot be in the future.")
    if content.next_review_due and content.next_review_due < today:
        result.warn("next_review_due", f"The next review date ({content.next_review_due:%B %-d, %Y}) has passed.")


def check_summary(content, result):
    summary = (content.summary or "").strip()
    low, high = SUMMARY_LENGTH
    if not summary:
        result.error("summary", "Add a summary: search engines and lists show it.")
    elif not low <= len(summary) <= high:
        result.error("summary", f"Make the summary {low} to {high} characters long (it has {len(summary)}).")


def check_sections(content, result):
    if not content.sections:
        result.error("sections", "Add at least one section.")
    for index, (heading, body) in enumerate(content.sections):
        if not (heading or "").strip() or not (body or "").strip():
            result.section_error(index, "This section is empty: give it a heading and some text, or remove it.")
            continue
        for problem in _unlabelled_media(body):
            result.section_error(index, problem)
        words = sum(len(block.split()) for block in plain_blocks(body))
        if words > SECTION_WORD_LIMIT:
            result.warn(
                f"sections-{index}-body",
                f"“{heading}” has {words} words; sections over {SECTION_WORD_LIMIT} are hard to follow.",
            )
        if skipped := _skipped_heading_level(body):
            result.warn(f"sections-{index}-body", f"“{heading}” has a heading that skips a level ({skipped}).")


def check_reading_grade(content, result):
    if not content.sections or result.errors.get("sections"):
        return
    grade = analyse(content.title, content.sections).whole.flesch_kincaid_grade
    target = settings.EDUCATION_READING_GRADE_TARGET
    if grade is not None and grade > target:
        result.warn(READABILITY_ANCHOR, f"It reads at grade {grade}, above the target of grade {target}.")


def check_fields(content, article=None):
    """The checks on the article's own fields (the admin form runs these; its sections have their own)."""
    result = CheckResult()
    check_address(content, article, result)
    check_review(content, result)
    check_summary(content, result)
    return result


def check_content(content, article=None):
    """Every check before publishing `content` as `article` (None for an article not saved yet)."""
    result = check_fields(content, article)
    check_sections(content, result)
    check_reading_grade(content, result)
    return result


def _unlabelled_media(body):
    problems = []
    for token in markdown.parse(body):
        for child in token.children or []:
            if child.type == "image" and not child.content.strip():
                problems.append("An image has no description for people who cannot see it: write one in ![…].")
    for link_text in re.findall(r"(?<!!)\[([^\]]*)\]\([^)]*\)", body):
        if not link_text.strip():
            problems.append("A link has no text: write what it leads to in […].")
    return problems


def _skipped_heading_level(body):
    """The first heading that skips a level, as the page renders it (e.g. "h4 expected, h5 found")."""
    levels = [int(token.tag[1]) for token in markdown.parse(body) if token.type == "heading_open"]
    for previous, level in itertools.pairwise([SECTION_HEADING_LEVEL, *levels]):
        if level > previous + 1:
            return f"h{previous + 1} expected, h{level} found"
    return None


# --- Drafts of changes ---------------------------------------------------------------


def editing_content(article):
    """What the editor works on: the waiting draft of changes, or else the article as it is."""
    draft = article.waiting_draft
    return draft.article_content if draft else ArticleContent.of(article)


def save_draft(article, content, *, by):
    """Keep `content` as the draft of changes to a published article; the public page does not change."""
    draft, _ = ArticleDraft.objects.update_or_create(
        article=article, defaults={"content": content.to_json(), "saved_by": by}
    )
    article.draft = draft
    return draft


def discard_draft(article):
    """Throw away the waiting draft of changes (and its schedule); the live article is not touched."""
    with transaction.atomic():
        deleted, _ = ArticleDraft.objects.filter(article=article).delete()
        Article.objects.filter(pk=article.pk).update(scheduled_for=None, scheduled_warnings_accepted=False)
    article.scheduled_for = None
    article._state.fields_cache.pop("draft", None)
    return bool(deleted)


def editor_name(user):
    return staff_name(user, nobody="Scheduled publishing")


# --- Publishing ------------------------------------------------------------------------


def publish(article, *, by, at=None, accept_warnings=False, scheduled=False):
    """Publish the article's waiting draft (or the article itself), now or at `at`.

    Returns the PublishEvent, or None when the publication is scheduled for later.
    """
    content = editing_content(article)
    result = check_content(content, article)
    if result.errors or (result.warnings and not accept_warnings):
        raise PublishingRefused(result)
    now = timezone.now()
    if at and at > now:
        # publish_due() publishes it then, through this function: the checks run again at that time.
        Article.objects.filter(pk=article.pk).update(scheduled_for=at, scheduled_warnings_accepted=accept_warnings)
        article.scheduled_for, article.scheduled_warnings_accepted = at, accept_warnings
        return None
    with transaction.atomic():
        was_public = article.is_public
        article.status = Article.Status.PUBLISHED
        if article.published_at is None or article.published_at > now:
            article.published_at = now
        article.last_published_at = now
        article.scheduled_for, article.scheduled_warnings_accepted = None, False
        write_content(article, content, keep_old_address=was_public)
        ArticleDraft.objects.filter(article=article).delete()
        article._state.fields_cache.pop("draft", None)
        accepted = " (warnings accepted)" if result.warnings else ""
        event = PublishEvent.objects.create(
            article=article,
            published_by=by,
            published_by_name=editor_name(by),
            published_at=now,
            version=record_version(article, by=by, comment=f"Published{accepted}"),
            warnings_accepted="\n".join(result.warning_messages),
            scheduled=scheduled,
        )
        transaction.on_commit(content_changed)
    return event


def write_content(article, content, *, keep_old_address):
    """Save the article's row with `content`, and its topics and sections."""
    old_slug = article.slug
    content.apply_fields(article)
    if keep_old_address and old_slug != article.slug:
        remember_old_address(article, old_slug)
    article.reading_grade = analyse(content.title, content.sections).whole.flesch_kincaid_grade
    article.save()
    article.topics.set(content.topic_ids)
    article.sections.all().delete()
    Section.objects.bulk_create(
        Section(article=article, order=position, heading=heading, body=body)
        for position, (heading, body) in enumerate(content.sections, start=1)
    )
    article._prefetched_objects_cache = {}


def remember_old_address(article, old_slug):
    """Keep a public article's old address working (a permanent redirect) after it moves."""
    ArticleRedirect.objects.filter(old_slug=article.slug).delete()  # the address is in use again
    ArticleRedirect.objects.update_or_create(old_slug=old_slug, defaults={"article": article})


def publish_due(now=None):
    """Publish what is scheduled up to now; return (published articles, refused articles).

    Each one is claimed first with a conditional UPDATE that takes its row's lock: a second run at
    the same moment waits for that lock, then finds nothing left to claim, so it publishes nothing.
    """
    now = now or timezone.now()
    published, refused = [], []
    due = Article.objects.filter(scheduled_for__lte=now).order_by("scheduled_for")
    for pk, scheduled_for in list(due.values_list("pk", "scheduled_for")):
        try:
            event = publish_scheduled(pk, scheduled_for)
        except PublishingRefused as refusal:
            refused.append(refusal.article)
        else:
            if event is not None:
                published.append(event.article)
    return published, refused


def publish_scheduled(pk, scheduled_for):
    """Publish one article scheduled for `scheduled_for`, unless another run already took it (then None)."""
    try:
        with transaction.atomic():
            if not Article.objects.filter(pk=pk, scheduled_for=scheduled_for).update(scheduled_for=None):
                return None
            article = Article.objects.select_related("draft").get(pk=pk)
            return publish(article, by=None, accept_warnings=article.scheduled_warnings_accepted, scheduled=True)
    except PublishingRefused as refusal:  # rolled back: it stays scheduled, and the editor sees why
        refusal.article = Article.objects.get(pk=pk)
        raise


def unpublish(articles):
    """Hide published articles from the public; a waiting draft of changes becomes the article's content."""
    count = 0
    for article in articles.filter(status=Article.Status.PUBLISHED).select_related("draft"):
        with transaction.atomic():
            was_public, draft = article.is_public, article.waiting_draft
            article.status, article.scheduled_for = Article.Status.DRAFT, None
            if draft:
                write_content(article, draft.article_content, keep_old_address=was_public)
                draft.delete()
            else:
                article.save()
        count += 1
    content_changed()
    return count


def record_clinical_review(articles, *, reviewed_by, reviewed_on, recorded_by):
    """Set the reviewer and dates without touching the content, and keep a record of it."""
    articles = list(articles.select_related("draft"))
    next_due = add_years(reviewed_on, settings.EDUCATION_REVIEW_INTERVAL_YEARS)
    with transaction.atomic():
        for article in articles:
            Article.objects.filter(pk=article.pk).update(
                reviewed_by=reviewed_by, last_reviewed=reviewed_on, next_review_due=next_due
            )
            if draft := article.waiting_draft:  # so publishing the draft keeps the review
                content = draft.article_content
                content.reviewed_by, content.last_reviewed, content.next_review_due = reviewed_by, reviewed_on, next_due
                ArticleDraft.objects.filter(pk=draft.pk).update(content=content.to_json())
        ClinicalReview.objects.bulk_create(
            ClinicalReview(article=article, reviewed_by=reviewed_by, reviewed_on=reviewed_on, recorded_by=recorded_by)
            for article in articles
        )
    content_changed()
    return len(articles)


def restore_version(article, version, content, *, by):
    """Make an old version's content the draft (or, for an unpublished article, its content).

    A version that would fail a blocking check is not restored: PublishingRefused says why.
    """
    result = check_fields(content, article)
    check_sections(content, result)
    if result.errors:
        raise PublishingRefused(result)
    when = timezone.localtime(version.revision.date_created)
    if article.edited_through_drafts:
        return save_draft(article, content, by=by)
    with transaction.atomic():
        write_content(article, content, keep_old_address=False)
        record_version(article, by=by, comment=f"Restored the version of {when:%Y-%m-%d %H:%M}")
    return None
