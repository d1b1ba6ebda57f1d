"""The accounting of access: who opened, listed or exported which request, kept and never changed."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appointments.requests.access_log import AccessRecord
from tests.appointments.test_triage_admin import QUEUE, action, change_form_data, change_url
from tests.factories import make_consultation

pytestmark = pytest.mark.django_db
Kind = AccessRecord.Kind
LOG = reverse("admin:appointments_accessrecord_changelist")


@pytest.fixture
def boss(django_user_model, clinic):
    return django_user_model.objects.create_superuser("boss", password="y" * 16)


def test_opening_a_request_records_who_when_where_and_which(nurse_client, nurse):
    consultation = make_consultation()

    nurse_client.get(change_url(consultation), REMOTE_ADDR="203.0.113.9")

    record = AccessRecord.objects.get()
    assert (record.user, record.username, record.kind) == (nurse, "nurse", Kind.VIEW)
    assert (record.ip_address, record.reference_list) == ("203.0.113.9", [consultation.reference])
    assert timezone.now() - record.at < datetime.timedelta(minutes=1)


def test_a_listing_records_the_references_it_showed(nurse_client):
    shown = [make_consultation(), make_consultation()]
    hidden = make_consultation(status="contacted")

    nurse_client.get(QUEUE, {"status__exact": "new"})

    record = AccessRecord.objects.get()
    assert record.kind == Kind.LIST
    assert sorted(record.reference_list) == sorted(c.reference for c in shown)
    assert hidden.reference not in record.references


def test_a_search_is_recorded_without_the_search_text(nurse_client):
    wanted = make_consultation(full_name="Rosa Secretname")

    nurse_client.get(QUEUE, {"q": "Secretname"})

    record = AccessRecord.objects.get()
    assert (record.kind, record.reference_list) == (Kind.SEARCH, [wanted.reference])
    stored = " ".join(str(value) for value in AccessRecord.objects.values().get().values())
    assert "Secretname" not in stored and "Rosa" not in stored


def test_a_listing_that_shows_nothing_records_nothing(nurse_client):
    nurse_client.get(QUEUE, {"q": "nobody-at-all"})

    assert not AccessRecord.objects.exists()


def test_an_export_is_recorded_with_every_reference(nurse_client, nurse):
    nurse.user_permissions.add(Permission.objects.get(codename="export_consultationrequest"))
    exported = [make_consultation(), make_consultation()]

    response = action(nurse_client, "export_csv", *exported, follow=False)
    b"".join(response.streaming_content)

    record = AccessRecord.objects.get(kind=Kind.EXPORT)
    assert sorted(record.reference_list) == sorted(c.reference for c in exported)


def test_saving_a_request_is_not_counted_as_a_view_of_the_page_it_did_not_show(nurse_client):
    consultation = make_consultation()
    data = change_form_data(nurse_client, consultation, status="in_review")  # one view: the page was opened
    nurse_client.post(change_url(consultation), data)

    assert AccessRecord.objects.filter(kind=Kind.VIEW).count() == 1


def test_recording_costs_one_insert_per_page_view(nurse_client):
    consultation = make_consultation()

    with CaptureQueriesContext(connection) as queries:
        nurse_client.get(change_url(consultation))
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].upper().startswith("INSERT")]

    assert len(inserts) == 1 and "accessrecord" in inserts[0]


def test_the_log_cannot_be_changed_or_deleted_in_code():
    record = AccessRecord.objects.create(username="x", kind=Kind.VIEW, references=" BR-AAAAAA ", count=1)

    with pytest.raises(TypeError):
        record.save()
    with pytest.raises(TypeError):
        record.delete()
    with pytest.raises(TypeError):
        AccessRecord.objects.all().delete()
    with pytest.raises(TypeError):
        AccessRecord.objects.update(username="y")


def test_superusers_read_the_log_filtered_by_staff_member_and_date(client, boss, nurse, nurse_client):
    consultation = make_consultation()
    nurse_client.get(change_url(consultation))
    client.force_login(boss)

    page = BeautifulSoup(client.get(LOG).content, "html.parser")
    filters = page.find(id="changelist-filter").get_text(" ", strip=True)
    by_nurse = client.get(LOG, {"user__id__exact": nurse.pk})
    today = client.get(LOG + page.find(id="changelist-filter").find("a", string="Today")["href"])

    assert "By staff member" in filters and "By when" in filters
    assert [r.username for r in today.context["cl"].result_list] == ["nurse"]
    assert [r.username for r in by_nurse.context["cl"].result_list] == ["nurse"]
    assert by_nurse.status_code == today.status_code == 200


def test_the_admin_offers_no_way_to_add_change_or_delete_an_entry_even_to_superusers(client, boss):
    record = AccessRecord.objects.create(username="nurse", kind=Kind.VIEW, references=" BR-AAAAAA ", count=1)
    client.force_login(boss)
    model_admin = admin.site._registry[AccessRecord]
    request = client.get(LOG).wsgi_request

    listing = client.get(LOG)
    page = client.get(reverse("admin:appointments_accessrecord_change", args=[record.pk]))
    content = page.content.decode()

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, record)
    assert not model_admin.has_delete_permission(request, record)
    assert listing.context["action_form"] is None or not listing.context["cl"].actions
    assert 'name="_save"' not in content and "deletelink" not in content
    assert client.get(reverse("admin:appointments_accessrecord_add")).status_code == 403
    assert client.post(reverse("admin:appointments_accessrecord_change", args=[record.pk]), {}).status_code == 403
    delete = reverse("admin:appointments_accessrecord_delete", args=[record.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AccessRecord.objects.filter(pk=record.pk, username="nurse").exists()


def test_triage_staff_cannot_read_the_log(nurse_client):
    assert nurse_client.get(LOG).status_code == 403


def test_purging_closed_requests_leaves_the_log(nurse_client):
    consultation = make_consultation(status="closed", outcome="booked")
    consultation.closed_at = timezone.now() - datetime.timedelta(days=400)
    consultation.save()
    nurse_client.get(change_url(consultation))

    call_command("purge_closed_requests", "--older-than", "30", verbosity=0)

    assert not type(consultation).objects.filter(pk=consultation.pk).exists()
    assert AccessRecord.objects.for_reference(consultation.reference).count() == 1


def test_access_report_lists_who_and_when_oldest_first(django_user_model, capsys):
    consultation = make_consultation()
    other = make_consultation()
    now = timezone.now()
    both = f" {consultation.reference} {other.reference} "
    for username, kind, hours_ago in [("second", Kind.VIEW, 1), ("first", Kind.SEARCH, 5)]:
        AccessRecord.objects.create(
            username=username,
            kind=kind,
            references=both,
            count=2,
            ip_address="198.51.100.7",
            at=now - datetime.timedelta(hours=hours_ago),
        )
    AccessRecord.objects.create(username="third", kind=Kind.VIEW, references=f" {other.reference} ", count=1)

    call_command("access_report", consultation.reference.lower())

    output = capsys.readouterr().out.splitlines()
    assert output[0] == f"Access to consultation request {consultation.reference}: 2 record(s), oldest first."
    assert "first" in output[1] and "searched the queue" in output[1] and "198.51.100.7" in output[1]
    assert "second" in output[2] and "opened the request page" in output[2]
    assert len(output) == 3
