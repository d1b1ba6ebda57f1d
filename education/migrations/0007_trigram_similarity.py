from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    """pg_trgm for "Did you mean …?" in search (does nothing on other databases)."""

    dependencies = [
        ("education", "0006_one_row_per_article"),
    ]

    operations = [TrigramExtension()]
