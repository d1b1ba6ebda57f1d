from importlib import import_module

from django.db import migrations

# The same roles as 0002 (its own frozen copy), granted again now that clinical reviews exist.
sync_roles = import_module("appointments.migrations.0002_roles").sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0002_roles"),
        ("education", "0002_plain_language_and_review_cycle"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
