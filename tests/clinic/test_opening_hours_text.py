"""The opening hours patients read are written from the hours the clinic's calendar counts."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from clinic.models import describe_hours
from tests.education.test_drafts_migration import migrate
from tests.factories import make_clinic

ALTERNATE_DAYS = "\n".join(
    f"{day}: {'7 am to 7:15 pm' if number % 2 == 0 else 'closed'}"
    for number, day in enumerate(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])
)


@pytest.mark.parametrize(
    ("weekdays", "opens", "closes", "text"),
    [
        ("01234", (8, 0), (17, 0), "Monday to Friday: 8 am to 5 pm\nSaturday and Sunday: closed"),
        ("012345", (9, 30), (12, 0), "Monday to Saturday: 9:30 am to 12 pm\nSunday: closed"),
        ("0246", (7, 0), (19, 15), ALTERNATE_DAYS),
    ],
)
def test_the_weekly_hours_read_as_plain_lines(weekdays, opens, closes, text):
    assert describe_hours({int(day) for day in weekdays}, datetime.time(*opens), datetime.time(*closes)) == text


@pytest.mark.django_db
def test_every_page_shows_the_hours_the_calendar_counts(client):
    make_clinic(working_weekdays="01234", opens_at=datetime.time(8), closes_at=datetime.time(16, 30))

    footer = BeautifulSoup(client.get("/").content, "html.parser").find("footer").get_text(" ", strip=True)

    assert "Monday to Friday: 8 am to 4:30 pm" in footer
    assert "Saturday and Sunday: closed" in footer


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_structured_hours_and_going_back_writes_the_text_from_them():
    old = migrate([("clinic", "0004_warning_signs_in_code")])
    ClinicProfile = old.get_model("clinic", "ClinicProfile")
    ClinicProfile.objects.create(
        pk=1, name="Clinic", hours="Mon-Fri 9-5", opens_at=datetime.time(8), closes_at=datetime.time(17)
    )
    try:
        new = migrate([("clinic", "0005_opening_hours_written_from_the_calendar")])
        profile = new.get_model("clinic", "ClinicProfile").objects.get()
        assert (profile.name, profile.opens_at, profile.closes_at) == ("Clinic", datetime.time(8), datetime.time(17))

        back = migrate([("clinic", "0004_warning_signs_in_code")])
        assert back.get_model("clinic", "ClinicProfile").objects.get().hours.startswith("Monday to Friday: 8 am")
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
