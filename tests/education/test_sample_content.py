import pytest
from django.core.management import call_command

from clinic import sample_content as sample_clinic
from clinic.models import ClinicProfile
from education import sample_content
from education.models import Article, Topic

pytestmark = pytest.mark.django_db

SLUG = "why-pain-after-spinal-fusion"


def snapshot():
    article = Article.objects.get(slug=SLUG)
    return {
        "clinic": ClinicProfile.objects.values(*sample_clinic.CLINIC).get(),
        "topics": list(Topic.objects.values("slug", "name", "kind", "description")),
        "article": Article.objects.values(
            "title", "summary", "status", "published_at", "reviewed_by", "last_reviewed", "next_review_due"
        ).get(slug=SLUG),
        "article_topics": sorted(article.topics.values_list("slug", flat=True)),
        "sections": list(article.sections.values_list("order", "heading", "body")),
    }


def test_sample_content_creates_the_clinic_topics_and_published_article():
    call_command("load_sample_content")

    article = Article.objects.get(slug=SLUG)
    assert article.title == "Why Am I Experiencing Pain After a Spinal Fusion?"
    assert article.is_public
    assert [s.heading for s in article.sections.all()] == [
        "The Risks of Spinal Fusion Surgery",
        "Why Am I Experiencing Pain After My Spinal Fusion?",
        "Finding Relief After a Failed Spinal Fusion",
        "Treatment with BEST Health System",
    ]
    assert article.main_topic.slug == "spinal-fusion"
    assert ClinicProfile.load().name == "BEST Health System"
    assert {"spinal-fusion", "failed-back-surgery-syndrome", "spinal-cord-stimulation"} <= set(
        Topic.objects.values_list("slug", flat=True)
    )


def test_sample_article_keeps_every_word_of_the_seed_text():
    call_command("load_sample_content")
    seed = (sample_content.SEED_DIR / "why-pain-after-spinal-fusion.txt").read_text()
    article = Article.objects.get(slug=SLUG)

    loaded = " ".join([article.title] + [f"{s.heading} {s.body}" for s in article.sections.all()])

    assert loaded.split() == seed.split()
    assert "roughly 20% of spinal fusions are unsuccessful" in loaded


def test_running_the_command_twice_gives_the_same_content():
    call_command("load_sample_content")
    first = snapshot()

    call_command("load_sample_content")

    assert snapshot() == first
    assert Article.objects.count() == 1


def test_editors_changes_survive_a_rerun_and_reset_restores_the_sample():
    call_command("load_sample_content")
    first = snapshot()
    Article.objects.filter(slug=SLUG).update(title="Edited by staff")

    call_command("load_sample_content")
    assert Article.objects.get(slug=SLUG).title == "Edited by staff"

    call_command("load_sample_content", "--reset")
    assert snapshot() == first
    call_command("load_sample_content", "--reset")
    assert snapshot() == first
    assert Article.objects.count() == 1


def test_loading_the_sample_again_does_not_move_its_publication_dates():
    call_command("load_sample_content")
    dates = Article.objects.values("published_at", "last_published_at").get(slug=SLUG)

    call_command("load_sample_content", "--reset")

    assert Article.objects.values("published_at", "last_published_at").get(slug=SLUG) == dates
    assert dates["published_at"] == dates["last_published_at"] == sample_content.ARTICLES[0]["published_at"]


def test_sample_article_page_renders(client):
    call_command("load_sample_content")

    response = client.get(f"/education/{SLUG}/")

    assert response.status_code == 200
    assert b"Medically reviewed by" in response.content
