import io
import logging

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from appointments.models import ConsultationRequest
from appointments.requests.ratelimit import Rate
from clinic.logging import RedactPersonalData, redact
from tests.clinic.test_settings import PRODUCTION_ENV, run_django
from tests.factories import form_token, make_article

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
PASSWORD = "a-long-staff-password-42"


@pytest.fixture
def pages(clinic):
    article = make_article(slug="guide")
    return ["/", "/education/", article.get_absolute_url(), "/appointments/request/", LOGIN, "/no-such-page/"]


def test_every_page_carries_a_strict_content_security_policy_and_security_headers(client, pages):
    for url in pages:
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives["default-src"] == "'self'", url
        assert directives["script-src"] == "'self'", url
        assert directives["frame-ancestors"] == "'none'", url
        assert directives["form-action"] == "'self'", url
        assert "unsafe-inline" not in policy and "http" not in policy, url
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


def test_pages_have_no_inline_scripts_or_styles(client, pages):
    from bs4 import BeautifulSoup

    for url in pages[:4]:
        page = BeautifulSoup(client.get(url).content, "html.parser")
        inline_scripts = [
            s for s in page.find_all("script") if not s.get("src") and s.get("type") != "application/ld+json"
        ]
        assert inline_scripts == [], url
        assert page.find_all("style") == [] and page.select("[style]") == [], url
        assert not [tag for tag in page.find_all(True) if any(attr.startswith("on") for attr in tag.attrs)], url


def test_session_and_csrf_cookies_are_secure_httponly_samesite_and_end_with_the_browser(client, valid_data, settings):
    settings.APPOINTMENTS_MIN_FORM_SECONDS = 0
    client.get("/appointments/request/")
    response = client.post("/appointments/request/", valid_data())

    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert not session["expires"] and not session["max-age"]  # ends when the browser closes
    csrf = client.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600


def test_passwords_need_twelve_characters():
    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("Sh0rt-pass!")
    validate_password("a-long-staff-password-42")


# --- Sign-in: lockout and two-factor codes ---------------------------------------------


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("desk", password=PASSWORD, is_staff=True)


def sign_in(client, username="desk", password=PASSWORD, address="198.51.100.7", **extra):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/", **extra}, REMOTE_ADDR=address
    )


def test_repeated_failures_lock_the_account_from_that_address_with_a_clear_message(client, staff, settings):
    answers = [sign_in(client, password="wrong-password").status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert answers == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]

    locked = sign_in(client)  # even the right password

    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert sign_in(client, address="198.51.100.8").status_code == 302  # another address is not locked out


def test_an_administrator_unlocks_a_locked_account(client, staff, admin_client, settings):
    from axes.models import AccessAttempt

    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, password="wrong-password")
    assert sign_in(client).status_code == 429
    attempt = AccessAttempt.objects.get(username="desk")

    admin_client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})

    assert sign_in(client).status_code == 302


def totp_code(device):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def test_staff_who_set_up_an_authenticator_must_give_its_code(client, staff):
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)

    without = sign_in(client)
    assert without.status_code == 200 and "_auth_user_id" not in client.session

    with_code = sign_in(client, otp_token=totp_code(device))
    assert with_code.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_two_factor_is_optional_for_staff_without_an_authenticator(client, staff):
    assert sign_in(client).status_code == 302


def test_superusers_must_use_two_factor_when_the_setting_asks(client, django_user_model, settings):
    settings.ADMIN_REQUIRE_2FA = True
    boss = django_user_model.objects.create_superuser("boss", password=PASSWORD)

    refused = sign_in(client, username="boss")
    assert refused.status_code == 200
    assert "must sign in with a two-factor code" in refused.content.decode()

    device = TOTPDevice.objects.create(user=boss, name="phone", confirmed=True)
    assert sign_in(client, username="boss", otp_token=totp_code(device)).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_superuser_signed_in_without_a_code_is_kept_out_once_two_factor_is_required(
    client, django_user_model, settings
):
    boss = django_user_model.objects.create_superuser("boss", password=PASSWORD)
    client.force_login(boss)
    settings.ADMIN_REQUIRE_2FA = True

    assert client.get(reverse("admin:index")).status_code == 302


def test_admin_address_is_configurable_and_kept_out_of_robots_txt():
    code = "from django.urls import reverse; print(reverse('admin:index'))"
    result = run_django(code, DJANGO_ADMIN_URL="staff-7f3a", **PRODUCTION_ENV)
    assert result.stdout.strip() == "/staff-7f3a/"

    robots = run_django(
        "from django.test import Client; print(Client().get('/robots.txt', secure=True).content.decode())",
        DJANGO_ADMIN_URL="staff-7f3a",
        DJANGO_ALLOWED_HOSTS="testserver",
        **{k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_ALLOWED_HOSTS"},
    )
    assert "staff-7f3a" not in robots.stdout and "Sitemap:" in robots.stdout


# --- Rate limit ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count", "seconds"), [("5/10m", 5, 600), ("100/h", 100, 3600), ("3/30s", 3, 30), ("0/1m", 0, 60)]
)
def test_rate_limit_setting_is_read(text, count, seconds):
    assert Rate.parse(text) == Rate(count=count, seconds=seconds)


def test_rate_limit_defaults_to_five_per_ten_minutes():
    result = run_django("from django.conf import settings; print(settings.APPOINTMENTS_RATE_LIMIT)", **PRODUCTION_ENV)
    assert result.stdout.strip() == "5/10m"


def post_request(client, valid_data, address="203.0.113.5", **headers):
    return client.post("/appointments/request/", valid_data(form_token=form_token()), REMOTE_ADDR=address, **headers)


def test_past_the_rate_limit_a_client_gets_a_friendly_429_and_nothing_is_stored(client, valid_data, settings, clinic):
    settings.APPOINTMENTS_RATE_LIMIT = "5/10m"

    answers = [post_request(client, valid_data).status_code for _ in range(6)]

    assert answers == [303] * 5 + [429]
    assert ConsultationRequest.objects.count() == 5
    page = post_request(client, valid_data).content.decode()
    assert "Please wait a few minutes" in page and clinic.phone in page
    assert post_request(client, valid_data, address="203.0.113.6").status_code == 303  # another client


def test_a_patient_correcting_mistakes_is_not_counted_against_the_limit(client, valid_data, settings):
    settings.APPOINTMENTS_RATE_LIMIT = "2/10m"

    mistakes = [post_request(client, lambda **kw: valid_data(email="not-an-email", **kw)).status_code for _ in range(5)]

    assert mistakes == [200] * 5
    assert post_request(client, valid_data).status_code == 303


def test_a_forged_forwarded_for_header_does_not_escape_the_limit(client, valid_data, settings):
    settings.APPOINTMENTS_RATE_LIMIT = "2/10m"

    answers = [post_request(client, valid_data, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code for n in range(3)]

    assert answers == [303, 303, 429]


def test_behind_trusted_proxies_the_client_is_read_from_forwarded_for(client, valid_data, settings):
    settings.APPOINTMENTS_RATE_LIMIT = "1/10m"
    settings.TRUSTED_PROXY_HOPS = 1
    settings.TRUSTED_PROXIES = ["10.0.0.2"]  # the proxy's own address: only its X-Forwarded-For is read

    def via_proxy(client_address, forged="198.51.100.1"):
        forwarded = f"{forged}, {client_address}"  # the client wrote the first entry, our proxy the last
        return post_request(client, valid_data, address="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert via_proxy("203.0.113.10") == 303
    assert via_proxy("203.0.113.10", forged="198.51.100.99") == 429
    assert via_proxy("203.0.113.11") == 303


# --- No personal data in logs -----------------------------------------------------------


def test_the_log_filter_removes_emails_and_phone_numbers():
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "from %s at %s", ("ana@example.org", "+1 202 555 0143"), None
    )

    RedactPersonalData().filter(record)

    assert record.getMessage() == "from [email] at [phone]"
    assert (
        redact("BR-7K3F9Q at 2026-11-24 12:00:01 took 200 11990") == "BR-7K3F9Q at 2026-11-24 12:00:01 took 200 11990"
    )


@pytest.fixture
def log_output():
    """What the site's configured log handler writes (to stderr, for the process manager)."""
    console = next(
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(log_filter, RedactPersonalData) for log_filter in handler.filters)
    )
    buffer = io.StringIO()
    previous = console.setStream(buffer)
    yield buffer
    console.setStream(previous)


def test_log_output_never_contains_what_a_patient_submitted(client, valid_data, settings, caplog, log_output):
    settings.APPOINTMENTS_MIN_FORM_SECONDS = 0
    caplog.set_level(logging.DEBUG)
    secret = {
        "full_name": "Zelda Quarterfield",
        "email": "zelda.q@example.org",
        "phone": "(202) 555-0177",
        "message": "Numbness since my second fusion",
    }
    client.post("/appointments/request/", valid_data(**secret))
    client.post("/appointments/request/", valid_data(**secret, website="bot"))
    client.post("/appointments/request/", valid_data(**{**secret, "email": "not-an-email"}))
    client.get("/no-such-page/", {"email": secret["email"]})
    client.get(f"/education/{secret['email']}/")
    client.get(f"/education/{secret['phone'].replace(' ', '-')}/")
    client.post("/appointments/request/", {**valid_data(**secret), "form_token": "forged"})

    written = log_output.getvalue()
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.split(".")[0] in {"appointments", "clinic"})
    assert "Not Found" in written and "received" in written  # the log did run
    for value in [*secret.values(), "202) 555", "555-0177", "zelda"]:
        assert value.lower() not in written.lower(), value
        assert value.lower() not in ours.lower(), value
