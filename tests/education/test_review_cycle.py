import datetime

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from clinic.models import ClinicProfile
from clinic.roles import CONTENT_EDITORS
from education.models import Article, ClinicalReview
from tests.factories import make_article, make_topic

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture
def editor_with_email(django_user_model):
    user = django_user_model.objects.create_user(
        "writer", email="writer@clinic.example", password="x" * 16, is_staff=True
    )
    user.groups.add(Group.objects.get(name=CONTENT_EDITORS))
    return user


def test_the_article_says_when_it_was_last_reviewed_and_when_it_is_due_near_the_content(client, clinic):
    article = make_article(last_reviewed=datetime.date(2026, 2, 3))

    header = BeautifulSoup(client.get(article.get_absolute_url()).content, "html.parser").select_one("article header")

    (line,) = header.select(".review-line")  # one line, one date format, close to the content
    text = line.get_text(" ", strip=True)
    assert "on February 3, 2026" in text
    assert "Next review due: February 3, 2029" in text


def test_reminders_send_each_editor_one_digest_a_day_with_admin_links(
    editor_with_email, clinic, settings, django_capture_on_commit_callbacks, run_worker
):
    settings.SITE_URL = "https://clinic.example"
    overdue = make_article(title="Overdue guide", last_reviewed=datetime.date(2020, 1, 1))
    soon = make_article(
        title="Soon guide",
        last_reviewed=datetime.date(2024, 1, 1),
        next_review_due=TODAY() + datetime.timedelta(days=20),
    )
    make_article(title="Fresh guide", last_reviewed=TODAY())

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_review_reminders", verbosity=0)
        call_command("send_review_reminders", verbosity=0)  # cron runs again the same day
    assert mail.outbox == []  # queued in the outbox; the worker sends it
    run_worker()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["writer@clinic.example"]
    assert "Overdue guide: overdue since" in message.body and "Soon guide: due" in message.body
    assert "Fresh guide" not in message.body
    for article in (overdue, soon):
        assert f"https://clinic.example/admin/education/article/{article.pk}/change/" in message.body


def test_reminders_dry_run_lists_and_sends_nothing(editor_with_email, clinic, capsys):
    make_article(title="Overdue guide", last_reviewed=datetime.date(2020, 1, 1))

    call_command("send_review_reminders", "--dry-run")

    assert mail.outbox == []
    output = capsys.readouterr().out
    assert "Overdue guide (overdue" in output and "would go to writer" in output


def test_the_admin_index_shows_editors_the_reviews_due(client, editor_with_email, clinic):
    make_article(title="Overdue guide", last_reviewed=datetime.date(2020, 1, 1))
    client.force_login(editor_with_email)

    box = BeautifulSoup(client.get(reverse("admin:index")).content, "html.parser").find(id="reviews-due")

    assert "Overdue guide" in box.get_text() and "(overdue)" in box.get_text()


def test_recording_a_clinical_review_sets_reviewer_and_dates_without_touching_the_content(admin_client, clinic):
    article = make_article(title="Guide", last_reviewed=datetime.date(2020, 1, 1))
    before = Article.objects.values("title", "summary", "updated_at").get(pk=article.pk)
    sections_before = list(article.sections.values_list("heading", "body"))
    url = reverse("admin:education_article_changelist")

    asked = admin_client.post(url, {"action": "record_clinical_review", "_selected_action": [article.pk]})
    assert "Record a clinical review" in asked.content.decode()
    admin_client.post(
        url,
        {
            "action": "record_clinical_review",
            "_selected_action": [article.pk],
            "reviewed_by": "Dr. Ana Ruiz, MD",
            "reviewed_on": "2026-11-20",
        },
    )

    article.refresh_from_db()
    assert (article.reviewed_by, article.last_reviewed) == ("Dr. Ana Ruiz, MD", datetime.date(2026, 11, 20))
    assert article.next_review_due == datetime.date(2029, 11, 20)
    assert Article.objects.values("title", "summary", "updated_at").get(pk=article.pk) == before
    assert list(article.sections.values_list("heading", "body")) == sections_before
    review = ClinicalReview.objects.get()
    assert (review.article, review.reviewed_by, review.recorded_by) == (article, "Dr. Ana Ruiz, MD", "admin")


def test_a_review_date_in_the_future_is_refused(admin_client, clinic):
    article = make_article(last_reviewed=datetime.date(2020, 1, 1))
    response = admin_client.post(
        reverse("admin:education_article_changelist"),
        {
            "action": "record_clinical_review",
            "_selected_action": [article.pk],
            "reviewed_by": "Dr. Ana Ruiz",
            "reviewed_on": (TODAY() + datetime.timedelta(days=3)).isoformat(),
        },
    )

    assert "The review date cannot be in the future." in response.content.decode()
    assert not ClinicalReview.objects.exists()


def test_editing_a_reviewed_article_says_the_review_date_is_not_moved(admin_client, clinic):
    article = make_article(last_reviewed=datetime.date(2026, 2, 3), status=Article.Status.DRAFT)
    section = article.sections.get()
    data = {
        "title": "A new title", "slug": article.slug, "summary": article.summary,
        "reviewed_by": article.reviewed_by, "last_reviewed": "2026-02-03",
        "next_review_due": article.next_review_due.isoformat(),
        "sections-TOTAL_FORMS": "1", "sections-INITIAL_FORMS": "1", "sections-MIN_NUM_FORMS": "1",
        "sections-MAX_NUM_FORMS": "1000", "sections-0-id": section.pk, "sections-0-article": article.pk,
        "sections-0-order": "1", "sections-0-heading": section.heading, "sections-0-body": section.body,
    }  # fmt: skip

    response = admin_client.post(reverse("admin:education_article_change", args=[article.pk]), data, follow=True)

    assert "The medical review date stays February 3, 2026" in response.content.decode()
    article.refresh_from_db()
    assert article.last_reviewed == datetime.date(2026, 2, 3)


def test_the_urgent_help_block_shows_on_the_seed_article(client):
    call_command("load_sample_content", verbosity=0)

    page = BeautifulSoup(client.get("/education/why-pain-after-spinal-fusion/").content, "html.parser")
    block = page.find("section", class_="urgent-help")

    assert block.h2.get_text() == "When to get urgent help"
    assert "Call 911 or go to the nearest emergency room if you have:" in block.get_text()
    assert "New loss of bladder or bowel control" in block.get_text()
    assert "Call us today" in block.get_text()


def test_no_urgent_help_block_when_no_topic_has_warning_signs(client, clinic):
    article = make_article(topics=[make_topic(name="Exercise", has_warning_signs=False)])

    assert b"When to get urgent help" not in client.get(article.get_absolute_url()).content


def test_the_emergency_tier_lists_the_request_forms_warning_signs():
    from appointments.models import RedFlag

    assert ClinicProfile().emergency_sign_list == [flag.label for flag in RedFlag]
