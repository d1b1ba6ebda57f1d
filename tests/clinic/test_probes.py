from unittest import mock

import pytest
from django.db import OperationalError


def test_healthz_answers_without_touching_the_database(client):
    with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection") as connect:
        response = client.get("/healthz/")

    assert response.status_code == 200
    connect.assert_not_called()


@pytest.mark.django_db
def test_readyz_answers_200_when_the_database_answers(client):
    response = client.get("/readyz/")

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_answers_503_when_the_database_does_not(client):
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.cursor", side_effect=OperationalError("connection refused")
    ):
        response = client.get("/readyz/")

    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
