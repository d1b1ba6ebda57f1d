"""Education's part of `manage.py load_sample_content` (a clinic command): clinic profile, topics, article."""

from clinic.models import ClinicProfile
from education import sample_content
from education.models import Article, Section, Topic
from education.versions import record_version


def load_sample_education(*, reset=False):
    """Create what is missing (everything again with `reset`); return what was created, in words."""
    created = []
    if reset or not ClinicProfile.objects.exists():
        ClinicProfile(**sample_content.CLINIC).save()
        created.append("clinic profile")

    for fields in sample_content.TOPICS:
        fields = dict(fields)
        slug = fields.pop("slug")
        if reset:
            Topic.objects.update_or_create(slug=slug, defaults=fields)
        elif Topic.objects.get_or_create(slug=slug, defaults=fields)[1]:
            created.append(f"topic {slug}")

    for fields in sample_content.ARTICLES:
        if reset or not Article.objects.filter(slug=fields["slug"]).exists():
            load_article(fields)
            created.append(f"article {fields['slug']}")
    return created


def load_article(fields):
    fields = dict(fields)
    text = (sample_content.SEED_DIR / fields.pop("file")).read_text(encoding="utf-8")
    topic_slugs = fields.pop("topics")
    fields["main_topic"] = Topic.objects.get(slug=fields.pop("main_topic"))
    title, sections = sample_content.split_article(text)
    fields["last_published_at"] = fields["published_at"]
    article, _ = Article.objects.update_or_create(
        slug=fields.pop("slug"),
        defaults={"title": title, "status": Article.Status.PUBLISHED, "next_review_due": None, **fields},
    )
    article.topics.set(Topic.objects.filter(slug__in=topic_slugs))
    article.sections.all().delete()
    Section.objects.bulk_create(
        Section(article=article, order=position, heading=heading, body=body)
        for position, (heading, body) in enumerate(sections, start=1)
    )
    article.refresh_reading_grade()
    # Last, once the sections are there: the first version holds the whole article.
    record_version(article, by=None, comment="Sample content loaded")
