from django.db import migrations


class Migration(migrations.Migration):
    """The clinic profile belongs to the whole site: its table becomes clinic_clinicprofile (rows kept)."""

    dependencies = [
        ("education", "0003_drafts_of_changes_and_publishing"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable("ClinicProfile", "clinic_clinicprofile")],
            state_operations=[migrations.DeleteModel("ClinicProfile")],
        ),
    ]
