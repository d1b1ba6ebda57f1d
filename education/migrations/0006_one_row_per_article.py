# Apart from its own migration: on PostgreSQL, altering the table in the transaction that deleted
# the old draft rows fails with "pending trigger events".

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('education', '0005_drafts_as_revisions_of_their_article'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='article',
            name='unique_article_address',
        ),
        migrations.RemoveField(
            model_name='article',
            name='draft_of',
        ),
        migrations.AlterField(
            model_name='article',
            name='scheduled_for',
            field=models.DateTimeField(blank=True, editable=False, help_text='When the waiting draft of changes (or this new article) goes live.', null=True),
        ),
        migrations.AlterField(
            model_name='article',
            name='slug',
            field=models.SlugField(help_text="The article's web address. Changing it on a published article redirects the old address.", max_length=200, unique=True),
        ),
    ]
