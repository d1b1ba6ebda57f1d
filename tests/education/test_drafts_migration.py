"""Today's drafts of changes (second Article rows) become drafts beside their article."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("education", "0004_clinic_profile_moves_to_clinic")]
AFTER = [("education", "0006_one_row_per_article")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_draft_rows_move_beside_their_article_and_leave_one_row_per_article():
    old = migrate(BEFORE)
    Article, Section, Topic = (old.get_model("education", name) for name in ["Article", "Section", "Topic"])
    topic = Topic.objects.create(name="Spinal fusion", slug="spinal-fusion")
    live = Article.objects.create(
        title="Fusion guide", slug="fusion-guide", summary="s", status="published", published_at=timezone.now()
    )
    Section.objects.create(article=live, order=1, heading="Recovery", body="Rest for two weeks.")
    when = timezone.now() + datetime.timedelta(hours=3)
    draft = Article.objects.create(
        title="Fusion guide, revised",
        slug="fusion-guide",
        summary="s",
        status="draft",
        draft_of=live,
        last_reviewed=datetime.date(2026, 1, 15),
        scheduled_for=when,
        scheduled_warnings_accepted=True,
    )
    draft.topics.add(topic)
    Section.objects.create(article=draft, order=2, heading="Work", body="Back to work.")
    Section.objects.create(article=draft, order=1, heading="Recovery", body="Rest for six weeks.")
    try:
        new = migrate(AFTER)
        Article, ArticleDraft = new.get_model("education", "Article"), new.get_model("education", "ArticleDraft")

        assert list(Article.objects.values_list("pk", "title")) == [(live.pk, "Fusion guide")]
        moved = ArticleDraft.objects.get(article_id=live.pk).content
        assert moved["title"] == "Fusion guide, revised" and moved["topics"] == [topic.pk]
        assert moved["last_reviewed"] == "2026-01-15"
        assert moved["sections"] == [
            {"heading": "Recovery", "body": "Rest for six weeks."},
            {"heading": "Work", "body": "Back to work."},
        ]
        article = Article.objects.get()
        assert article.scheduled_for == when and article.scheduled_warnings_accepted
        assert list(new.get_model("education", "Section").objects.values_list("body", flat=True)) == [
            "Rest for two weeks."
        ]
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
