from django.db import migrations


def create_pg_trgm(apps, schema_editor):
    # TrigramExtension() would query pg_extension on SQLite when a test migrates backwards.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


class Migration(migrations.Migration):
    """pg_trgm for "Did you mean …?" in search (does nothing on other databases)."""

    dependencies = [
        ("education", "0006_one_row_per_article"),
    ]

    operations = [migrations.RunPython(create_pg_trgm, migrations.RunPython.noop)]
