import contextlib
import os
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import form_token, make_article, make_clinic, make_topic


def pytest_configure(config):
    """CLINIC_TEST_YEARS_AHEAD=3 runs the whole suite with the clock that far ahead (CI does, once)."""
    years = int(os.environ.get("CLINIC_TEST_YEARS_AHEAD", "0") or 0)
    if years:
        import time_machine

        traveller = time_machine.travel(datetime.now(UTC) + timedelta(days=365 * years + years // 4), tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


@pytest.fixture(autouse=True)
def fresh_cache_and_generous_rate_limit(settings):
    """Each test starts with an empty cache; tests of the rate limit set their own."""
    from django.core.cache import cache

    cache.clear()
    settings.APPOINTMENTS_RATE_LIMIT = "1000/1m"
    yield
    with contextlib.suppress(Exception):  # a test may have pointed the cache at a server that is down
        cache.clear()


@pytest.fixture(autouse=True)
def private_clinic_contact_copy(settings, tmp_path):
    """The copy of the clinic's phone for the 503 page is written per test, not into the checkout."""
    settings.CLINIC_CONTACT_FILE = tmp_path / "clinic-contact.json"


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """Templates find static files without a prior collectstatic (production keeps the hashed manifest)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def public_pages_renewed_in_rolled_back_tests(request, monkeypatch):
    """A test inside the database transaction pytest-django rolls back never commits, so publishing's
    after-commit page-cache clear would never run: there it runs at once. Tests marked
    `django_db(transaction=True)` commit for real and see it run after commit, as in production."""
    marker = request.node.get_closest_marker("django_db")
    commits = marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    if commits or {"transactional_db", "live_server"} & set(request.fixturenames):
        return
    from education import page_cache, publishing

    monkeypatch.setattr(publishing, "public_pages_changed", lambda: page_cache.content_changed())


@pytest.fixture
def run_worker(db):
    """Run the background worker until nothing is due (`manage.py run_worker --batch`): sends queued emails."""
    from django.core.management import call_command

    return lambda: call_command("run_worker", "--batch", verbosity=0)


@pytest.fixture
def clinic(db):
    return make_clinic()


@pytest.fixture
def editor(db, django_user_model):
    """A staff member allowed to edit articles, not a superuser."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(username="editor", password="editor-password-123", is_staff=True)
    permissions = Permission.objects.filter(content_type__app_label="education").exclude(codename="sign_off_article")
    user.user_permissions.set(permissions)
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def topic(db):
    return make_topic(name="Spinal fusion", slug="spinal-fusion")


@pytest.fixture
def article(clinic, topic):
    other = make_topic(name="Chronic pain", slug="chronic-pain")
    return make_article(
        title="Why Am I Experiencing Pain After a Spinal Fusion?",
        slug="why-pain-after-spinal-fusion",
        topics=[topic, other],
        main_topic=topic,
    )


@pytest.fixture
def valid_data(clinic, topic):
    """What a patient who fills in every question sends."""

    def build(**overrides):
        data = {
            "full_name": "Maria Example",
            "email": "maria@example.org",
            "phone": "(202) 555-0143",
            "preferred_contact": "phone",
            "preferred_times": "mornings",
            "topic": "spinal-fusion",
            "had_spine_surgery": "under_2_years",
            "message": "My lower back still hurts a year after my fusion.",
            "red_flags": ["none"],
            "consent": "on",
            "website": "",
            "form_token": form_token(),
        }
        data.update(overrides)
        return {key: value for key, value in data.items() if value is not None}

    return build
