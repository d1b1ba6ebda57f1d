"""Full-text search as it runs in production. .ci/run runs these against PostgreSQL."""

import pytest
from django.db import connection

from education.models import Article
from tests.factories import make_article

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only: run with DATABASE_URL=postgres://…"),
]


def titles(queryset):
    return [article.title for article in queryset]


def test_search_matches_word_forms_through_stemming():
    make_article(
        title="Living with a stimulator", sections=[("Daily life", "Patients who stimulate nerves report relief.")]
    )

    assert titles(Article.objects.published().search("stimulation")) == ["Living with a stimulator"]
    assert titles(Article.objects.published().search("reporting")) == ["Living with a stimulator"]


def test_title_matches_rank_above_body_matches():
    make_article(title="Exercise after surgery", sections=[("Walking", "Walking helps a fusion heal.")])
    make_article(title="Spinal fusion recovery", sections=[("Weeks", "Rest, then move.")])
    make_article(title="Pain basics", summary="How fusion and other surgery can leave pain behind, explained plainly.")

    assert titles(Article.objects.published().search("fusion")) == [
        "Spinal fusion recovery",
        "Pain basics",
        "Exercise after surgery",
    ]


def test_search_understands_phrases_and_exclusions():
    make_article(title="Back pain", sections=[("Kinds", "Chronic pain and acute pain differ.")])
    make_article(title="Neck pain", sections=[("Kinds", "Pain can be chronic.")])

    assert titles(Article.objects.published().search('"chronic pain"')) == ["Back pain"]
    assert titles(Article.objects.published().search("pain -neck")) == ["Back pain"]


def test_each_article_appears_once_however_many_sections_match():
    make_article(title="Fusion", sections=[(f"Fusion part {n}", "fusion again") for n in range(5)])

    assert titles(Article.objects.published().search("fusion")) == ["Fusion"]


def test_search_page_works_on_postgres(client, clinic):
    make_article(title="Spinal cord stimulation")

    response = client.get("/education/search/", {"q": "stimulating & <b>"})

    assert response.status_code == 200
    assert b"<b>" not in response.content.split(b"<main")[1]


def test_stimulator_finds_an_article_about_stimulation():
    make_article(title="Spinal cord device", sections=[("How it works", "Stimulation of the nerves.")])

    assert titles(Article.objects.published().search("stimulator")) == ["Spinal cord device"]


def test_trigram_suggestions_come_from_the_articles_own_words():
    from education.search import closest_words, suggestion

    make_article(title="Spinal fusion recovery", sections=[("Weeks", "Rest, then move.")])
    articles = Article.objects.published()

    assert suggestion("fusoin", articles) == "fusion"
    assert suggestion("fusion", articles) == ""
    assert closest_words(["recovery", "xylophone"], articles) == {"recovery": "recovery"}


@pytest.mark.parametrize("pair", [("fusoin", "fusion"), ("stimulator", "stimulation"), ("pain", "spine")])
def test_the_python_fallback_measures_similarity_as_pg_trgm_does(pair):
    from education.search import similarity

    with connection.cursor() as cursor:
        cursor.execute("SELECT similarity(%s, %s)", pair)
        (expected,) = cursor.fetchone()

    assert similarity(*pair) == pytest.approx(expected, abs=1e-6)
