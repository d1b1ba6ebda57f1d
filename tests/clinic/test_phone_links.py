"""Every `tel:` link a dialer meets is RFC 3966: a global E.164 number, or 911 with its phone-context."""

from unittest import mock

import phonenumbers
import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.db import OperationalError
from django.template import Context, Template

from clinic import models as clinic_models
from clinic.phone import tel_uri
from tests.factories import make_article, make_clinic


def tel_links(response):
    return [a["href"] for a in BeautifulSoup(response.content, "html.parser").select("a[href^='tel:']")]


def assert_global_number(href, expected="+15550100142"):
    """Parse the link as a dialer does: `tel:` then a global number (E.164) and nothing else."""
    assert href.startswith("tel:+"), href
    number = phonenumbers.parse(href.removeprefix("tel:"), None)  # no default region: it must be global
    assert phonenumbers.is_valid_number(number) or phonenumbers.is_possible_number(number)
    assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == href.removeprefix("tel:")
    assert href == f"tel:{expected}"


@pytest.fixture
def sample_clinic(db):
    return make_clinic(phone="(555) 010-0142")


@pytest.mark.parametrize("path", ["/", "/education/", "/appointments/request/", "/privacy/", "/nowhere/"])
def test_public_pages_link_the_clinic_phone_as_a_global_number(client, sample_clinic, path):
    links = tel_links(client.get(path))
    clinic_links = [href for href in links if not href.startswith("tel:911")]

    assert clinic_links
    for href in clinic_links:
        assert_global_number(href)
    assert set(links) - set(clinic_links) <= {"tel:911;phone-context=+1"}


def test_the_article_page_links_the_phone_as_a_global_number(client, sample_clinic):
    article = make_article()

    links = tel_links(client.get(article.get_absolute_url()))

    assert links
    for href in links:
        assert_global_number(href)


def test_the_503_page_links_the_phone_as_a_global_number_from_the_contact_file(client, sample_clinic):
    clinic_models._last_known.clear()
    cache.clear()  # a new process: only the copy on disk knows the number
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection",
        side_effect=OperationalError("unable to connect"),
    ):
        response = client.get("/")

    assert response.status_code == 503
    assert tel_links(response) == ["tel:+15550100142"]
    assert_global_number(tel_links(response)[0])


def test_911_is_marked_as_a_us_number_in_every_call_button(client, sample_clinic, valid_data):
    from tests.factories import form_token

    data = valid_data(red_flags=["bladder_bowel"], form_token=form_token())
    response = client.post("/appointments/request/", data, follow=True)

    emergency = [href for href in tel_links(response) if "911" in href]
    assert emergency == ["tel:911;phone-context=+1"]
    number, _, parameter = emergency[0].removeprefix("tel:").partition(";")
    context = parameter.removeprefix("phone-context=")
    # The context is the global prefix of the country whose local number 911 is (RFC 3966 §5.1.5).
    assert phonenumbers.region_code_for_country_code(int(context.lstrip("+"))) == "US"
    assert phonenumbers.is_emergency_number(number, "US")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("(555) 010-0142", "tel:+15550100142"),
        ("555.010.0142", "tel:+15550100142"),
        ("+1 555 010 0142", "tel:+15550100142"),
        ("+44 20 7946 0958", "tel:+442079460958"),
        ("", ""),
        ("call the front desk", ""),
    ],
)
def test_the_helper_links_numbers_however_staff_typed_them(settings, typed, expected):
    assert tel_uri(typed) == expected


def test_the_template_filter_and_tag_give_the_same_links(db):
    rendered = Template("{% load clinic_tags %}{{ phone|tel }} {% emergency_tel %}").render(
        Context({"phone": "(555) 010-0142"})
    )

    assert rendered == "tel:+15550100142 tel:911;phone-context=+1"
