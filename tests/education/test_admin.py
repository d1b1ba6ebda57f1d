import datetime

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from clinic.models import ClinicProfile
from education.models import Article, Section
from tests.factories import make_article, make_clinic, make_scheduled_article, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def populated(clinic):
    topic = make_topic(name="Spinal fusion")
    article = make_article(title="Fusion guide", topics=[topic])
    article.slug = "fusion-guide-renamed"
    article.save()
    return article


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda model: model._meta.label)
def test_every_admin_page_opens(admin_client, populated, model):
    """Django silently ignores some misspelled admin options: open every page to catch them."""
    app_label, model_name = model._meta.app_label, model._meta.model_name
    changelist = reverse(f"admin:{app_label}_{model_name}_changelist")

    response = admin_client.get(changelist, follow=True)
    assert response.status_code == 200
    assert admin_client.get(changelist, {"q": "fusion"}, follow=True).status_code == 200
    instance = model._default_manager.first()
    if instance is not None:
        change = reverse(f"admin:{app_label}_{model_name}_change", args=[instance.pk])
        assert admin_client.get(change, follow=True).status_code == 200


@pytest.mark.parametrize("review", ["overdue", "due_soon", "missing"])
def test_article_list_filters_by_medical_review(admin_client, clinic, review):
    overdue = make_article(title="Overdue", last_reviewed=datetime.date(2020, 1, 1))
    due_soon = make_article(
        title="Due soon",
        last_reviewed=datetime.date(2024, 1, 1),
        next_review_due=timezone.localdate() + datetime.timedelta(days=30),
    )
    missing = make_article(title="Never reviewed", last_reviewed=None)
    expected = {"overdue": overdue, "due_soon": due_soon, "missing": missing}[review]

    response = admin_client.get(reverse("admin:education_article_changelist"), {"review": review})

    assert list(response.context["cl"].result_list) == [expected]


def test_article_list_marks_overdue_reviews_and_scheduled_articles(admin_client, clinic):
    make_article(title="Old", last_reviewed=datetime.date(2020, 1, 1))
    make_scheduled_article(title="Later", after=datetime.timedelta(days=2))

    content = admin_client.get(reverse("admin:education_article_changelist")).content.decode()

    assert "(overdue)" in content
    assert "Scheduled for" in content


def test_editor_creates_an_article_with_ordered_sections_in_one_form(editor_client, clinic):
    topic = make_topic(name="Spinal cord stimulation")
    data = {
        "title": "Living with a stimulator",
        "slug": "living-with-a-stimulator",
        "summary": "What daily life looks like with a spinal cord stimulator, in plain words.",
        "topics": [topic.pk],
        "status": Article.Status.DRAFT,
        "reviewed_by": "Dr. Ana Ruiz, MD",
        "last_reviewed": "2026-01-05",
        "sections-TOTAL_FORMS": "2",
        "sections-INITIAL_FORMS": "0",
        "sections-MIN_NUM_FORMS": "1",
        "sections-MAX_NUM_FORMS": "1000",
        "sections-0-order": "2",
        "sections-0-heading": "Second",
        "sections-0-body": "Body two",
        "sections-1-order": "1",
        "sections-1-heading": "First",
        "sections-1-body": "Body one",
    }

    response = editor_client.post(reverse("admin:education_article_add"), data)

    assert response.status_code == 302, response.context["adminform"].errors if response.context else ""
    article = Article.objects.get(slug="living-with-a-stimulator")
    assert [s.heading for s in article.sections.all()] == ["First", "Second"]
    assert article.next_review_due == datetime.date(2029, 1, 5)
    assert not article.is_public


def test_review_date_in_the_future_is_shown_next_to_its_field(editor_client, clinic):
    article = make_article(status=Article.Status.DRAFT)
    url = reverse("admin:education_article_change", args=[article.pk])
    data = {
        "title": article.title,
        "slug": article.slug,
        "summary": article.summary,
        "status": article.status,
        "published_at_0": "2026-01-01",
        "published_at_1": "09:00:00",
        "last_reviewed": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
        "sections-TOTAL_FORMS": "0",
        "sections-INITIAL_FORMS": "0",
        "sections-MIN_NUM_FORMS": "1",
        "sections-MAX_NUM_FORMS": "1000",
    }

    response = editor_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["last_reviewed"] == ["The last review cannot be in the future."]


def test_change_page_links_to_the_preview(editor_client, clinic):
    article = make_article(status=Article.Status.DRAFT)

    content = editor_client.get(reverse("admin:education_article_change", args=[article.pk])).content.decode()

    assert f'href="{article.get_preview_url()}"' in content
    assert "Preview (only staff can see it)" in content


def test_publish_action_makes_drafts_public_and_keeps_live_articles_dates(editor_client, clinic):
    drafts = [make_article(status=Article.Status.DRAFT) for _ in range(2)]
    live = make_article(published_at=timezone.now() - datetime.timedelta(days=100))
    live_since = live.published_at

    editor_client.post(
        reverse("admin:education_article_changelist"),
        {"action": "publish_now", "_selected_action": [a.pk for a in [*drafts, live]]},
    )

    assert Article.objects.published().count() == 3
    live.refresh_from_db()
    assert live.published_at == live_since


def article_form_data(article, **overrides):
    """What the change page of `article` (or its draft of changes) sends back, unchanged."""
    section = article.sections.get()
    data = {
        "title": article.title,
        "slug": article.slug,
        "summary": article.summary,
        "reviewed_by": article.reviewed_by,
        "last_reviewed": article.last_reviewed.isoformat(),
        "next_review_due": article.next_review_due.isoformat() if article.next_review_due else "",
        "sections-TOTAL_FORMS": "1",
        "sections-INITIAL_FORMS": "1",
        "sections-MIN_NUM_FORMS": "1",
        "sections-MAX_NUM_FORMS": "1000",
        "sections-0-id": section.pk,
        "sections-0-article": article.pk,
        "sections-0-order": "1",
        "sections-0-heading": section.heading,
        "sections-0-body": section.body,
    }
    data.update(overrides)
    return data


def test_return_to_draft_action_hides_articles(editor_client, clinic):
    article = make_article()

    editor_client.post(
        reverse("admin:education_article_changelist"),
        {"action": "return_to_draft", "_selected_action": [article.pk]},
    )

    assert not Article.objects.published().exists()


def test_clinic_profile_admin_goes_straight_to_the_one_profile(admin_client):
    make_clinic()

    response = admin_client.get(reverse("admin:clinic_clinicprofile_changelist"))

    assert response["Location"] == reverse("admin:clinic_clinicprofile_change", args=[ClinicProfile.SINGLETON_PK])
    assert admin_client.get(reverse("admin:clinic_clinicprofile_add")).status_code == 403


def test_clinic_profile_cannot_be_deleted(admin_client):
    make_clinic()

    url = reverse("admin:clinic_clinicprofile_delete", args=[ClinicProfile.SINGLETON_PK])

    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert ClinicProfile.objects.exists()


def test_article_search_in_admin_reaches_section_text(admin_client, clinic):
    make_article(title="Guide", sections=[("Part", "mentions stimulator here")])
    make_article(title="Other")

    response = admin_client.get(reverse("admin:education_article_changelist"), {"q": "stimulator"})

    assert [a.title for a in response.context["cl"].result_list] == ["Guide"]
    assert Section.objects.count() == 2
