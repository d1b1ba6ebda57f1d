from django.db import migrations

from clinic.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0002_roles"),
        ("education", "0002_plain_language_and_review_cycle"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
