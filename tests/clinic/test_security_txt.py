"""/.well-known/security.txt as RFC 9116 asks: Contact and Expires required, Canonical, languages."""

import datetime
from urllib.parse import urlsplit

import time_machine
from django.utils import timezone

URL = "/.well-known/security.txt"


def fields(body):
    """RFC 9116 §3: "Name: value" lines; comments start with #."""
    parsed = {}
    for line in body.splitlines():
        if line and not line.startswith("#"):
            name, separator, value = line.partition(": ")
            assert separator, f"not a field: {line!r}"
            parsed.setdefault(name.lower(), []).append(value)
    return parsed


def test_security_txt_names_a_contact_and_a_future_expiry(client, settings):
    settings.SECURITY_TXT_CONTACTS = ["security@clinic.example.org", "https://clinic.example.org/security"]
    settings.SITE_URL = "https://clinic.example.org"

    response = client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    found = fields(response.content.decode("utf-8"))
    assert found["contact"] == ["mailto:security@clinic.example.org", "https://clinic.example.org/security"]
    for contact in found["contact"]:
        assert urlsplit(contact).scheme in {"mailto", "https"}
    (expires,) = found["expires"]
    moment = datetime.datetime.fromisoformat(expires)
    assert moment.tzinfo is not None and expires.endswith("Z")  # RFC 3339, as §2.5.5 asks
    now = timezone.now()
    assert now < moment < now + datetime.timedelta(days=366)  # in the future, less than a year away (§2.5.5)
    assert found["canonical"] == ["https://clinic.example.org/.well-known/security.txt"]
    assert found["preferred-languages"] == ["en"]


def test_expires_follows_the_settings_and_the_body_is_the_same_all_day(client, settings):
    settings.SECURITY_TXT_EXPIRES_DAYS = 90
    today = timezone.now().astimezone(datetime.UTC).date()
    bodies = []
    for hour, minute in ((0, 1), (12, 0), (23, 59)):
        moment = datetime.datetime.combine(today, datetime.time(hour, minute), tzinfo=datetime.UTC)
        with time_machine.travel(moment, tick=False):
            bodies.append(client.get(URL).content)

    assert bodies[0] == bodies[1] == bodies[2]
    (expires,) = fields(bodies[0].decode())["expires"]
    assert datetime.datetime.fromisoformat(expires).date() == today + datetime.timedelta(days=90)


def test_security_txt_never_expires_because_nobody_renewed_it(client):
    """Computed on each request: a year from now it still lies in the future."""
    later = timezone.now() + datetime.timedelta(days=400)
    with time_machine.travel(later, tick=False):
        (expires,) = fields(client.get(URL).content.decode())["expires"]

    assert datetime.datetime.fromisoformat(expires) > later


def test_security_txt_is_cacheable_and_read_only(client):
    assert "max-age" in client.get(URL)["Cache-Control"]
    assert client.post(URL).status_code == 405
