"""Scheduled publishing: at its time, after the checks again, and once however many runs overlap."""

import datetime
import threading

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from education import publishing
from education.content import ArticleContent
from education.models import Article, ArticleDraft, PublishEvent
from tests.education.admin_forms import form_data
from tests.factories import make_article, sign_off_text

EASY = "You rest. You walk a bit each day. It gets better."


def scheduled_draft():
    article = make_article(slug="fusion-guide", sections=[("Recovery", "Rest for two weeks.")])
    content = ArticleContent.of(article)
    content.sections[0] = ("Recovery", EASY)
    publishing.save_draft(article, content, by=None)
    sign_off_text(article, content)
    publishing.publish(article, by=None, at=timezone.now() + datetime.timedelta(hours=1), accept_warnings=True)
    Article.objects.filter(pk=article.pk).update(scheduled_for=timezone.now() - datetime.timedelta(minutes=1))
    return article


@pytest.mark.django_db
def test_changes_scheduled_in_the_admin_go_live_at_their_time(editor_client, clinic):
    article = make_article(slug="fusion-guide", sections=[("Recovery", "Rest for two weeks.")])
    sign_off_text(article, ArticleContent(**{**vars(ArticleContent.of(article)), "sections": [("Recovery", EASY)]}))
    url = reverse("admin:education_article_change", args=[article.pk])
    when = timezone.localtime() + datetime.timedelta(hours=2)
    page = editor_client.get(url)
    changes = {"sections-0-body": EASY, "publish_when": when.strftime("%Y-%m-%dT%H:%M")}
    editor_client.post(url, form_data(page, _publish_anyway="1", **changes))
    html = BeautifulSoup(editor_client.get(url).content, "html.parser")
    assert "with changes to be published" in html.select_one(".status-line").text
    assert timezone.localtime().strftime("%Z") in html.select_one(".status-line").text

    call_command("publish_scheduled_changes", verbosity=0)  # not yet
    assert "Rest for two weeks." in Client().get("/education/fusion-guide/").content.decode()
    Article.objects.filter(pk=article.pk).update(scheduled_for=timezone.now() - datetime.timedelta(minutes=1))
    call_command("publish_scheduled_changes", verbosity=0)

    assert EASY in Client().get("/education/fusion-guide/").content.decode()
    assert article.publish_events.get().scheduled


@pytest.mark.django_db
def test_scheduled_changes_are_checked_again_when_their_time_comes(clinic):
    article = scheduled_draft()
    draft = ArticleDraft.objects.get(article=article)
    content = ArticleContent.from_json(draft.content)
    content.reviewed_by = ""
    publishing.save_draft(article, content, by=None)

    published, refused = publishing.publish_due()

    assert published == [] and [a.pk for a in refused] == [article.pk]
    assert Article.objects.get(pk=article.pk).scheduled_for is not None
    assert "Rest for two weeks." in Client().get("/education/fusion-guide/").content.decode()


@pytest.mark.django_db
def test_a_run_that_finds_the_work_already_done_publishes_nothing(clinic):
    article = scheduled_draft()
    due = list(Article.objects.filter(scheduled_for__lte=timezone.now()).values_list("pk", "scheduled_for"))

    publishing.publish_due()  # another run gets there first
    late = [publishing.publish_scheduled(pk, scheduled_for) for pk, scheduled_for in due]

    assert late == [None]
    assert article.publish_events.count() == 1


@pytest.mark.django_db
def test_a_new_article_scheduled_for_later_is_published_then(clinic):
    article = make_article(status=Article.Status.DRAFT, sections=[("Work", EASY)])
    publishing.publish(article, by=None, at=timezone.now() + datetime.timedelta(hours=1))
    assert not Article.objects.get(pk=article.pk).is_public

    Article.objects.filter(pk=article.pk).update(scheduled_for=timezone.now())
    published, refused = publishing.publish_due()

    article.refresh_from_db()
    assert published == [article] and refused == []
    assert article.is_public and article.publish_events.get().scheduled


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two real connections (PostgreSQL)")
def test_two_runs_at_once_publish_once_and_record_one_event(clinic, monkeypatch):
    article = scheduled_draft()
    both_listed = threading.Barrier(2)
    claim = publishing.publish_scheduled

    def claim_together(*args):  # both runs have listed the same due article before either claims it
        both_listed.wait(timeout=10)
        return claim(*args)

    monkeypatch.setattr(publishing, "publish_scheduled", claim_together)
    outcomes, failures = [], []

    def run():
        try:
            outcomes.append(publishing.publish_due())
        except Exception as error:  # reported below, not lost in the thread
            failures.append(error)
        finally:
            connection.close()

    runs = [threading.Thread(target=run) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(timeout=30)

    assert failures == []
    assert sorted(len(published) for published, _ in outcomes) == [0, 1]
    assert PublishEvent.objects.filter(article=article).count() == 1
    assert EASY in Client().get("/education/fusion-guide/").content.decode()
