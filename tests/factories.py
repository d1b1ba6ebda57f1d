"""Small keyword-only helpers that make test data with sensible defaults."""

import datetime
import itertools

from django.utils import timezone

from education.models import Article, ClinicProfile, Section, Topic

_sequence = itertools.count(1)


def make_clinic(**fields):
    defaults = {
        "name": "Test Spine Clinic",
        "tagline": "Spine care",
        "phone": "(555) 010-0199",
        "address": "1 Test Street",
        "hours": "Monday to Friday: 9 am to 5 pm",
        "emergency_notice": "In an emergency, call 911 or go to the nearest emergency room.",
    }
    clinic = ClinicProfile(**{**defaults, **fields})
    clinic.save()
    return clinic


def make_topic(*, name=None, slug=None, kind=Topic.Kind.CONDITION, description=""):
    number = next(_sequence)
    name = name or f"Topic {number}"
    return Topic.objects.create(name=name, slug=slug or f"topic-{number}", kind=kind, description=description)


def make_article(
    *,
    title=None,
    slug=None,
    summary="A plain-language summary that tells patients what the article covers.",
    status=Article.Status.PUBLISHED,
    published_at=None,
    topics=(),
    sections=(("What it is", "Some text about it."),),
    reviewed_by="Dr. Test Reviewer, MD",
    last_reviewed=datetime.date(2026, 1, 15),
    **fields,
):
    number = next(_sequence)
    if published_at is None and status == Article.Status.PUBLISHED:
        published_at = timezone.now() - datetime.timedelta(days=1)
    article = Article.objects.create(
        title=title or f"Article {number}",
        slug=slug or f"article-{number}",
        summary=summary,
        status=status,
        published_at=published_at,
        reviewed_by=reviewed_by,
        last_reviewed=last_reviewed,
        **fields,
    )
    article.topics.set(topics)
    Section.objects.bulk_create(
        Section(article=article, order=position, heading=heading, body=body)
        for position, (heading, body) in enumerate(sections, start=1)
    )
    return article
