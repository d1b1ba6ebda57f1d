"""One publish POST does each piece of work once: the checks, the reading grade, the page-cache clear (after commit)."""

import collections

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from education import checks, page_cache, readability
from education.content import ArticleContent
from education.models import Article
from tests.education.admin_forms import form_data
from tests.factories import make_article, sign_off_text

EASY = "You rest. You walk a bit each day. It gets better."


@pytest.fixture
def calls(monkeypatch):
    """How often each counted function ran; the page-cache clear also notes whether a transaction was open."""
    counted = collections.Counter()

    def counting(module, name):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            counted[name] += 1
            if name == "content_changed" and connection.in_atomic_block:
                counted["content_changed before commit"] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counting(checks, "check_content")
    counting(checks, "check_review")  # one of the checks: it runs once however the checks are grouped
    counting(readability, "analyse")
    counting(page_cache, "content_changed")
    return counted


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("status", [Article.Status.PUBLISHED, Article.Status.DRAFT], ids=["changes", "new article"])
def test_a_publish_post_checks_once_grades_once_and_clears_the_page_cache_once_after_commit(
    editor_client, clinic, calls, status
):
    article = make_article(slug="fusion-guide", status=status, sections=[("Recovery", "Rest for two weeks.")])
    sign_off_text(article, ArticleContent(**{**vars(ArticleContent.of(article)), "sections": [("Recovery", EASY)]}))
    url = reverse("admin:education_article_change", args=[article.pk])
    page = editor_client.get(url)
    Client().get("/education/")  # a reader's visit fills the cache
    calls.clear()

    response = editor_client.post(url, form_data(page, _publish_anyway="1", **{"sections-0-body": EASY}))

    assert response.status_code == 302
    assert EASY in Client().get("/education/fusion-guide/").content.decode()
    assert calls == {"check_content": 1, "check_review": 1, "analyse": 1, "content_changed": 1}
