from django.core.management.base import BaseCommand
from django.db import transaction

from clinic.models import ClinicProfile
from education import sample_content
from education.models import Article, Section, Topic
from education.versions import record_version


class Command(BaseCommand):
    help = (
        "Load the sample clinic profile, topics and article. Safe to run again: what exists is left "
        "as editors made it, unless --reset puts the sample content back."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="Overwrite existing sample records with the sample content."
        )

    @transaction.atomic
    def handle(self, *args, reset=False, verbosity=1, **options):
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
                self.load_article(fields)
                created.append(f"article {fields['slug']}")

        summary = ", ".join(created) if created else "nothing: the sample content is already there"
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Sample content loaded: {summary}."))

    def load_article(self, fields):
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
