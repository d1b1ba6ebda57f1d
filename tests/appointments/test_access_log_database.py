"""The access log is append-only in the database itself (PostgreSQL trigger), except the retention purge."""

import datetime

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from appointments.requests.access_log import ACCESS_LOG_KEPT, AccessRecord, purge_expired_records

pytestmark = pytest.mark.django_db
Kind = AccessRecord.Kind
needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (the trigger): DATABASE_URL=postgres://…"
)


def entry(*, age=datetime.timedelta(0), username="nurse", **fields):
    return AccessRecord.objects.create(
        username=username, kind=Kind.VIEW, references=" BR-AAAAAA ", count=1, at=timezone.now() - age, **fields
    )


def refused(action):
    """Run `action` in a savepoint; True if the database refused it."""
    try:
        with transaction.atomic():
            action()
    except DatabaseError as error:
        assert "append-only" in str(error)
        return True
    return False


def table_sql(statement):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(statement)

    return run


@pytest.mark.parametrize(
    "attempt",
    [
        lambda: AccessRecord._base_manager.update(username="someone-else"),
        lambda: AccessRecord._base_manager.filter(kind=Kind.VIEW).update(references=" BR-ZZZZZZ "),
        lambda: AccessRecord._base_manager.all()._raw_delete(connection.alias),
        table_sql("UPDATE appointments_accessrecord SET username = 'someone-else'"),
        table_sql("DELETE FROM appointments_accessrecord"),
    ],
    ids=["base manager update", "filtered update", "raw delete", "SQL update", "SQL delete"],
)
@pytest.mark.postgres
@needs_postgresql
def test_the_database_refuses_changes_and_deletions_that_bypass_the_model(attempt):
    young, old = entry(), entry(age=ACCESS_LOG_KEPT + datetime.timedelta(days=30))

    assert refused(attempt)
    assert AccessRecord.objects.filter(pk__in=[young.pk, old.pk], username="nurse").count() == 2


def test_the_retention_purge_deletes_only_entries_past_six_years_on_any_database():
    kept = [entry(), entry(age=ACCESS_LOG_KEPT - datetime.timedelta(days=1))]
    entry(age=ACCESS_LOG_KEPT + datetime.timedelta(days=1))
    entry(age=ACCESS_LOG_KEPT * 2)

    assert purge_expired_records() == 2
    assert set(AccessRecord.objects.all()) == set(kept)


def test_the_purge_command_reports_a_count(capsys):
    entry(age=ACCESS_LOG_KEPT + datetime.timedelta(days=1))

    call_command("purge_access_log")

    assert capsys.readouterr().out.strip() == "Deleted 1 access log entry older than six years."
    assert not AccessRecord.objects.exists()


@pytest.mark.postgres
@needs_postgresql
def test_the_purge_setting_opens_no_door_to_recent_entries_and_is_closed_after_the_purge():
    young, old = entry(), entry(age=ACCESS_LOG_KEPT + datetime.timedelta(days=1))

    assert refused(
        table_sql("SELECT set_config('clinic.access_log_purge', 'on', true); DELETE FROM appointments_accessrecord")
    )
    assert purge_expired_records() == 1
    other_old = entry(age=ACCESS_LOG_KEPT + datetime.timedelta(days=2))
    assert refused(table_sql(f"DELETE FROM appointments_accessrecord WHERE id = {other_old.pk}"))  # setting off again
    assert list(AccessRecord.objects.order_by("pk")) == [young, other_old]
    assert not AccessRecord.objects.filter(pk=old.pk).exists()


@pytest.mark.postgres
@needs_postgresql
def test_removing_a_staff_account_keeps_its_entries_under_the_copied_name(django_user_model):
    nurse = django_user_model.objects.create_user("nurse", password="x" * 16, is_staff=True)
    kept = entry(user=nurse)

    nurse.delete()

    kept.refresh_from_db()
    assert (kept.user_id, kept.username) == (None, "nurse")
    assert refused(table_sql(f"UPDATE appointments_accessrecord SET user_id = NULL, count = 9 WHERE id = {kept.pk}"))
