"""Articles scheduled the old way (published, with a publication time to come) keep their schedule in the draft."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.education.test_drafts_migration import migrate

BEFORE = [("education", "0007_trigram_similarity")]
AFTER = [("education", "0008_schedule_belongs_to_the_draft")]


@pytest.mark.django_db(transaction=True)
def test_a_future_publication_time_becomes_the_drafts_schedule_and_live_articles_stay_live():
    old = migrate(BEFORE)
    Article = old.get_model("education", "Article")
    when = timezone.now() + datetime.timedelta(days=2)
    live_since = timezone.now() - datetime.timedelta(days=30)
    later = Article.objects.create(title="Later", slug="later", summary="s", status="published", published_at=when)
    live = Article.objects.create(title="Live", slug="live", summary="s", status="published", published_at=live_since)
    try:
        Article = migrate(AFTER).get_model("education", "Article")

        later = Article.objects.get(pk=later.pk)
        assert (later.status, later.published_at, later.scheduled_for) == ("draft", None, when)
        assert later.scheduled_warnings_accepted
        live = Article.objects.get(pk=live.pk)
        assert (live.status, live.published_at, live.scheduled_for) == ("published", live_since, None)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
