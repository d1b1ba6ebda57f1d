"""The admin answers malformed input plainly: never a 500 (issue 19's findings)."""

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.factories import make_consultation

pytestmark = pytest.mark.django_db
LOGIN = reverse("admin:login")
TOO_LONG = "The username is too long: usernames have at most 150 characters."


@pytest.fixture
def browser():
    """A client that gets a server error as a 500 page, as a visitor would, instead of an exception."""
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("length", [151, 256, 5000])
def test_a_very_long_username_is_refused_before_sign_in_is_tried(browser, clinic, length):
    response = browser.post(LOGIN, {"username": "a" * length, "password": "x" * 12, "next": "/admin/"})

    assert response.status_code == 200
    assert TOO_LONG in response.content.decode()
    assert not AccessAttempt.objects.exists()  # nothing reached django-axes (its column holds 255)


def test_a_long_but_possible_username_still_counts_as_a_failed_sign_in(browser, clinic):
    response = browser.post(LOGIN, {"username": "b" * 150, "password": "x" * 12, "next": "/admin/"})

    assert response.status_code == 200 and TOO_LONG not in response.content.decode()
    assert AccessAttempt.objects.get().failures_since_start == 1


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda model: model._meta.label)
def test_every_admin_list_answers_a_bad_to_field_without_a_500(browser, django_user_model, clinic, model):
    boss = django_user_model.objects.create_superuser("boss", password="y" * 16)
    browser.force_login(boss)
    make_consultation()
    changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

    # "%2B" is a "+": the name of every hidden reverse relation (related_name="+").
    answers = {
        value: browser.get(f"{changelist}?_to_field={value}").status_code
        for value in ["+", "%2B", "%2B&_popup=1", "user_%2B", "%20", "nonsense", "consultation__email"]
    }

    assert set(answers.values()) <= {200, 302, 400}, answers
