"""The settings module, loaded fresh in a child process with a controlled environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "pr0duction-like-secret-key-9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1",
    "DJANGO_ALLOWED_HOSTS": "clinic.example.org",
    "DJANGO_SITE_URL": "https://clinic.example.org",
    "DJANGO_ADMIN_REQUIRE_2FA": "true",
    "DJANGO_TRUSTED_PROXY_HOPS": "1",
    "DJANGO_TRUSTED_PROXIES": "10.0.0.5",
}


def run_django(code="", *manage_args, **env):
    """Run manage.py (or a snippet after django.setup()) with only the given clinic variables set."""
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    clean_env.update(env)
    if manage_args:
        command = [sys.executable, "manage.py", *manage_args]
    else:
        setup = (
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'clinic.settings'); django.setup()\n"
        )
        command = [sys.executable, "-c", setup + code]
    return subprocess.run(command, cwd=PROJECT_DIR, env=clean_env, capture_output=True, text=True, timeout=60)


def settings_value(expression, **env):
    result = run_django(f"from django.conf import settings; import json; print(json.dumps({expression}))", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = run_django("", "check")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr
    assert "refuses to start" in result.stderr


def test_debug_is_off_unless_asked_for():
    assert settings_value("settings.DEBUG", **PRODUCTION_ENV) is False
    assert settings_value("settings.DEBUG", DJANGO_DEBUG="1") is True


def test_production_settings_pass_the_deployment_checklist_without_warnings():
    result = run_django(
        "", "check", "--deploy", "--fail-level", "WARNING", REDIS_URL="redis://cache.internal:6379/0", **PRODUCTION_ENV
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_without_a_shared_cache_fails_the_deployment_checklist_clearly():
    result = run_django("", "check", "--deploy", **PRODUCTION_ENV)

    assert result.returncode != 0
    assert "clinic.E001" in result.stderr and "REDIS_URL is not set" in result.stderr


def test_postgres_gives_up_connecting_after_3_seconds_and_limits_web_queries():
    url = "postgres://clinic:pw@db.internal:5432/clinic"
    worker = settings_value("settings.DATABASES['default']['OPTIONS']", DATABASE_URL=url, **PRODUCTION_ENV)
    web = settings_value(
        "settings.DATABASES['default']['OPTIONS']", DATABASE_URL=url, CLINIC_PROCESS="web", **PRODUCTION_ENV
    )

    assert worker == {"connect_timeout": 3}  # migrations and the worker may run long queries
    assert web == {"connect_timeout": 3, "options": "-c statement_timeout=10000"}


def test_production_trusts_the_proxy_for_https():
    values = settings_value(
        "[settings.SECURE_PROXY_SSL_HEADER, settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE]",
        **PRODUCTION_ENV,
    )

    assert values == [["HTTP_X_FORWARDED_PROTO", "https"], True, True]


def test_sqlite_is_the_default_database():
    database = settings_value("settings.DATABASES['default']", **PRODUCTION_ENV)

    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"].endswith("db.sqlite3")


def test_postgres_url_uses_psycopg2_with_persistent_checked_connections():
    database = settings_value(
        "settings.DATABASES['default']", DATABASE_URL="postgres://clinic:pw@db.internal:5432/clinic", **PRODUCTION_ENV
    )

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("db.internal", 5432, "clinic")
    assert database["CONN_MAX_AGE"] > 0
    assert database["CONN_HEALTH_CHECKS"] is True


def test_redis_url_moves_the_cache_to_redis():
    caches = settings_value("settings.CACHES['default']", REDIS_URL="redis://127.0.0.1:6379/3", **PRODUCTION_ENV)

    assert caches["BACKEND"] == "clinic.cache.ResilientRedisCache"  # Django's, with a circuit breaker
    assert caches["LOCATION"] == "redis://127.0.0.1:6379/3"


def test_allowed_hosts_and_email_come_from_the_environment():
    values = settings_value(
        "[settings.ALLOWED_HOSTS, settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS]",
        DJANGO_ALLOWED_HOSTS="a.example.org, b.example.org",
        DJANGO_EMAIL_HOST="smtp.example.org",
        DJANGO_EMAIL_PORT="587",
        DJANGO_EMAIL_USE_TLS="true",
        DJANGO_SECRET_KEY=PRODUCTION_ENV["DJANGO_SECRET_KEY"],
    )

    assert values == [["a.example.org", "b.example.org"], "smtp.example.org", 587, True]


def test_local_admin_login_is_never_created_with_debug_off():
    result = run_django("", "ensure_local_admin", **PRODUCTION_ENV)

    assert result.returncode != 0
    assert "DJANGO_DEBUG is off" in result.stderr


@pytest.mark.django_db
def test_local_admin_login_is_created_once_in_debug(settings, django_user_model):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("ensure_local_admin")
    call_command("ensure_local_admin")

    user = django_user_model.objects.get(username="admin")
    assert user.is_staff and user.check_password("local-admin-password")


def test_collectstatic_writes_hashed_and_compressed_files(tmp_path):
    result = run_django("", "collectstatic", "--no-input", DJANGO_STATIC_ROOT=str(tmp_path), **PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    hashed_css = tmp_path / manifest["css/site.css"]
    assert hashed_css.name != "site.css"
    assert Path(f"{hashed_css}.gz").exists()
    assert Path(f"{hashed_css}.br").exists()
    assert "vendor/bootstrap/bootstrap.min.css" in manifest


def test_static_files_are_served_hashed_compressed_and_cached_for_a_year(tmp_path):
    env = {**PRODUCTION_ENV, "DJANGO_STATIC_ROOT": str(tmp_path), "DJANGO_ALLOWED_HOSTS": "testserver"}
    assert run_django("", "collectstatic", "--no-input", **env).returncode == 0
    code = """
from django.templatetags.static import static
from django.test import Client
url = static("vendor/bootstrap/bootstrap.min.css")
response = Client().get(url, secure=True, HTTP_ACCEPT_ENCODING="br, gzip")
print(url, response.status_code, response["Cache-Control"], response.get("Content-Encoding"), sep="|")
"""
    result = run_django(code, **env)

    url, status, cache_control, encoding = result.stdout.strip().split("|")
    assert (
        url.startswith("/static/vendor/bootstrap/bootstrap.min.")
        and url != "/static/vendor/bootstrap/bootstrap.min.css"
    )
    assert status == "200"
    assert "max-age=315360000" in cache_control and "immutable" in cache_control
    assert encoding in ("br", "gzip")
