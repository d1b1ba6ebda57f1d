"""One article, one row: its change page edits a draft of changes, which publishing makes public."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from education import publishing, versions
from education.content import ArticleContent, version_sections
from education.models import Article, ArticleDraft, ArticleRedirect, PublishEvent
from tests.education.admin_forms import form_data
from tests.factories import make_article, make_topic, sign_off_text

pytestmark = pytest.mark.django_db
LONG_AGO = timezone.localdate() - datetime.timedelta(days=300)  # reviewed, and not yet due again
EASY = "You rest. You walk a bit each day. It gets better."


def change_url(article):
    return reverse("admin:education_article_change", args=[article.pk])


def edit(client, article, *, button="_continue", **changes):
    """Open the article's change page, change some fields and press a button (Save and continue by default)."""
    page = client.get(change_url(article))
    assert page.status_code == 200
    return client.post(change_url(article), form_data(page, **{button: "1"}, **changes))


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def public_text(address):
    return soup(Client().get(address)).find("article").get_text(" ", strip=True)


@pytest.fixture
def live(clinic):
    article = make_article(
        title="Fusion guide",
        slug="fusion-guide",
        sections=[("Recovery", "Rest for two weeks.")],
        published_at=timezone.now() - datetime.timedelta(days=10),
    )
    versions.record_version(article, by=None, comment="Loaded")
    return article


# --- One article, one row ------------------------------------------------------------------


def test_saving_changes_to_a_live_article_keeps_one_row_and_leaves_the_public_page(editor_client, live):
    before = Article.objects.count()

    response = edit(editor_client, live, **{"sections-0-body": "Rest for six weeks."})

    assert response.status_code == 302 and response["Location"] == change_url(live)
    assert Article.objects.count() == before
    assert "Rest for two weeks." in public_text("/education/fusion-guide/")
    assert ArticleContent.from_json(ArticleDraft.objects.get(article=live).content).sections == [
        ("Recovery", "Rest for six weeks.")
    ]
    live.refresh_from_db()
    assert [section.body for section in live.sections.all()] == ["Rest for two weeks."]


def test_nothing_that_lists_or_counts_articles_sees_a_draft(editor_client, live):
    topic = make_topic(name="Spinal fusion")
    live.topics.set([topic])
    edit(editor_client, live, title="Zebra changes", **{"sections-0-body": "Zebra crossing advice."})
    assert ArticleDraft.objects.filter(article=live).exists()

    assert "Zebra" not in Client().get("/education/").content.decode()
    assert "Zebra" not in Client().get("/education/search/", {"q": "zebra"}).content.decode().split("</form>")[-1]
    assert "Zebra" not in Client().get("/sitemap.xml").content.decode()
    assert "Zebra" not in Client().get("/education/feed/").content.decode()
    changelist = editor_client.get(reverse("admin:education_article_changelist"), {"q": "zebra"})
    assert list(changelist.context["cl"].result_list) == []
    assert changelist.context["cl"].full_result_count == 1
    topics = editor_client.get(reverse("admin:education_topic_changelist"))
    assert [topic.article_total for topic in topics.context["cl"].result_list] == [1]


# --- Open and edit --------------------------------------------------------------------------


def test_a_live_article_opens_straight_into_its_editing_form_with_everything_on_one_page(editor_client, live):
    page = editor_client.get(change_url(live))

    html = soup(page)
    assert html.find("input", attrs={"name": "title"})["value"] == "Fusion guide"
    assert html.find("textarea", attrs={"name": "sections-0-body"}).text.strip() == "Rest for two weeks."
    assert html.select_one(".status-line").text == "Live"
    assert html.find(id="readability").select_one(".whole-grade") is not None
    assert html.find("input", attrs={"name": "reviewed_by"}) is not None
    assert html.find(id="versions") is not None
    assert html.find("a", href=reverse("admin:education_article_history", args=[live.pk])) is not None
    assert html.find("input", attrs={"name": "_publish"}) is not None
    assert not ArticleDraft.objects.exists()  # looking creates nothing


def test_staff_without_article_permission_cannot_preview_a_draft(editor_client, live, django_user_model):
    from django.contrib.auth.models import Group

    from clinic.roles import TRIAGE_STAFF

    edit(editor_client, live, **{"sections-0-body": "Rest for six weeks."})
    nurse = django_user_model.objects.create_user("nurse", password="x" * 16, is_staff=True)
    nurse.groups.add(Group.objects.get(name=TRIAGE_STAFF))
    client = Client()
    client.force_login(nurse)

    assert client.get(live.get_preview_url()).status_code == 404


def test_the_page_shows_the_draft_and_says_the_article_is_live_with_unpublished_changes(editor_client, live):
    edit(editor_client, live, **{"sections-0-body": "Rest for six weeks."})

    html = soup(editor_client.get(change_url(live)))

    assert html.select_one(".status-line").text == "Live, with unpublished changes"
    assert html.find("textarea", attrs={"name": "sections-0-body"}).text.strip() == "Rest for six weeks."
    preview = editor_client.get(live.get_preview_url()).content.decode()
    assert "Rest for six weeks." in preview and "draft of changes" in preview
    assert Client().get(live.get_preview_url()).status_code == 404


def test_publishing_the_draft_changes_the_public_page_and_records_the_event(editor_client, live):
    edit(editor_client, live, **{"sections-0-body": EASY})
    sign_off_text(live)

    response = edit(editor_client, live, button="_publish")

    assert response.status_code == 302
    assert EASY in public_text("/education/fusion-guide/")
    assert not ArticleDraft.objects.exists()
    event = PublishEvent.objects.get(article=live)
    assert event.published_by_name == "editor"
    assert version_sections(event.version) == [("Recovery", EASY)]
    assert soup(editor_client.get(change_url(live))).select_one(".status-line").text == "Live"


def test_sections_can_be_added_and_removed_in_a_draft(editor_client, live):
    page = editor_client.get(change_url(live))
    data = form_data(page, _continue="1")
    data.update({"sections-TOTAL_FORMS": "2", "sections-1-order": "2", "sections-1-heading": "Work"})
    data["sections-1-body"] = "Most people go back to work."
    editor_client.post(change_url(live), data)
    assert ArticleContent.from_json(ArticleDraft.objects.get().content).sections[1] == (
        "Work",
        "Most people go back to work.",
    )

    edit(editor_client, live, **{"sections-0-DELETE": "on"})

    assert ArticleContent.from_json(ArticleDraft.objects.get().content).sections == [
        ("Work", "Most people go back to work.")
    ]


def test_discarding_a_draft_asks_plainly_and_removes_only_the_draft(editor_client, live):
    edit(editor_client, live, **{"sections-0-body": "Rest for six weeks."})
    discard = reverse("admin:education_article_discard", args=[live.pk])

    question = editor_client.get(discard).content.decode()
    assert "throw away the changes you have not published" in question
    assert "Article_topics" not in question and "object (" not in question

    response = editor_client.post(discard)

    assert response["Location"] == change_url(live)
    assert not ArticleDraft.objects.exists()
    assert Article.objects.filter(pk=live.pk).exists()
    assert [section.body for section in live.sections.all()] == ["Rest for two weeks."]
    assert "Rest for two weeks." in public_text("/education/fusion-guide/")


# --- Checks beside the button ------------------------------------------------------------------


def test_warnings_sit_beside_publish_link_to_their_field_and_are_never_called_errors(editor_client, live):
    passed = timezone.localdate() - datetime.timedelta(days=30)  # after the last review (60 days ago), before today
    response = edit(editor_client, live, button="_publish", next_review_due=passed.isoformat())

    assert response.status_code == 302
    assert "Rest for two weeks." in public_text("/education/fusion-guide/")
    page = editor_client.get(response["Location"])
    html = soup(page)
    box = html.select_one(".publishing-panel .publish-warnings")
    assert box.find("a", href="#id_next_review_due").text.startswith("The next review date")
    assert html.select_one(".publishing-panel input[name=_publish_anyway]")["value"] == "Publish anyway"
    assert "error" not in box.get_text().lower()
    assert "Please correct" not in page.content.decode()
    assert "error" not in html.select_one(".messagelist").get_text().lower()

    edit(editor_client, live, button="_publish_anyway")

    live.refresh_from_db()
    assert live.next_review_due == passed
    assert "has passed" in PublishEvent.objects.get(article=live).warnings_accepted


@pytest.mark.parametrize(
    ("changes", "warning", "anchor"),
    [
        ({"sections-0-body": "Interdisciplinary postoperative rehabilitation."}, "above the target", "#readability"),
        ({"sections-0-body": "Rest. " * 401}, "sections over 400", "#id_sections-0-body"),
        ({"sections-0-body": "## Big\n\n#### Skipped\n\nText."}, "skips a level (h4 expected, h5 found)", None),
    ],
)
def test_each_warning_needs_publish_anyway_and_is_recorded(editor_client, clinic, changes, warning, anchor):
    article = make_article(status=Article.Status.DRAFT, sections=[("Work", EASY)])
    edit(editor_client, article, **changes)
    sign_off_text(article)
    edit(editor_client, article, button="_publish")
    article.refresh_from_db()
    assert not article.is_public
    box = soup(editor_client.get(change_url(article))).select_one(".publish-warnings")
    assert warning in box.get_text()
    if anchor:
        assert box.find("a", href=anchor) is not None

    edit(editor_client, article, button="_publish_anyway")

    article.refresh_from_db()
    assert article.is_public
    assert warning in PublishEvent.objects.get(article=article).warnings_accepted


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"reviewed_by": ""}, "reviewed_by", "Add the clinician who reviewed the medical facts."),
        ({"last_reviewed": ""}, "last_reviewed", "Add the date of the last medical review."),
        ({"summary": "Too short."}, "summary", "Make the summary 50 to 160 characters long (it has 10)."),
        ({"sections-0-body": "See ![](/static/x.png) here."}, "sections-0-body", "An image has no description"),
        ({"sections-0-body": "See [](https://example.org)."}, "sections-0-body", "A link has no text"),
    ],
)
@pytest.mark.parametrize("state", ["new", "live"])
def test_errors_block_publishing_with_a_message_next_to_the_field(editor_client, live, state, changes, field, message):
    article = live if state == "live" else make_article(status=Article.Status.DRAFT, last_reviewed=LONG_AGO)

    response = edit(editor_client, article, button="_publish_anyway", **changes)

    assert response.status_code == 200
    row = soup(response).find(attrs={"name": field}).find_parent(class_="form-row")
    assert message in row.get_text(" ", strip=True)
    assert not PublishEvent.objects.exists()
    assert not ArticleDraft.objects.exists()


def test_the_server_refuses_to_publish_an_article_that_fails_a_check(clinic):
    article = make_article(status=Article.Status.DRAFT, reviewed_by="")

    with pytest.raises(publishing.PublishingRefused, match="reviewed the medical facts"):
        publishing.publish(article, by=None)


def test_a_draft_cannot_take_another_articles_address(editor_client, live):
    make_article(slug="taken-address")

    response = edit(editor_client, live, button="_publish", slug="taken-address")

    assert response.status_code == 200
    assert "already" in soup(response).find(attrs={"name": "slug"}).find_parent(class_="form-row").get_text()
    assert Article.objects.get(pk=live.pk).slug == "fusion-guide"


# --- The address, reviews, unpublishing ------------------------------------------------------------


def test_publishing_a_new_address_keeps_the_old_one_working(editor_client, live):
    edit(editor_client, live, slug="fusion-recovery", **{"sections-0-body": EASY})

    assert Client().get("/education/fusion-guide/").status_code == 200  # not yet
    sign_off_text(live)
    edit(editor_client, live, button="_publish")

    assert Client().get("/education/fusion-guide/")["Location"] == "/education/fusion-recovery/"


def test_saving_an_article_writes_nothing_else(clinic):
    article = make_article(slug="old-name")

    article.slug = "new-name"
    article.save()

    assert not ArticleRedirect.objects.exists()


def test_taking_back_an_old_address_removes_its_redirect(live):
    for slug in ["second", "fusion-guide"]:
        content = ArticleContent.of(live)
        content.slug = slug
        publishing.save_draft(live, content, by=None)
        publishing.publish(live, by=None, accept_warnings=True)

    assert list(ArticleRedirect.objects.values_list("old_slug", flat=True)) == ["second"]


def test_a_clinical_review_recorded_while_a_draft_waits_survives_its_publication(editor_client, live):
    edit(editor_client, live, **{"sections-0-body": EASY})

    publishing.record_clinical_review(
        Article.objects.filter(pk=live.pk),
        reviewed_by="Dr. New Reviewer",
        reviewed_on=timezone.localdate(),
        recorded_by="editor",
    )
    sign_off_text(Article.objects.get(pk=live.pk))
    publishing.publish(Article.objects.get(pk=live.pk), by=None, accept_warnings=True)

    live.refresh_from_db()
    assert (live.reviewed_by, live.last_reviewed) == ("Dr. New Reviewer", timezone.localdate())


def test_returning_an_article_to_draft_keeps_the_waiting_changes_as_its_content(editor_client, live):
    edit(editor_client, live, **{"sections-0-body": "Rest for six weeks."})

    publishing.unpublish(Article.objects.filter(pk=live.pk))

    live.refresh_from_db()
    assert live.status == Article.Status.DRAFT and not ArticleDraft.objects.exists()
    assert [section.body for section in live.sections.all()] == ["Rest for six weeks."]
    assert Client().get("/education/fusion-guide/").status_code == 404
