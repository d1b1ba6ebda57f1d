"""Fixtures shared by the appointments tests: a nurse of the triage staff, logged in."""

import pytest

from clinic.roles import TRIAGE_STAFF
from tests.factories import make_staff


@pytest.fixture
def nurse(django_user_model):
    return make_staff(django_user_model, "nurse", TRIAGE_STAFF, first_name="Nora", last_name="Nurse")


@pytest.fixture
def nurse_client(client, nurse, clinic):
    client.force_login(nurse)
    client.user = nurse
    return client
