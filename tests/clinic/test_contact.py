"""The clinic's phone on the 503 page, whatever is down and however new the process."""

from unittest import mock

from django.core.cache import cache
from django.db import OperationalError

from clinic import models as clinic_models
from clinic.contact import contact_when_down, read_copy
from tests.factories import make_clinic


def test_saving_the_profile_keeps_a_copy_of_the_phone_for_a_new_process(db, settings):
    make_clinic(phone="(555) 010-0142")

    assert read_copy().phone == "(555) 010-0142"
    # A fresh process: nothing in memory, nothing in the cache, the database unreachable.
    clinic_models._last_known.clear()
    assert contact_when_down(None).phone == "(555) 010-0142"


def test_without_any_copy_the_environment_gives_the_phone(settings):
    settings.CLINIC_PHONE = "(555) 010-0199"

    contact = contact_when_down(None)

    assert contact.phone == "(555) 010-0199"
    assert contact.phone_href == "tel:+15550100199"


def test_the_503_page_of_a_process_that_never_saw_the_profile_shows_the_copy(db, client, settings):
    make_clinic(phone="(555) 010-0142")
    clinic_models._last_known.clear()
    cache.clear()
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection",
        side_effect=OperationalError("unable to connect"),
    ):
        response = client.get("/")

    assert response.status_code == 503
    assert "(555) 010-0142" in response.content.decode()
