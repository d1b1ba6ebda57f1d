"""The editor's tools on the change page: live readability, versions that tell the truth, compare, restore."""

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from education import checks, markdown, publishing, versions
from education.content import ArticleContent, version_sections
from education.models import Article, ArticleDraft
from education.readability import plain_blocks
from tests.education.admin_forms import form_data
from tests.factories import make_article, make_topic, sign_off_text

pytestmark = pytest.mark.django_db
READABILITY_URL = "/admin/education/article/readability/"
HARD = "Interdisciplinary postoperative rehabilitation necessitates comprehensive multidisciplinary evaluation."
EASY = "You rest. You walk a bit each day. It gets better."


def whole_grade(html):
    return float(BeautifulSoup(html, "html.parser").select_one(".whole-grade").text.split()[0])


def typed(title, *bodies):
    data = {"title": title, "sections-TOTAL_FORMS": str(len(bodies))}
    for index, body in enumerate(bodies):
        data[f"sections-{index}-heading"] = f"Part {index + 1}"
        data[f"sections-{index}-body"] = body
    return data


# --- Readability while typing ------------------------------------------------------------------


def test_the_readability_panel_scores_what_is_being_typed(editor_client):
    easy = editor_client.post(READABILITY_URL, typed("Rest", EASY))
    hard = editor_client.post(READABILITY_URL, typed("Rest", EASY, HARD))

    assert easy.status_code == hard.status_code == 200
    assert whole_grade(hard.content) > whole_grade(easy.content)
    assert "Interdisciplinary" in hard.content.decode()  # among the hardest sentences


def test_deleted_sections_do_not_count_for_the_live_score(editor_client):
    data = {**typed("Rest", EASY, HARD), "sections-1-DELETE": "on"}

    assert whole_grade(editor_client.post(READABILITY_URL, data).content) == whole_grade(
        editor_client.post(READABILITY_URL, typed("Rest", EASY)).content
    )


@pytest.mark.parametrize("total", ["lots", "-3", "99999999", ""])
def test_a_malformed_readability_request_is_never_a_server_error(editor_client, total):
    response = editor_client.post(READABILITY_URL, {"title": "x", "sections-TOTAL_FORMS": total})

    assert response.status_code == 200


def test_the_readability_endpoint_is_for_editors_only(editor_client):
    assert Client().post(READABILITY_URL, typed("Rest", EASY)).status_code == 302  # to the sign-in page
    assert editor_client.get(READABILITY_URL).status_code == 405


def test_the_change_page_loads_the_live_readability_script_from_this_site(editor_client, clinic):
    article = make_article()

    html = BeautifulSoup(
        editor_client.get(reverse("admin:education_article_change", args=[article.pk])).content, "html.parser"
    )

    assert html.select_one(f"#readability[data-url='{READABILITY_URL}']") is not None
    assert html.find("script", src=lambda src: src and src.endswith("education/readability.js")) is not None
    assert not [script for script in html.find_all("script") if not script.get("src") and script.text.strip()]


def test_without_javascript_the_panel_shows_the_saved_draft(editor_client, clinic):
    article = make_article(sections=[("Work", EASY)])
    page = editor_client.get(reverse("admin:education_article_change", args=[article.pk]))
    before = whole_grade(page.content)

    editor_client.post(page.request["PATH_INFO"], form_data(page, _continue="1", **{"sections-0-body": HARD}))

    after = editor_client.get(reverse("admin:education_article_change", args=[article.pk]))
    assert whole_grade(after.content) > before


# --- Versions that tell the truth ----------------------------------------------------------------


def test_the_sample_contents_first_version_holds_its_sections(db):
    call_command("load_sample_content", verbosity=0)
    article = Article.objects.get(slug="why-pain-after-spinal-fusion")

    (first,) = versions.recent_versions(article)

    assert first.revision.comment == "Sample content loaded"
    assert [heading for heading, _ in version_sections(first)] == [
        section.heading for section in article.sections.all()
    ]
    assert len(version_sections(first)) >= 4


def test_every_admin_save_of_a_new_article_keeps_a_version_with_its_sections(editor_client, clinic):
    article = make_article(status=Article.Status.DRAFT, sections=[("One", "First text.")])
    url = reverse("admin:education_article_change", args=[article.pk])

    for body in ["Second text.", "Third text."]:
        editor_client.post(url, form_data(editor_client.get(url), _continue="1", **{"sections-0-body": body}))

    newest, older = versions.recent_versions(article)
    assert version_sections(newest) == [("One", "Third text.")]
    assert version_sections(older) == [("One", "Second text.")]
    assert newest.revision.user.username == "editor"


def live_with_two_versions(old_body, new_body, *, extra_sections=()):
    article = make_article(slug="fusion-guide", sections=[("Recovery", old_body), *extra_sections])
    versions.record_version(article, by=None, comment="Loaded")
    content = ArticleContent.of(article)
    content.sections[0] = ("Recovery", new_body)
    publishing.save_draft(article, content, by=None)
    sign_off_text(article, content)
    publishing.publish(article, by=None, accept_warnings=True)
    newer, older = versions.recent_versions(article)
    return article, older, newer


def test_compare_marks_the_changed_words_inside_a_section_and_folds_the_unchanged(editor_client, clinic):
    article, older, newer = live_with_two_versions(
        "Most people rest for two weeks after surgery.",
        "Most people rest for six weeks after surgery.",
        extra_sections=[("Work", "Most people go back to work.")],
    )

    page = editor_client.get(
        reverse("admin:education_article_compare", args=[article.pk]), {"a": older.pk, "b": newer.pk}
    )

    html = BeautifulSoup(page.content, "html.parser")
    changed = html.select_one(".changed-part")
    assert "Section 1, “Recovery”: changed" in changed.h2.text
    assert [tag.get_text(strip=True) for tag in changed.find_all("del")] == ["[removed:two]"]
    assert [tag.get_text(strip=True) for tag in changed.find_all("ins")] == ["[added:six]"]
    folded = html.select_one("details.unchanged-section")
    assert "Section 2, “Work”: unchanged" in folded.summary.text and not folded.has_attr("open")


def test_the_draft_can_be_compared_with_the_live_page(editor_client, clinic):
    article = make_article(sections=[("Recovery", "Rest for two weeks.")])
    content = ArticleContent.of(article)
    content.sections[0] = ("Recovery", "Rest for six weeks.")
    publishing.save_draft(article, content, by=None)

    page = editor_client.get(reverse("admin:education_article_compare", args=[article.pk]), {"draft": "1"})

    html = BeautifulSoup(page.content, "html.parser")
    assert [tag.get_text(strip=True) for tag in html.select(".changed-part ins")] == ["[added:six]"]


def test_compare_shows_a_change_of_featured_and_of_main_topic(editor_client, clinic):
    spine, pain = make_topic(name="Spinal fusion"), make_topic(name="Chronic pain")
    article = make_article(topics=[spine, pain], main_topic=spine, featured=False)
    versions.record_version(article, by=None, comment="Loaded")
    content = ArticleContent.of(article)
    content.featured, content.main_topic_id = True, pain.pk
    publishing.save_draft(article, content, by=None)
    publishing.publish(article, by=None, accept_warnings=True)
    newer, older = versions.recent_versions(article)

    page = editor_client.get(
        reverse("admin:education_article_compare", args=[article.pk]), {"a": older.pk, "b": newer.pk}
    )

    headings = [h2.get_text(" ", strip=True) for h2 in BeautifulSoup(page.content, "html.parser").select("h2")]
    assert any(heading.startswith("Featured") for heading in headings), headings
    assert any(heading.startswith("Main topic") for heading in headings), headings


def test_compare_with_the_draft_shows_a_change_of_featured_and_of_main_topic(editor_client, clinic):
    spine, pain = make_topic(name="Spinal fusion"), make_topic(name="Chronic pain")
    article = make_article(topics=[spine, pain], main_topic=spine, featured=False)
    content = ArticleContent.of(article)
    content.featured, content.main_topic_id = True, pain.pk
    publishing.save_draft(article, content, by=None)

    page = editor_client.get(reverse("admin:education_article_compare", args=[article.pk]), {"draft": "1"})

    html = BeautifulSoup(page.content, "html.parser")
    parts = {part.h2.get_text(" ", strip=True): part.get_text(" ", strip=True) for part in html.select(".changed-part")}
    main_topic = next(text for heading, text in parts.items() if heading.startswith("Main topic"))
    assert "[removed: Spinal" in main_topic and "[added: Chronic" in main_topic
    assert any(heading.startswith("Featured") for heading in parts)


def test_restoring_a_version_that_would_fail_a_blocking_check_says_why_and_restores_nothing(editor_client, clinic):
    article = make_article(reviewed_by="", sections=[("Recovery", "Rest for two weeks.")])
    versions.record_version(article, by=None, comment="Before the review")
    old = versions.recent_versions(article)[0]
    Article.objects.filter(pk=article.pk).update(reviewed_by="Dr. Ana Ruiz, MD")

    response = editor_client.post(reverse("admin:education_article_restore", args=[article.pk, old.pk]), follow=True)

    message = BeautifulSoup(response.content, "html.parser").select_one(".messagelist").get_text(" ", strip=True)
    assert "was not restored" in message and "Add the clinician who reviewed the medical facts." in message
    assert "Nothing was changed" in message
    assert not ArticleDraft.objects.exists()
    assert Article.objects.get(pk=article.pk).reviewed_by == "Dr. Ana Ruiz, MD"


def test_restoring_a_version_of_a_live_article_makes_it_the_draft_and_leaves_the_public_page(editor_client, clinic):
    article, older, _ = live_with_two_versions("Rest for two weeks.", "Rest for six weeks.")

    response = editor_client.post(reverse("admin:education_article_restore", args=[article.pk, older.pk]))

    assert response["Location"] == reverse("admin:education_article_change", args=[article.pk])
    assert ArticleContent.from_json(ArticleDraft.objects.get(article=article).content).sections == [
        ("Recovery", "Rest for two weeks.")
    ]
    assert "Rest for six weeks." in Client().get("/education/fusion-guide/").content.decode()


# --- One Markdown configuration -------------------------------------------------------------------


def test_the_heading_check_reports_the_levels_the_page_renders():
    body = "## A\n\n#### B\n\nText."
    result = checks.CheckResult()

    checks.check_sections(ArticleContent(sections=[("Part", body)]), result)

    html = markdown.render_markdown(body)
    assert "<h3>A</h3>" in html and "<h5>B</h5>" in html
    assert result.warning_messages == ["“Part” has a heading that skips a level (h4 expected, h5 found)."]


def test_a_first_body_heading_below_h3_skips_a_level_under_the_section_heading():
    result = checks.CheckResult()

    checks.check_sections(ArticleContent(sections=[("Part", "### A\n\n## B\n\nText.")]), result)

    assert "(h3 expected, h4 found)" in result.warning_messages[0]


def test_readability_reads_a_table_as_the_page_shows_it():
    body = "| Week | What to do |\n| --- | --- |\n| 1 | Rest. |"

    assert "<table>" in markdown.render_markdown(body)
    assert plain_blocks(body) == ["Week", "What to do", "1", "Rest."]


def test_line_breaks_typed_in_a_browser_do_not_count_as_changes(editor_client, clinic):
    article = make_article(sections=[("Recovery", "Rest.\n\nWalk.")])
    page = editor_client.get(reverse("admin:education_article_change", args=[article.pk]))

    editor_client.post(
        page.request["PATH_INFO"], form_data(page, _continue="1", **{"sections-0-body": "Rest.\r\n\r\nWalk."})
    )

    assert ArticleContent.from_json(ArticleDraft.objects.get().content).sections == [("Recovery", "Rest.\n\nWalk.")]
