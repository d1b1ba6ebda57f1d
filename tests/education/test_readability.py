import socket

import pytest
from django.core.management import call_command
from django.urls import reverse

from education.models import Article
from education.readability import Score, analyse, plain_blocks, split_sentences, syllables
from tests.factories import make_article


@pytest.mark.parametrize(
    ("word", "count"),
    [("cat", 1), ("spinal", 2), ("surgery", 3), ("experiencing", 5), ("ambulatory", 5), ("fusion's", 2), ("2026", 1)],
)
def test_syllables_come_from_the_pronouncing_dictionary(word, count):
    assert syllables(word) == count


def test_words_the_dictionary_does_not_know_are_hyphenated():
    assert syllables("neuromodulatory") >= 6  # not in CMU: pyphen's hyphenation points + 1


def test_flesch_kincaid_and_smog_match_worked_examples():
    # "The cat sat on the mat." 6 words, 1 sentence, 6 syllables:
    #   FK = 0.39 × 6 + 11.8 × 1 − 15.59 = −1.45;  SMOG = 1.0430 × √0 + 3.1291 = 3.13
    simple = Score.of(["The cat sat on the mat."])
    assert (simple.words, simple.syllables, simple.polysyllables) == (6, 6, 0)
    assert simple.flesch_kincaid_grade == -1.4
    assert simple.smog_index == 3.1

    # 2 sentences, 9 words, 14 syllables (spi-nal sur-ge-ry takes time / your re-cov-ery will be slow),
    # 2 words of 3+ syllables: FK = 0.39 × 4.5 + 11.8 × 14/9 − 15.59 = 4.51; SMOG = 1.0430 × √30 + 3.1291 = 8.84
    harder = Score.of(["Spinal surgery takes time.", "Your recovery will be slow."])
    assert (harder.sentences, harder.words, harder.syllables, harder.polysyllables) == (2, 9, 14, 2)
    assert harder.flesch_kincaid_grade == 4.5
    assert harder.smog_index == 8.8


def test_markdown_is_stripped_and_headings_and_list_items_are_sentences():
    blocks = plain_blocks("## Causes\n\nSome **bold** [link](https://e.org) text.\n\n- first item\n- second item")

    assert blocks == ["Causes", "Some bold link text.", "first item", "second item"]
    assert plain_blocks("A line that wraps\nonto the next one.") == ["A line that wraps onto the next one."]
    assert split_sentences(["One. Two! Three?", "Heading"]) == ["One.", "Two!", "Three?", "Heading"]


def test_the_seed_article_reads_at_about_grade_12(db):
    call_command("load_sample_content", verbosity=0)
    article = Article.objects.get(slug="why-pain-after-spinal-fusion")

    report = article.readability()

    assert 11.5 <= report.whole.flesch_kincaid_grade <= 13
    assert 13 <= report.whole.smog_index <= 14.5
    assert len(report.sections) == 4 and len(report.hardest_sentences) == 5
    assert report.hardest_sentences[0][1].startswith("While some level of pain is expected")
    assert "surgery" in [word for word, _, _ in report.long_words]
    assert float(article.reading_grade) == report.whole.flesch_kincaid_grade


def test_readability_uses_no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the network was used")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    syllables.cache_clear()

    assert analyse("Pain", [("Why", "Nerves heal slowly after an operation.")]).whole.words == 8


@pytest.mark.django_db
def test_the_change_page_shows_the_panel_and_the_list_a_grade_and_filter(admin_client, clinic):
    hard = make_article(
        status=Article.Status.DRAFT,
        title="Hard",
        sections=[("Overview", "Postoperative neuropathic manifestations necessitate multidisciplinary evaluation.")],
    )
    easy = make_article(title="Easy", sections=[("Overview", "Rest. Walk a bit. Call us if it hurts.")])
    for article in (hard, easy):
        article.refresh_reading_grade()

    panel = admin_client.get(reverse("admin:education_article_change", args=[hard.pk])).content.decode()
    assert "Flesch-Kincaid grade" in panel and "SMOG index" in panel and "The hardest sentences" in panel
    assert "Aim for grade <strong>8</strong>" in panel

    above = admin_client.get(reverse("admin:education_article_changelist"), {"grade": "above"})
    assert [a.title for a in above.context["cl"].result_list] == ["Hard"]


@pytest.mark.django_db
def test_saving_in_the_admin_works_the_grade_out_again(admin_client, clinic):
    article = make_article(sections=[("Part", "Short words.")], status=Article.Status.DRAFT)
    section = article.sections.get()
    data = {
        "title": article.title, "slug": article.slug, "summary": article.summary, "status": "draft",
        "reviewed_by": article.reviewed_by, "last_reviewed": article.last_reviewed.isoformat(),
        "sections-TOTAL_FORMS": "1", "sections-INITIAL_FORMS": "1", "sections-MIN_NUM_FORMS": "1",
        "sections-MAX_NUM_FORMS": "1000", "sections-0-id": section.pk, "sections-0-article": article.pk,
        "sections-0-order": "1", "sections-0-heading": "Part",
        "sections-0-body": "Interdisciplinary rehabilitation methodologies are fundamentally multifactorial.",
    }  # fmt: skip

    admin_client.post(reverse("admin:education_article_change", args=[article.pk]), data)

    article.refresh_from_db()
    assert article.reading_grade > 8
