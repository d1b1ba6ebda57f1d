from django.db import migrations, models


class Migration(migrations.Migration):
    """`request` read like Django's HttpRequest: notes, events and notifications now name their `consultation`."""

    dependencies = [
        ("appointments", "0003_roles_for_clinical_reviews"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="notification", name="one_notification_of_each_kind"),
        migrations.RenameField(model_name="internalnote", old_name="request", new_name="consultation"),
        migrations.RenameField(model_name="requestevent", old_name="request", new_name="consultation"),
        migrations.RenameField(model_name="notification", old_name="request", new_name="consultation"),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(fields=("consultation", "kind"), name="one_notification_of_each_kind"),
        ),
    ]
