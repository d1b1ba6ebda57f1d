import pytest

from tests.factories import make_clinic


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """Templates find static files without a prior collectstatic (production keeps the hashed manifest)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def clinic(db):
    return make_clinic()


@pytest.fixture
def editor(db, django_user_model):
    """A staff member allowed to edit articles, not a superuser."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(username="editor", password="editor-password-123", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="education"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client
