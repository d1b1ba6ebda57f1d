"""Publishing: the one place where what the public sees changes.

A published article is never edited in place: its changes wait in a draft of changes (an
`ArticleDraft` beside the live row) until an editor publishes them, at once or at a set time.
Publishing runs the checks (`checks.py`): errors block it; warnings need an explicit "publish
anyway". The admin, the cron command, the sample loader and the tests all go through these functions,
and only they clear the cache of public pages, once, after their transaction commits.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clinic.staff import staff_name

from . import checks, clinical_review, page_cache
from .checks import PublishingRefused
from .content import ArticleContent, editing_content
from .edge_addresses import purge_articles_after_commit
from .models import Article, ArticleDraft, ArticleRedirect, ClinicalReview, PublishEvent, Section, add_years
from .versions import record_version

# PublishingRefused: raised by publish() and restore_version(), defined with the checks;
# editing_content: defined with the content, used by callers through here.
__all__ = ["PublishingRefused", "editing_content"]

# --- Drafts of changes ---------------------------------------------------------------


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


def public_pages_changed():
    """Every cached public page is out of date once the current transaction commits."""
    transaction.on_commit(page_cache.content_changed)


def publish(article, *, by, at=None, accept_warnings=False, scheduled=False, checked=None, as_of=None, source=None):
    """Publish the article's waiting draft (or the article itself), now or at `at`.

    `checked` is the CheckResult of the content being published, when the caller (the admin's form)
    has already run the checks on it; otherwise they run here. `as_of` dates the publication (the
    sample loader keeps its articles' dates); `source` names who published it when no user did.
    Returns the PublishEvent, or None when the publication is scheduled for later.
    """
    content = editing_content(article)
    clinical_review.require_sign_off(article, content)  # a change to what patients read needs a clinician's yes
    result = checked or checks.check_content(content, article)
    if result.errors or (result.warnings and not accept_warnings):
        raise PublishingRefused(result)
    now = as_of or timezone.now()
    if at and at > now:
        # publish_due() publishes it then, through this function: the checks run again at that time.
        Article.objects.filter(pk=article.pk).update(scheduled_for=at, scheduled_warnings_accepted=accept_warnings)
        article.scheduled_for, article.scheduled_warnings_accepted = at, accept_warnings
        return None
    with transaction.atomic():
        purge_articles_after_commit([article])  # before the change: it reads where the article shows now
        was_public = article.is_public
        article.status = Article.Status.PUBLISHED
        if article.published_at is None:
            article.published_at = now
        article.last_published_at = now
        article.scheduled_for, article.scheduled_warnings_accepted = None, False
        write_content(article, content, keep_old_address=was_public, grade=result.reading_grade)
        ArticleDraft.objects.filter(article=article).delete()
        article._state.fields_cache.pop("draft", None)
        accepted = " (warnings accepted)" if result.warnings else ""
        event = PublishEvent.objects.create(
            article=article,
            published_by=by,
            published_by_name=editor_name(by) if by or not source else source,
            published_at=now,
            version=record_version(article, by=by, comment=source or f"Published{accepted}"),
            warnings_accepted="\n".join(result.warning_messages),
            scheduled=scheduled,
        )
        public_pages_changed()
    return event


def write_content(article, content, *, keep_old_address, grade=None):
    """Save the article's row with `content`, and its topics and sections (`grade`: its reading grade, if known)."""
    old_slug = article.slug
    content.apply_fields(article)
    if keep_old_address and old_slug != article.slug:
        remember_old_address(article, old_slug)
    article.reading_grade = checks.reading_grade(content) if grade is None else grade
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
    due = Article.objects.scheduled().filter(scheduled_for__lte=now).order_by("scheduled_for")
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
    with transaction.atomic():
        for article in articles.filter(status=Article.Status.PUBLISHED).select_related("draft"):
            draft = article.waiting_draft
            purge_articles_after_commit([article])  # before the change: it reads where the article shows now
            article.status, article.scheduled_for = Article.Status.DRAFT, None
            if draft:
                write_content(article, ArticleContent.from_json(draft.content), keep_old_address=True)
                draft.delete()
            else:
                article.save()
            count += 1
        public_pages_changed()
    return count


def record_clinical_review(articles, *, reviewed_by, reviewed_on, recorded_by):
    """Set the reviewer and dates without touching the content, and keep a record of it."""
    articles = list(articles.select_related("draft"))
    next_due = add_years(reviewed_on, settings.EDUCATION_REVIEW_INTERVAL_YEARS)
    with transaction.atomic():
        purge_articles_after_commit(articles)  # the review line on their pages
        for article in articles:
            Article.objects.filter(pk=article.pk).update(
                reviewed_by=reviewed_by, last_reviewed=reviewed_on, next_review_due=next_due
            )
            if draft := article.waiting_draft:  # so publishing the draft keeps the review
                content = ArticleContent.from_json(draft.content)
                content.reviewed_by, content.last_reviewed, content.next_review_due = reviewed_by, reviewed_on, next_due
                ArticleDraft.objects.filter(pk=draft.pk).update(content=content.to_json())
        ClinicalReview.objects.bulk_create(
            ClinicalReview(article=article, reviewed_by=reviewed_by, reviewed_on=reviewed_on, recorded_by=recorded_by)
            for article in articles
        )
        public_pages_changed()
    return len(articles)


def restore_version(article, version, content, *, by):
    """Make an old version's content the draft (or, for an unpublished article, its content).

    A version that would fail a blocking check is not restored: PublishingRefused says why.
    """
    result = checks.check_blockers(content, article)
    if result.errors:
        raise PublishingRefused(result)
    when = timezone.localtime(version.revision.date_created)
    if article.edited_through_drafts:
        return save_draft(article, content, by=by)
    with transaction.atomic():
        write_content(article, content, keep_old_address=False)
        record_version(article, by=by, comment=f"Restored the version of {when:%Y-%m-%d %H:%M}")
    return None
