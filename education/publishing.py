"""Drafts, checks and publishing: the public sees only what an editor published.

A published article is never edited in place. Its changes go into a draft of changes (an
Article with `draft_of` set), which staff preview and then publish, at once or at a set time.
Publishing runs the checks: errors block it; warnings need an explicit "publish anyway".
"""

import re
from dataclasses import dataclass, field

import reversion
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from markdown_it import MarkdownIt
from reversion.models import Version

from .models import Article, PublishEvent, Section
from .page_cache import content_changed
from .readability import analyse, plain_blocks

SUMMARY_LENGTH = (50, 160)
SECTION_WORD_LIMIT = 400
COPIED_FIELDS = [
    "title",
    "slug",
    "summary",
    "main_topic",
    "featured",
    "reviewed_by",
    "last_reviewed",
    "next_review_due",
    "reading_grade",
]
_markdown = MarkdownIt("commonmark", {"html": False})


@dataclass
class CheckResult:
    errors: dict = field(default_factory=dict)  # field name → [messages]; "sections" → {index: [messages]}
    warnings: list = field(default_factory=list)

    def error(self, name, message):
        self.errors.setdefault(name, []).append(message)

    def section_error(self, index, message):
        self.errors.setdefault("sections", {}).setdefault(index, []).append(message)

    @property
    def blocking(self):
        return bool(self.errors)


class PublishingRefused(Exception):
    def __init__(self, result):
        super().__init__("; ".join(_flatten(result.errors)) or "; ".join(result.warnings))
        self.result = result


def _flatten(errors):
    for name, messages in errors.items():
        if isinstance(messages, dict):
            for index, section_messages in messages.items():
                yield from (f"section {index + 1}: {message}" for message in section_messages)
        else:
            yield from (f"{name}: {message}" for message in messages)


def check(*, title, summary, reviewed_by, last_reviewed, next_review_due, sections, slug=None, live_pk=None):
    """The checks before publishing. `sections` is a list of (heading, body) in order.

    `slug` and `live_pk` (the article that will be live: the draft's article, or the article itself)
    check that the web address is not another article's.
    """
    result = CheckResult()
    if slug and Article.objects.filter(slug=slug, draft_of__isnull=True).exclude(pk=live_pk).exists():
        result.error("slug", "Another article already uses this web address: choose another.")
    today = timezone.localdate()
    if not (reviewed_by or "").strip():
        result.error("reviewed_by", "Add the clinician who reviewed the medical facts.")
    if not last_reviewed:
        result.error("last_reviewed", "Add the date of the last medical review.")
    elif last_reviewed > today:
        result.error("last_reviewed", "The last review cannot be in the future.")
    summary = (summary or "").strip()
    low, high = SUMMARY_LENGTH
    if not summary:
        result.error("summary", "Add a summary: search engines and lists show it.")
    elif not low <= len(summary) <= high:
        result.error("summary", f"Make the summary {low} to {high} characters long (it has {len(summary)}).")
    if not sections:
        result.error("sections", "Add at least one section.")
    for index, (heading, body) in enumerate(sections):
        if not (heading or "").strip() or not (body or "").strip():
            result.section_error(index, "This section is empty: give it a heading and some text, or remove it.")
            continue
        for problem in _unlabelled_media(body):
            result.section_error(index, problem)
        words = sum(len(block.split()) for block in plain_blocks(body))
        if words > SECTION_WORD_LIMIT:
            result.warnings.append(
                f"“{heading}” has {words} words; sections over {SECTION_WORD_LIMIT} are hard to follow."
            )
        if skipped := _skipped_heading_level(body):
            result.warnings.append(f"“{heading}” has a heading that skips a level ({skipped}).")
    if next_review_due and next_review_due < today:
        result.warnings.append(f"The next review date ({next_review_due:%B %-d, %Y}) has already passed.")
    if sections and not result.errors.get("sections"):
        grade = analyse(title, sections).whole.flesch_kincaid_grade
        target = settings.EDUCATION_READING_GRADE_TARGET
        if grade is not None and grade > target:
            result.warnings.append(f"It reads at grade {grade}, above the target of grade {target}.")
    return result


def _unlabelled_media(body):
    problems = []
    tokens = _markdown.parse(body)
    for token in tokens:
        for child in token.children or []:
            if child.type == "image" and not child.content.strip():
                problems.append("An image has no description for people who cannot see it: write one in ![…].")
    for link_text in re.findall(r"(?<!!)\[([^\]]*)\]\([^)]*\)", body):
        if not link_text.strip():
            problems.append("A link has no text: write what it leads to in […].")
    return problems


def _skipped_heading_level(body):
    levels = [int(token.tag[1]) for token in _markdown.parse(body) if token.type == "heading_open"]
    previous = min(levels, default=0) - 1
    for level in levels:
        if level > previous + 1 and previous >= 0:
            return f"h{previous + 2 + 1} expected, h{level + 2} found"  # as shown on the page (body headings +2)
        previous = level
    return None


def check_article(article):
    return check(
        slug=article.slug,
        live_pk=article.draft_of_id or article.pk,
        title=article.title,
        summary=article.summary,
        reviewed_by=article.reviewed_by,
        last_reviewed=article.last_reviewed,
        next_review_due=article.next_review_due,
        sections=[(section.heading, section.body) for section in article.sections.all()],
    )


def editor_name(user):
    return (user.get_full_name() or user.get_username()) if user else "Scheduled publishing"


def start_draft(article, *, by):
    """The draft of changes to a published article, made on first use (a copy of what is live)."""
    if article.draft_of_id:
        return article
    existing = Article.objects.filter(draft_of=article).first()
    if existing:
        return existing
    with transaction.atomic(), reversion.create_revision():
        draft = Article.objects.create(
            draft_of=article,
            status=Article.Status.DRAFT,
            **{name: getattr(article, name) for name in COPIED_FIELDS},
        )
        draft.topics.set(article.topics.all())
        Section.objects.bulk_create(
            Section(article=draft, order=section.order, heading=section.heading, body=section.body)
            for section in article.sections.all()
        )
        reversion.add_to_revision(draft)
        reversion.set_user(by)
        reversion.set_comment(f"Draft of changes started from the published “{article.title}”.")
    return draft


def publish(article, *, by, accept_warnings=False, when=None):
    """Publish an article or a draft of changes, now or at `when`; return the PublishEvent (None if scheduled)."""
    result = check_article(article)
    if result.blocking or (result.warnings and not accept_warnings):
        raise PublishingRefused(result)
    now = timezone.now()
    if when and when > now:
        # publish_due() publishes it then, through this function: the checks run again at that time.
        Article.objects.filter(pk=article.pk).update(scheduled_for=when, scheduled_warnings_accepted=accept_warnings)
        return None
    with transaction.atomic(), reversion.create_revision():
        target = _apply(article, now)
        reversion.set_user(by)
        reversion.set_comment("Published" + (" (warnings accepted)" if result.warnings else ""))
    event = PublishEvent.objects.create(
        article=target,
        published_by=by,
        published_by_name=editor_name(by),
        published_at=now,
        version=Version.objects.get_for_object(target).first(),
        warnings_accepted="\n".join(result.warnings),
        scheduled=when is not None,
    )
    content_changed()
    return event


def _apply(article, now):
    if not article.draft_of_id:
        article.status = Article.Status.PUBLISHED
        if article.published_at is None or article.published_at > now:
            article.published_at = now
        article.last_published_at, article.scheduled_for = now, None
        article.save()
        return article
    live = article.draft_of
    for name in COPIED_FIELDS:
        setattr(live, name, getattr(article, name))
    live.last_published_at = now
    live.topics.set(article.topics.all())
    live.sections.all().delete()
    article.sections.update(article=live)
    article.delete()
    live.save()  # last, so the version it records holds the new sections
    reversion.add_to_revision(live)
    return live


def publish_due(now=None):
    """Publish the articles and drafts of changes whose time has come; return (published, refused)."""
    now = now or timezone.now()
    published, refused = [], []
    for draft in Article.objects.filter(scheduled_for__lte=now).select_related("draft_of"):
        try:
            event = publish(draft, by=None, accept_warnings=draft.scheduled_warnings_accepted, when=draft.scheduled_for)
        except PublishingRefused:
            refused.append(draft)
        else:
            published.append(event.article)
    return published, refused


def restore_as_draft(article, version, *, by):
    """Make an old version the content of a draft (the public page is not touched)."""
    data = version.field_dict
    target = start_draft(article, by=by) if article.status == Article.Status.PUBLISHED else article
    old_sections = _section_versions(version, article.pk)
    with transaction.atomic(), reversion.create_revision():
        for name in COPIED_FIELDS:
            if name in data or f"{name}_id" in data:
                value = data.get(name, data.get(f"{name}_id"))
                setattr(target, f"{name}_id" if f"{name}_id" in data else name, value)
        target.save()
        target.topics.set(data.get("topics", []))
        target.sections.all().delete()
        Section.objects.bulk_create(
            Section(article=target, order=section["order"], heading=section["heading"], body=section["body"])
            for section in sorted(old_sections, key=lambda section: (section["order"], section["id"]))
        )
        target.refresh_reading_grade()
        reversion.set_user(by)
        reversion.set_comment(f"Restored the version of {version.revision.date_created:%Y-%m-%d %H:%M} as a draft.")
    return target


def _section_versions(version, article_id):
    section_type = ContentType.objects.get_for_model(Section)
    return [
        other.field_dict
        for other in version.revision.version_set.filter(content_type=section_type)
        if other.field_dict.get("article_id") == article_id
    ]


def recent_versions(article, limit=50):
    return Version.objects.get_for_object(article).select_related("revision", "revision__user")[:limit]


def version_sections(version):
    """The (heading, body) of each section as they were in `version`, in order."""
    sections = _section_versions(version, int(version.object_id))
    return [(s["heading"], s["body"]) for s in sorted(sections, key=lambda s: (s["order"], s["id"]))]
