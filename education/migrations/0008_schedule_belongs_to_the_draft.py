# "Published" has one definition: status published. A published article whose publication time was
# still to come (the old way to schedule) becomes a draft scheduled for that time, as the editor
# would schedule it now; publishing then runs the checks at that time, as for every schedule.

from django.db import migrations, models
from django.utils import timezone


def schedule_future_articles_through_the_draft(apps, schema_editor):
    Article = apps.get_model("education", "Article")
    now = timezone.now()
    for article in Article.objects.filter(status="published", published_at__gt=now):
        article.status = "draft"
        article.scheduled_for = article.scheduled_for or article.published_at
        article.scheduled_warnings_accepted = True  # the old way published without asking
        article.published_at = None
        if article.last_published_at and article.last_published_at > now:
            article.last_published_at = None
        article.save(
            update_fields=[
                "status",
                "scheduled_for",
                "scheduled_warnings_accepted",
                "published_at",
                "last_published_at",
            ]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("education", "0007_trigram_similarity"),
    ]

    operations = [
        migrations.RunPython(schedule_future_articles_through_the_draft, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="article",
            name="published_at",
            field=models.DateTimeField(
                blank=True,
                db_index=True,
                help_text="When the article was first published (set by publishing).",
                null=True,
            ),
        ),
    ]
