import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.models import ClinicProfile
from education.models import Article
from tests.factories import make_article, make_scheduled_article, make_topic

pytestmark = pytest.mark.django_db


def test_published_includes_only_published_articles_whose_time_has_come():
    live = make_article()
    make_article(status=Article.Status.DRAFT)
    make_scheduled_article(after=datetime.timedelta(hours=1))

    assert list(Article.objects.published()) == [live]


def test_publishing_without_a_date_publishes_now():
    article = make_article(status=Article.Status.DRAFT)
    assert article.published_at is None

    article.status = Article.Status.PUBLISHED
    article.save()

    assert article.published_at is not None
    assert article.is_public


def test_a_publication_time_in_the_future_schedules_the_article():
    article = make_scheduled_article(after=datetime.timedelta(days=2))

    assert not article.is_public
    assert list(Article.objects.scheduled()) == [article]


def test_next_review_defaults_to_three_years_after_the_last_review():
    assert make_article(last_reviewed=datetime.date(2026, 11, 2)).next_review_due == datetime.date(2029, 11, 2)
    assert make_article(last_reviewed=datetime.date(2024, 2, 29)).next_review_due == datetime.date(2027, 2, 28)


def test_review_interval_is_a_setting(settings):
    settings.EDUCATION_REVIEW_INTERVAL_YEARS = 1

    assert make_article(last_reviewed=datetime.date(2026, 3, 1)).next_review_due == datetime.date(2027, 3, 1)


def test_review_overdue_lists_articles_past_their_next_review():
    overdue = make_article(last_reviewed=datetime.date(2020, 1, 1), next_review_due=datetime.date(2021, 1, 1))
    make_article(last_reviewed=timezone.localdate())

    assert list(Article.objects.review_overdue()) == [overdue]
    assert overdue.is_review_overdue


def test_a_review_date_in_the_future_is_refused():
    article = make_article()
    article.last_reviewed = timezone.localdate() + datetime.timedelta(days=3)

    with pytest.raises(ValidationError) as error:
        article.full_clean()

    assert "last_reviewed" in error.value.message_dict


def test_next_review_before_the_last_review_is_refused():
    article = make_article(last_reviewed=datetime.date(2026, 1, 10))
    article.next_review_due = datetime.date(2025, 1, 1)

    with pytest.raises(ValidationError) as error:
        article.full_clean()

    assert "next_review_due" in error.value.message_dict


def test_sections_get_unique_anchors_even_with_repeated_headings():
    article = make_article(sections=[("Recovery", "a"), ("Recovery", "b"), ("Risks & benefits", "c"), ("???", "d")])

    anchors = [section.anchor for section in article.sections_with_anchors()]

    assert anchors == ["recovery", "recovery-2", "risks-benefits", "section"]


def test_section_anchors_never_take_an_id_the_page_already_uses():
    article = make_article(sections=[("Main", "a"), ("Article title", "b"), ("Related heading", "c")])

    anchors = [section.anchor for section in article.sections_with_anchors()]

    assert anchors == ["main-2", "article-title-2", "related-heading-2"]


def test_related_articles_share_a_topic_and_rank_by_shared_topics():
    fusion, pain, other = make_topic(), make_topic(), make_topic()
    article = make_article(topics=[fusion, pain])
    shares_two = make_article(topics=[fusion, pain])
    shares_one = make_article(topics=[pain])
    make_article(topics=[other])
    make_article(topics=[fusion], status=Article.Status.DRAFT)

    related = list(Article.objects.published().related_to(article))

    assert related == [shares_two, shares_one]


def test_clinic_profile_is_a_singleton():
    ClinicProfile(name="First").save()
    ClinicProfile(name="Second").save()

    assert ClinicProfile.objects.count() == 1
    assert ClinicProfile.load().name == "Second"


def test_clinic_profile_has_safe_defaults_before_anyone_fills_it_in():
    profile = ClinicProfile.load()

    assert profile.pk == ClinicProfile.SINGLETON_PK
    assert "911" in profile.emergency_notice
    assert profile.phone_href == ""


def test_clinic_phone_link_keeps_only_digits():
    assert ClinicProfile(phone="+1 (555) 010-0199").phone_href == "tel:+15550100199"
