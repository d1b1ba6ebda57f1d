"""`check --deploy` catches real mistakes, and X-Forwarded-For is believed only from our own proxies."""

import pytest
from django.core import checks
from django.test import RequestFactory
from django.urls import reverse

from clinic.net import client_ip
from tests.clinic.test_settings import PRODUCTION_ENV, run_django

DEPLOYED = {
    "ALLOWED_HOSTS": ["clinic.example.org"],
    "SITE_URL": "https://clinic.example.org",
    "ADMIN_REQUIRE_2FA": True,
    "TRUSTED_PROXY_HOPS": 1,
    "TRUSTED_PROXIES": ["10.0.0.5"],
}


def clinic_problems(settings, **changes):
    for name, value in {**DEPLOYED, **changes}.items():
        setattr(settings, name, value)
    found = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
    return {problem.id: problem for problem in found if problem.id.startswith("clinic.")}


def test_a_well_set_up_deployment_has_no_clinic_problems(settings):
    assert clinic_problems(settings) == {}


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"ALLOWED_HOSTS": ["*"]}, "clinic.E002"),
        ({"ALLOWED_HOSTS": ["clinic.example.org", "*"]}, "clinic.E002"),
        ({"SITE_URL": "http://clinic.example.org"}, "clinic.E003"),
        ({"SITE_URL": "http://127.0.0.1:8000"}, "clinic.E003"),
        ({"ADMIN_REQUIRE_2FA": False}, "clinic.E004"),
        ({"TRUSTED_PROXIES": []}, "clinic.E005"),
    ],
    ids=["any host", "any host among others", "http site url", "the default site url", "2fa off", "no proxy listed"],
)
def test_each_mistake_is_an_error(settings, changes, problem):
    found = clinic_problems(settings, **changes)

    assert list(found) == [problem]
    assert found[problem].level == checks.ERROR and found[problem].hint


def test_no_proxy_hops_behind_a_tls_proxy_is_a_warning(settings):
    found = clinic_problems(settings, TRUSTED_PROXY_HOPS=0)

    assert list(found) == ["clinic.W001"] and found["clinic.W001"].level == checks.WARNING
    settings.SECURE_PROXY_SSL_HEADER = None
    assert clinic_problems(settings, TRUSTED_PROXY_HOPS=0) == {}


def test_manage_py_check_deploy_fails_on_allowed_hosts_star():
    env = {**PRODUCTION_ENV, "DJANGO_ALLOWED_HOSTS": "*", "REDIS_URL": "redis://cache.internal:6379/0"}

    result = run_django("", "check", "--deploy", **env)

    assert result.returncode != 0
    assert "clinic.E002" in result.stderr and "DJANGO_ALLOWED_HOSTS contains '*'" in result.stderr


def test_a_trusted_proxy_that_is_not_an_address_stops_the_site_with_a_clear_message():
    result = run_django("", "check", **{**PRODUCTION_ENV, "DJANGO_TRUSTED_PROXIES": "proxy.internal"})

    assert result.returncode != 0
    assert "DJANGO_TRUSTED_PROXIES: 'proxy.internal' is not an address or a network" in result.stderr


# --- Whose address: one rule for the rate limit, the sign-in lockout and the access log -------------


def address(remote, forwarded=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))


def test_forwarded_for_is_read_only_from_a_configured_proxy(settings):
    settings.TRUSTED_PROXY_HOPS = 1
    settings.TRUSTED_PROXIES = ["10.0.0.5", "192.168.4.0/24", "2001:db8::/32"]

    assert address("10.0.0.5", "198.51.100.1, 203.0.113.10") == "203.0.113.10"
    assert address("192.168.4.77", "203.0.113.11") == "203.0.113.11"  # a network
    assert address("2001:db8::9", "203.0.113.12") == "203.0.113.12"
    assert address("::ffff:10.0.0.5", "203.0.113.13") == "203.0.113.13"  # IPv4 written as IPv6
    # Straight to the app server, around the proxy: whatever the client wrote is ignored.
    assert address("203.0.113.66", "198.51.100.1") == "203.0.113.66"
    assert address("10.0.0.6", "198.51.100.1") == "10.0.0.6"
    assert address("10.0.0.5", "") == "10.0.0.5"


def test_with_two_proxies_each_must_be_ours(settings):
    settings.TRUSTED_PROXY_HOPS = 2
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]

    assert address("10.0.0.5", "198.51.100.1, 203.0.113.10, 10.0.0.9") == "203.0.113.10"
    # The first proxy was reached directly by 203.0.113.20, which wrote the entry before it.
    assert address("10.0.0.5", "198.51.100.1, 203.0.113.20") == "203.0.113.20"


@pytest.mark.django_db
def test_the_sign_in_lockout_follows_the_same_rule(client, django_user_model, settings, clinic):
    settings.TRUSTED_PROXY_HOPS = 1
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    django_user_model.objects.create_user("desk", password="a-long-staff-password-42", is_staff=True)
    login = reverse("admin:login")

    def sign_in(remote, forwarded, password="wrong-password"):
        data = {"username": "desk", "password": password, "next": "/admin/"}
        return client.post(login, data, REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded).status_code

    # Around the proxy, a new X-Forwarded-For each time buys no more attempts.
    attempts = [sign_in("203.0.113.66", f"198.51.100.{n}") for n in range(settings.AXES_FAILURE_LIMIT)]
    assert attempts[-1] == 429
    # Through the proxy, the lockout is the client's own, not everyone's.
    assert sign_in("10.0.0.5", "203.0.113.70", password="a-long-staff-password-42") == 302
