# A draft of changes was a second Article row (draft_of); it becomes an ArticleDraft beside its
# article, holding the draft's content as JSON. Today's draft rows are moved, then deleted.

import django.core.serializers.json
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_drafts_beside_their_articles(apps, schema_editor):
    Article = apps.get_model("education", "Article")
    ArticleDraft = apps.get_model("education", "ArticleDraft")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Version = apps.get_model("reversion", "Version")
    drafts = Article.objects.filter(draft_of__isnull=False)
    for draft in drafts:
        sections = draft.sections.order_by("order", "pk")
        ArticleDraft.objects.create(
            article_id=draft.draft_of_id,
            content={
                "title": draft.title,
                "slug": draft.slug,
                "summary": draft.summary,
                "featured": draft.featured,
                "reviewed_by": draft.reviewed_by,
                "last_reviewed": draft.last_reviewed.isoformat() if draft.last_reviewed else None,
                "next_review_due": draft.next_review_due.isoformat() if draft.next_review_due else None,
                "main_topic": draft.main_topic_id,
                "topics": sorted(draft.topics.values_list("pk", flat=True)),
                "sections": [{"heading": s.heading, "body": s.body} for s in sections],
            },
        )
        if draft.scheduled_for:
            Article.objects.filter(pk=draft.draft_of_id).update(
                scheduled_for=draft.scheduled_for, scheduled_warnings_accepted=draft.scheduled_warnings_accepted
            )
    article_type = ContentType.objects.filter(app_label="education", model="article").first()
    draft_ids = [str(pk) for pk in drafts.values_list("pk", flat=True)]
    if article_type and draft_ids:
        Version.objects.filter(content_type=article_type, object_id__in=draft_ids).delete()
    drafts.delete()  # their sections and topic links go with them


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('education', '0004_clinic_profile_moves_to_clinic'),
        ('reversion', '0002_add_index_on_version_for_content_type_and_db'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ArticleDraft',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('content', models.JSONField(encoder=django.core.serializers.json.DjangoJSONEncoder)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('article', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='draft', to='education.article')),
                ('saved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.RunPython(move_drafts_beside_their_articles, migrations.RunPython.noop),
    ]
