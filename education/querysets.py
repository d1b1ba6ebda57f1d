"""What the public and editors ask of articles: published ones, reviews due, related ones, search."""

from datetime import timedelta

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections, models
from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone

from .search import match_fragment, sections_model

SEARCH_CONFIG = "english"


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """What the public may see: the published articles (a schedule waits in the draft, never here)."""
        return self.filter(status=self.model.Status.PUBLISHED)

    def scheduled(self):
        """Articles with a draft (or a new article) waiting for its scheduled time."""
        return self.filter(scheduled_for__isnull=False)

    def review_overdue(self):
        return self.filter(next_review_due__lt=timezone.localdate())

    def review_due_within(self, days):
        """Overdue, or due in the next `days` days."""
        return self.filter(next_review_due__lte=timezone.localdate() + timedelta(days=days))

    def related_to(self, article, limit=3):
        """Other articles sharing a topic with `article`, most shared topics first."""
        topic_ids = [topic.pk for topic in article.topics.all()]
        if not topic_ids:
            return self.none()
        return (
            self.filter(topics__in=topic_ids)
            .exclude(pk=article.pk)
            .annotate(shared_topics=Count("topics", filter=Q(topics__in=topic_ids)))
            .order_by("-shared_topics", "-published_at")[:limit]
        )

    def search(self, query):
        """Articles matching `query` in title, summary or section text, best first.

        PostgreSQL ranks with full-text search (stemming, weights: title over summary
        over body); other databases fall back to matching every word somewhere.
        """
        query = " ".join(query.split())[:200]  # NUL characters never get here: the middleware drops them
        if not query:
            return self.none()
        if connections[self.db].vendor == "postgresql":
            return self._full_text_search(query)
        return self._simple_search(query)

    def _full_text_search(self, query):
        section_text = (
            sections_model(self.model)
            .objects.filter(article=OuterRef("pk"))
            .order_by()
            .values("article")
            .annotate(
                text=StringAgg(Concat("heading", Value(" "), "body", output_field=models.TextField()), delimiter=" ")
            )
            .values("text")
        )
        vector = (
            SearchVector("title", weight="A", config=SEARCH_CONFIG)
            + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
            + SearchVector(
                Coalesce(Subquery(section_text), Value(""), output_field=models.TextField()),
                weight="C",
                config=SEARCH_CONFIG,
            )
        )
        search_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
        return (
            self.annotate(search=vector, rank=SearchRank(vector, search_query))
            .filter(search=search_query)
            .order_by("-rank", "-published_at")
        )

    def _simple_search(self, query):
        matches = Q()
        for word in query.split()[:10]:
            word = match_fragment(word)  # stemmed, as PostgreSQL does: "stimulator" finds "stimulation"
            matches &= (
                Q(title__icontains=word)
                | Q(summary__icontains=word)
                | Q(sections__heading__icontains=word)
                | Q(sections__body__icontains=word)
            )
        matching_ids = self.filter(matches).values("pk")
        return (
            self.filter(pk__in=matching_ids)
            .annotate(
                rank=Case(When(title__icontains=query, then=Value(2)), default=Value(1), output_field=IntegerField())
            )
            .order_by("-rank", "-published_at")
        )
