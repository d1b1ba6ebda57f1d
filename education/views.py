import time

from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.generic import DetailView, ListView, TemplateView

from clinic.context_processors import get_clinic_profile

from . import structured_data
from .content import ArticleContent
from .models import Article, ArticleRedirect, Topic
from .page_cache import cached_page, keep_page
from .search import suggestion

# How long a successful contact with the database vouches for it, per process: a check on every
# cached page would cost a quarter of their throughput; once a second costs nothing measurable.
DATABASE_CHECK_SECONDS = 1.0
_database_answered_at = [float("-inf")]


def confirm_database_answers():
    """Raise the database's error if it does not answer (checked at most once a second)."""
    now = time.monotonic()
    if now - _database_answered_at[0] >= DATABASE_CHECK_SECONDS:
        connection.cursor().close()
        _database_answered_at[0] = now


def can_preview(user):
    """Staff who may edit articles may also see them before they are public."""
    return user.is_active and user.is_staff and user.has_perm("education.view_article")


class SharedPageMixin:
    """Readers share one rendered page until the content changes; staff who may preview get fresh ones."""

    def dispatch(self, request, *args, **kwargs):
        # Only plain addresses: a query string would let anyone fill the cache with copies.
        shared = request.method == "GET" and not request.GET and not can_preview(request.user)
        if shared and (html := cached_page(request)) is not None:
            # The cached copy is shown only while the database answers: an outage gets the plain 503
            # page with the clinic's phone number, as every other page does.
            confirm_database_answers()
            return HttpResponse(html)
        response = super().dispatch(request, *args, **kwargs)
        if shared and response.status_code == 200:
            keep_page(request, response.render().content)
        return response


class HomeView(SharedPageMixin, TemplateView):
    template_name = "education/home.html"

    def get_context_data(self, **kwargs):
        published = Article.objects.published()
        featured = list(published.filter(featured=True)[:3]) or list(published[:3])
        return super().get_context_data(
            featured_articles=featured,
            topics=Topic.objects.filter(articles__in=published).distinct(),
            structured_data=structured_data.home_page(get_clinic_profile(self.request), self.request),
            **kwargs,
        )


class ArticleListView(SharedPageMixin, TemplateView):
    """Every published article once, under its main topic; its other topics as tags."""

    template_name = "education/article_list.html"

    def get_context_data(self, **kwargs):
        articles = list(
            Article.objects.published().select_related("main_topic").prefetch_related("topics").order_by("title")
        )
        groups = {}
        for article in articles:
            main = article.primary_topic
            article.other_topics = [topic for topic in article.topics.all() if topic != main]
            groups.setdefault(main, []).append(article)
        without_topic = groups.pop(None, [])
        topics = sorted(groups, key=lambda topic: topic.name.casefold())
        return super().get_context_data(
            groups=[(topic, groups[topic]) for topic in topics],
            articles_without_topic=without_topic,
            structured_data=structured_data.article_list_page(get_clinic_profile(self.request), self.request, articles),
            **kwargs,
        )


class ArticleDetailView(SharedPageMixin, DetailView):
    template_name = "education/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        if "pk" in self.kwargs:  # the preview of a waiting draft of changes (or a draft article), for staff only
            articles = Article.objects.all() if can_preview(self.request.user) else Article.objects.none()
            articles = articles.select_related("draft")
        elif can_preview(self.request.user):
            articles = Article.objects.all()
        else:
            articles = Article.objects.published()
        return articles.select_related("main_topic").prefetch_related("sections", "topics")

    def get_object(self, queryset=None):
        article = super().get_object(queryset)
        if "pk" in self.kwargs and (draft := article.waiting_draft):
            return ArticleContent.from_json(draft.content).preview(article)
        return article

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            if "slug" not in kwargs:
                raise
            old_address = ArticleRedirect.objects.filter(old_slug=kwargs["slug"]).select_related("article").first()
            if old_address and (old_address.article.is_public or can_preview(request.user)):
                return redirect(old_address.article, permanent=True)
            raise

    def get_context_data(self, **kwargs):
        article = self.object
        canonical_url = self.request.build_absolute_uri(article.get_absolute_url())
        return super().get_context_data(
            is_preview=not article.is_public or getattr(article, "is_draft_preview", False),
            sections=article.sections_with_anchors(),
            related_articles=Article.objects.published().related_to(article),
            canonical_url=canonical_url,
            structured_data=structured_data.medical_web_page(
                article, canonical_url, get_clinic_profile(self.request), self.request
            ),
            **kwargs,
        )

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if context["is_preview"]:
            response["X-Robots-Tag"] = "noindex, nofollow"
            response["Cache-Control"] = "private, no-store"
        return response


class TopicDetailView(SharedPageMixin, DetailView):
    model = Topic
    template_name = "education/topic_detail.html"
    context_object_name = "topic"

    def get_context_data(self, **kwargs):
        articles = self.object.articles.published().order_by("title")
        return super().get_context_data(
            articles=articles,
            structured_data=structured_data.topic_page(
                get_clinic_profile(self.request), self.request, self.object, articles
            ),
            **kwargs,
        )


class SearchView(ListView):
    template_name = "education/search.html"
    context_object_name = "results"
    paginate_by = 20

    def get_queryset(self):
        self.query = " ".join(self.request.GET.get("q", "").split())[:200]
        return Article.objects.published().search(self.query)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(query=self.query, **kwargs)
        if self.query and not context["paginator"].count:
            context["suggestion"] = suggestion(self.query, Article.objects.published())
        return context
