"""The article admin's own pages and panels: versions, compare, restore, discard a draft, live readability."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from . import checks, publishing, versions
from .content import ArticleContent
from .models import Article
from .readability import analyse
from .reviews import REMINDER_DAYS

# The live readability panel reads at most this much of what is being typed.
MAX_SECTIONS = 200
MAX_TEXT = 200_000


def when(moment):
    local = timezone.localtime(moment)
    return f"{local:%b %-d, %Y at %H:%M} ({local:%Z})"


def status_line(article):
    """What the editor needs to know first: is it live, and is anything waiting?"""
    draft, scheduled = article.waiting_draft, article.scheduled_for
    if article.status != Article.Status.PUBLISHED:
        return f"Scheduled for {when(scheduled)}: not published yet" if scheduled else "Draft: not published yet"
    if draft and scheduled:
        return f"Live, with changes to be published {when(scheduled)}"
    return "Live, with unpublished changes" if draft else "Live"


def anchor(name):
    """The id on the change page of the field a check is about."""
    return checks.READABILITY_ANCHOR if name == checks.READABILITY_ANCHOR else f"id_{name}"


def blockers(result):
    """(anchor, message) for each problem that stops publishing."""
    found = []
    for name, problems in result.errors.items():
        if isinstance(problems, dict):
            for index, section_messages in problems.items():
                found += [(anchor(f"sections-{index}-body"), message) for message in section_messages]
        else:
            found += [(anchor(name if name != "sections" else "sections-0-heading"), message) for message in problems]
    return found


def editing_context(article):
    """The publishing panel and the versions panel of an article's change page."""
    result = checks.check_content(publishing.editing_content(article), article)
    recent = list(versions.recent_versions(article, limit=6))
    return {
        "status_line": status_line(article),
        "waiting_draft": article.waiting_draft,
        "publish_blockers": blockers(result),
        "publish_warnings": [(anchor(warning.field), warning.message) for warning in result.warnings],
        "recent_versions": list(zip(recent[:5], [*recent[1:], None], strict=False)),
        "publish_events": list(article.publish_events.all()[:5]),
    }


def readability_panel(title, sections):
    return render_to_string(
        "admin/education/readability_panel.html",
        {"report": analyse(title, sections), "target": settings.EDUCATION_READING_GRADE_TARGET},
    )


def _require(model_admin, request, article, *, change=False):
    allowed = model_admin.has_change_permission if change else model_admin.has_view_or_change_permission
    if not allowed(request, article):
        raise PermissionDenied


def _page(model_admin, request, article, title, template, **context):
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "article": article,
        "opts": model_admin.model._meta,
        **context,
    }
    return TemplateResponse(request, template, context)


def versions_view(request, pk, *, model_admin):
    article = get_object_or_404(Article.objects.select_related("draft"), pk=pk)
    _require(model_admin, request, article)
    return _page(
        model_admin,
        request,
        article,
        f"Versions of “{article.title}”",
        "admin/education/article/versions.html",
        versions=versions.recent_versions(article),
        events=article.publish_events.select_related("version__revision")[:20],
    )


def compare_view(request, pk, *, model_admin):
    """Two versions side by side; with ?draft=1, the live article against its waiting draft."""
    article = get_object_or_404(Article.objects.select_related("draft"), pk=pk)
    _require(model_admin, request, article)
    if request.GET.get("draft") and article.waiting_draft:
        before, after = ArticleContent.of(article), ArticleContent.from_json(article.waiting_draft.content)
        description = "From what the public sees now to your draft of changes."
    else:
        found = {str(v.pk): v for v in versions.recent_versions(article, limit=None)}
        older, newer = found.get(request.GET.get("a", "")), found.get(request.GET.get("b", ""))
        if older is None or newer is None:
            model_admin.message_user(request, "Choose two versions to compare.", messages.WARNING)
            return redirect("admin:education_article_versions", article.pk)
        if older.revision.date_created > newer.revision.date_created:
            older, newer = newer, older
        before, after = ArticleContent.from_version(older), ArticleContent.from_version(newer)
        description = f"From the version of {when(older.revision.date_created)} to {when(newer.revision.date_created)}."
    return _page(
        model_admin,
        request,
        article,
        f"Compare versions of “{article.title}”",
        "admin/education/article/compare.html",
        description=description,
        changes=versions.compare_contents(before, after),
    )


@require_POST
def restore_view(request, pk, version_id, *, model_admin):
    article = get_object_or_404(Article.objects.select_related("draft"), pk=pk)
    _require(model_admin, request, article, change=True)
    version = get_object_or_404(versions.recent_versions(article, limit=None), pk=version_id)
    saved = when(version.revision.date_created)
    try:
        publishing.restore_version(article, version, ArticleContent.from_version(version), by=request.user)
    except publishing.PublishingRefused as refusal:
        problems = [message for _, message in blockers(refusal.result)]
        model_admin.message_user(
            request,
            format_html(
                "The version of {} was not restored, because it could not be published as it is: {} "
                "Nothing was changed.",
                saved,
                " ".join(problems),
            ),
            messages.ERROR,
        )
        return redirect("admin:education_article_versions", article.pk)
    where = "your draft of changes" if article.edited_through_drafts else "the article"
    model_admin.message_user(
        request, f"The version of {saved} is now {where}. Check it, then publish it.", messages.SUCCESS
    )
    return redirect("admin:education_article_change", article.pk)


def discard_view(request, pk, *, model_admin):
    """Ask plainly, then throw away the draft of changes (only the draft)."""
    article = get_object_or_404(Article.objects.select_related("draft"), pk=pk)
    _require(model_admin, request, article, change=True)
    if article.waiting_draft is None:
        model_admin.message_user(request, "There is no draft of changes to discard.", messages.INFO)
        return redirect("admin:education_article_change", article.pk)
    if request.method == "POST":
        publishing.discard_draft(article)
        model_admin.log_change(request, article, "Discarded the draft of changes.")
        model_admin.message_user(
            request, "Your draft of changes was discarded. The article is as the public sees it.", messages.SUCCESS
        )
        return redirect("admin:education_article_change", article.pk)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return _page(
        model_admin,
        request,
        article,
        "Discard your draft of changes?",
        "admin/education/article/discard_draft.html",
        draft=article.waiting_draft,
    )


@require_POST
def readability_view(request, *, model_admin):
    """The readability panel for the text being typed (the change form posts itself here, debounced)."""
    if not (model_admin.has_change_permission(request) or model_admin.has_add_permission(request)):
        raise PermissionDenied
    data, budget = request.POST, MAX_TEXT
    title = data.get("title", "")[:200]
    sections = []
    try:
        total = min(int(data.get("sections-TOTAL_FORMS", 0)), MAX_SECTIONS)
    except ValueError:
        total = 0
    for index in range(max(total, 0)):
        if data.get(f"sections-{index}-DELETE"):
            continue
        heading = data.get(f"sections-{index}-heading", "")[:200]
        body = data.get(f"sections-{index}-body", "")[:budget]
        budget -= len(body)
        if heading.strip() or body.strip():
            sections.append((heading, body))
    return HttpResponse(readability_panel(title, sections), headers={"Cache-Control": "no-store"})


def reviews_due_panel(request):
    """The admin home page's box for editors: which articles need their medical review soon."""
    reviews_due = Article.objects.review_due_within(REMINDER_DAYS).order_by("next_review_due")
    return {"reviews_due": reviews_due, "reminder_days": REMINDER_DAYS}
