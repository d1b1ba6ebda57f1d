from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

USERNAME = "admin"
PASSWORD = "local-admin-password"


class Command(BaseCommand):
    help = (
        f"Make sure the local development login exists ({USERNAME} / {PASSWORD}). "
        "Refuses to run unless DJANGO_DEBUG is on: never create it on a real server."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Refusing to create the local admin login: DJANGO_DEBUG is off. "
                "On a real server, create staff accounts with `manage.py createsuperuser`."
            )
        user, created = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"is_staff": True, "is_superuser": True, "email": "admin@localhost"}
        )
        if created:
            user.set_password(PASSWORD)
            user.save()
            self.stdout.write(self.style.SUCCESS(f"Created the local admin login: {USERNAME} / {PASSWORD}"))
        else:
            self.stdout.write(f"Local admin login already exists: {USERNAME}")
