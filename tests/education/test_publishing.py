"""Drafts of changes, versions, checks before publishing and scheduled publishing."""

import datetime

import pytest
import reversion
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from education import publishing
from education.models import Article, PublishEvent
from tests.education.test_admin import article_form_data
from tests.factories import make_article

pytestmark = pytest.mark.django_db
LONG_AGO = timezone.localdate() - datetime.timedelta(days=300)  # reviewed, and not yet due again


def change_url(article):
    return reverse("admin:education_article_change", args=[article.pk])


@pytest.fixture
def live(clinic):
    with reversion.create_revision():
        article = make_article(
            title="Fusion guide",
            slug="fusion-guide",
            sections=[("Recovery", "Rest for two weeks.")],
            published_at=timezone.now() - datetime.timedelta(days=10),
        )
        reversion.add_to_revision(article)
    return article


def open_draft(client, article):
    """What an editor does to change a live article: open it, then ask for a draft of changes."""
    page = client.get(change_url(article))
    assert "Edit a draft of changes" in page.content.decode()
    assert not Article.objects.filter(draft_of=article).exists()  # looking creates nothing
    started = client.post(change_url(article), {"_start_draft": "1"})
    draft = Article.objects.get(draft_of=article)
    assert started["Location"] == change_url(draft)
    return draft


def public_text(article_url):
    from django.test import Client

    return BeautifulSoup(Client().get(article_url).content, "html.parser").find("article").get_text(" ", strip=True)


def test_editing_a_published_article_keeps_the_public_page_until_the_draft_is_published(editor_client, live):
    draft = open_draft(editor_client, live)
    editor_client.post(change_url(draft), article_form_data(draft, **{"sections-0-body": "Rest for six weeks."}))

    assert "Rest for two weeks." in public_text("/education/fusion-guide/")
    preview = editor_client.get(draft.get_absolute_url()).content.decode()
    assert "Rest for six weeks." in preview and "draft of changes" in preview

    response = editor_client.post(change_url(draft), article_form_data(draft, _publish="Publish"))

    assert response.status_code == 302
    assert "Rest for six weeks." in public_text("/education/fusion-guide/")
    assert not Article.objects.filter(draft_of=live).exists()
    event = PublishEvent.objects.get(article=live)
    assert event.published_by_name == "editor" and event.version is not None
    live.refresh_from_db()
    assert live.last_published_at == event.published_at
    assert "Last updated:" in public_text("/education/fusion-guide/")


def test_a_draft_of_changes_is_not_public_even_by_its_own_number(client, editor_client, live):
    draft = open_draft(editor_client, live)

    from django.test import Client

    assert Client().get(draft.get_absolute_url()).status_code == 404


def test_every_save_keeps_a_version_with_its_sections(editor_client, clinic):
    article = make_article(status=Article.Status.DRAFT, sections=[("One", "First text.")])
    url = change_url(article)

    editor_client.post(url, article_form_data(article, **{"sections-0-body": "Second text."}))
    editor_client.post(url, article_form_data(article, **{"sections-0-body": "Third text."}))

    versions = list(publishing.recent_versions(article))
    assert len(versions) == 2
    assert publishing.version_sections(versions[0]) == [("One", "Third text.")]
    assert publishing.version_sections(versions[1]) == [("One", "Second text.")]
    assert versions[0].revision.user.username == "editor"


def test_comparing_two_versions_shows_what_changed_in_which_section(editor_client, clinic):
    article = make_article(status=Article.Status.DRAFT, sections=[("One", "First text.")])
    url = change_url(article)
    editor_client.post(url, article_form_data(article, **{"sections-0-body": "Second text."}))
    editor_client.post(url, article_form_data(article, title="New title", **{"sections-0-body": "Third text."}))
    newer, older = publishing.recent_versions(article)

    page = editor_client.get(
        reverse("admin:education_article_compare", args=[article.pk]), {"a": older.pk, "b": newer.pk}
    ).content.decode()

    assert "Title: changed" in page and "New title" in page
    assert "Section 1, “One”: changed" in page
    assert "- Second text." in page and "+ Third text." in page


def test_restoring_an_old_version_makes_a_draft_and_leaves_the_public_page(editor_client, live):
    draft = open_draft(editor_client, live)
    editor_client.post(
        change_url(draft), article_form_data(draft, **{"sections-0-body": "Rest for six weeks."}, _publish="1")
    )
    oldest = list(publishing.recent_versions(live))[-1]
    assert publishing.version_sections(oldest) == [("Recovery", "Rest for two weeks.")]

    response = editor_client.post(reverse("admin:education_article_restore", args=[live.pk, oldest.pk]))

    restored = Article.objects.get(draft_of=live)
    assert response["Location"] == change_url(restored)
    assert [s.body for s in restored.sections.all()] == ["Rest for two weeks."]
    assert "Rest for six weeks." in public_text("/education/fusion-guide/")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"reviewed_by": ""}, "reviewed_by", "Add the clinician who reviewed the medical facts."),
        ({"last_reviewed": ""}, "last_reviewed", "Add the date of the last medical review."),
        ({"last_reviewed": "2099-01-01"}, "last_reviewed", "The last review cannot be in the future."),
        ({"summary": "Too short."}, "summary", "Make the summary 50 to 160 characters long (it has 10)."),
        ({"summary": "x" * 200}, "summary", "Make the summary 50 to 160 characters long (it has 200)."),
        ({"sections-0-body": "See ![](/static/x.png) here."}, "sections-0-body", "An image has no description"),
        ({"sections-0-body": "See [](https://example.org)."}, "sections-0-body", "A link has no text"),
        ({"sections-0-body": "   "}, "sections-0-body", "This field is required."),
    ],
)
def test_errors_block_publishing_with_a_message_next_to_the_field(editor_client, clinic, overrides, field, message):
    article = make_article(status=Article.Status.DRAFT, last_reviewed=LONG_AGO)

    response = editor_client.post(change_url(article), article_form_data(article, _publish="Publish", **overrides))

    assert response.status_code == 200
    field_row = (
        BeautifulSoup(response.content, "html.parser").find(attrs={"name": field}).find_parent(class_="form-row")
    )
    assert message in field_row.get_text(" ", strip=True)
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_the_server_refuses_to_publish_an_article_that_fails_a_check(clinic):
    article = make_article(status=Article.Status.DRAFT, reviewed_by="")

    with pytest.raises(publishing.PublishingRefused, match="reviewed the medical facts"):
        publishing.publish(article, by=None)


@pytest.mark.parametrize(
    ("overrides", "warning"),
    [
        (
            {"sections-0-body": "Interdisciplinary postoperative rehabilitation necessitates evaluation."},
            "above the target of grade 8",
        ),
        ({"next_review_due": str(timezone.localdate() - datetime.timedelta(days=1))}, "has already passed"),
        ({"sections-0-body": "Rest. " * 401}, "sections over 400 are hard to follow"),
        ({"sections-0-body": "# Big\n\n### Skipped\n\nText."}, "skips a level"),
    ],
)
def test_warnings_need_publish_anyway_and_are_recorded(editor_client, clinic, overrides, warning):
    article = make_article(status=Article.Status.DRAFT, last_reviewed=LONG_AGO)
    data = article_form_data(article, _publish="Publish", **overrides)

    held = editor_client.post(change_url(article), data)
    assert held.status_code == 200
    assert warning in held.content.decode() and "Publish anyway" in held.content.decode()

    editor_client.post(change_url(article), {**data, "publish_anyway": "on"})

    article.refresh_from_db()
    assert article.is_public
    assert warning in PublishEvent.objects.get(article=article).warnings_accepted


def test_changes_can_be_scheduled_and_go_live_at_their_time(editor_client, live):
    draft = open_draft(editor_client, live)
    when = timezone.localtime() + datetime.timedelta(hours=2)
    editor_client.post(
        change_url(draft),
        article_form_data(
            draft,
            _publish="Publish",
            publish_when=when.strftime("%Y-%m-%dT%H:%M"),
            publish_anyway="on",  # the short test text reads above grade 8
            **{"sections-0-body": "Later."},
        ),
    )
    draft.refresh_from_db()
    assert draft.scheduled_for is not None
    assert "Rest for two weeks." in public_text("/education/fusion-guide/")

    call_command("publish_scheduled_changes", verbosity=0)  # not yet
    assert "Rest for two weeks." in public_text("/education/fusion-guide/")

    Article.objects.filter(pk=draft.pk).update(scheduled_for=timezone.now() - datetime.timedelta(minutes=1))
    call_command("publish_scheduled_changes", verbosity=0)

    assert "Later." in public_text("/education/fusion-guide/")
    assert PublishEvent.objects.get(article=live).scheduled


def test_scheduled_changes_are_checked_again_when_their_time_comes(editor_client, live):
    draft = open_draft(editor_client, live)
    publishing.publish(draft, by=None, when=timezone.now() + datetime.timedelta(hours=1))
    Article.objects.filter(pk=draft.pk).update(reviewed_by="", scheduled_for=timezone.now())

    published, refused = publishing.publish_due()

    assert published == [] and [a.pk for a in refused] == [draft.pk]
    assert "Rest for two weeks." in public_text("/education/fusion-guide/")


def test_the_scheduled_time_is_shown_with_its_timezone(editor_client, live):
    draft = open_draft(editor_client, live)
    publishing.publish(draft, by=None, when=timezone.now() + datetime.timedelta(days=1))

    page = editor_client.get(change_url(draft)).content.decode()

    assert "to be published" in page
    assert timezone.localtime().strftime("%Z") in page


def test_the_version_recorded_by_publishing_holds_the_new_sections_and_can_be_restored(editor_client, live):
    draft = open_draft(editor_client, live)
    editor_client.post(
        change_url(draft), article_form_data(draft, _publish="1", **{"sections-0-body": "Rest for six weeks."})
    )
    event = PublishEvent.objects.get(article=live)

    assert publishing.version_sections(event.version) == [("Recovery", "Rest for six weeks.")]
    restored = publishing.restore_as_draft(live, event.version, by=None)
    assert [s.body for s in restored.sections.all()] == ["Rest for six weeks."]


def test_a_clinical_review_recorded_while_a_draft_waits_survives_its_publication(editor_client, live):
    draft = open_draft(editor_client, live)
    Article.objects.filter(pk=live.pk).record_clinical_review(
        reviewed_by="Dr. New Reviewer", reviewed_on=timezone.localdate(), recorded_by="editor"
    )
    draft.refresh_from_db()

    publishing.publish(draft, by=None, accept_warnings=True)

    live.refresh_from_db()
    assert (live.reviewed_by, live.last_reviewed) == ("Dr. New Reviewer", timezone.localdate())


def test_a_new_article_scheduled_for_later_is_published_then_with_its_event_and_checks(clinic):
    article = make_article(status=Article.Status.DRAFT, sections=[("Work", "Most people go back to work.")])
    publishing.publish(article, by=None, when=timezone.now() + datetime.timedelta(hours=1))
    article.refresh_from_db()
    assert not article.is_public and article.scheduled_for is not None

    Article.objects.filter(pk=article.pk).update(scheduled_for=timezone.now())
    published, refused = publishing.publish_due()

    article.refresh_from_db()
    assert published == [article] and refused == []
    assert article.is_public and article.last_published_at is not None
    assert PublishEvent.objects.get(article=article).scheduled


def test_a_scheduled_new_article_that_fails_a_check_when_its_time_comes_stays_a_draft(clinic):
    article = make_article(status=Article.Status.DRAFT, sections=[("Work", "Most people go back to work.")])
    publishing.publish(article, by=None, when=timezone.now() + datetime.timedelta(hours=1))
    Article.objects.filter(pk=article.pk).update(reviewed_by="", scheduled_for=timezone.now())

    published, refused = publishing.publish_due()

    article.refresh_from_db()
    assert published == [] and [a.pk for a in refused] == [article.pk] and not article.is_public


def test_a_draft_cannot_take_another_articles_address(editor_client, live):
    make_article(slug="taken-address")
    draft = open_draft(editor_client, live)

    response = editor_client.post(change_url(draft), article_form_data(draft, slug="taken-address", _publish="1"))

    assert response.status_code == 200
    assert "Another article already uses this web address" in response.content.decode()
    assert Article.objects.get(pk=live.pk).slug == "fusion-guide"


def test_staff_without_article_permission_cannot_preview_a_draft_of_changes(editor_client, live, django_user_model):
    from django.contrib.auth.models import Group
    from django.test import Client

    from clinic.roles import TRIAGE_STAFF

    draft = open_draft(editor_client, live)
    nurse = django_user_model.objects.create_user("nurse", password="x" * 16, is_staff=True)
    nurse.groups.add(Group.objects.get(name=TRIAGE_STAFF))
    client = Client()
    client.force_login(nurse)

    assert client.get(draft.get_absolute_url()).status_code == 404


def test_returning_an_article_to_draft_drops_its_waiting_draft_of_changes(editor_client, live):
    open_draft(editor_client, live)

    Article.objects.filter(pk=live.pk).unpublish()

    assert not Article.objects.filter(draft_of=live).exists()
