import csv
import datetime
import io

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appointments.models import ConsultationRequest, InternalNote, RequestEvent
from clinic.roles import CONTENT_EDITORS, TRIAGE_STAFF
from tests.factories import make_article, make_consultation, make_staff, make_topic

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:appointments_consultationrequest_changelist")
Status, Priority, Outcome = ConsultationRequest.Status, ConsultationRequest.Priority, ConsultationRequest.Outcome


def change_url(consultation):
    return reverse("admin:appointments_consultationrequest_change", args=[consultation.pk])


def queue_references(response):
    return [consultation.reference for consultation in response.context["cl"].result_list]


def action(client, name, *consultations, follow=True):
    return client.post(QUEUE, {"action": name, "_selected_action": [c.pk for c in consultations]}, follow=follow)


def change_form_data(client, consultation, **overrides):
    """What the browser sends from the change page as it stands, with `overrides` typed in."""
    form = BeautifulSoup(client.get(change_url(consultation)).content, "html.parser").find(
        "form", id="consultationrequest_form"
    )
    data = {}
    for field in form.find_all(["input", "select", "textarea"]):
        name = field.get("name")
        if not name or field.get("type") in ("submit", "checkbox"):
            continue
        if field.name == "select":
            selected = field.find("option", selected=True)
            data[name] = selected["value"] if selected else ""
        elif field.name == "textarea":
            data[name] = field.get_text()
        else:
            data[name] = field.get("value", "")
    data.update(overrides)
    return data


# --- Roles --------------------------------------------------------------------


def test_triage_staff_work_the_queue_but_cannot_delete_or_edit_articles(nurse_client):
    consultation = make_consultation()
    article = make_article()

    assert nurse_client.get(QUEUE).status_code == 200
    assert nurse_client.get(change_url(consultation)).status_code == 200
    delete = reverse("admin:appointments_consultationrequest_delete", args=[consultation.pk])
    assert nurse_client.post(delete, {"post": "yes"}).status_code == 403
    assert ConsultationRequest.objects.filter(pk=consultation.pk).exists()
    assert nurse_client.get(reverse("admin:education_article_changelist")).status_code == 403
    assert nurse_client.get(reverse("admin:education_article_change", args=[article.pk])).status_code == 403


def test_content_editors_never_see_requests(client, django_user_model, clinic):
    editor = make_staff(django_user_model, "writer", CONTENT_EDITORS)
    consultation = make_consultation()
    client.force_login(editor)

    assert client.get(QUEUE).status_code == 403
    assert client.get(change_url(consultation)).status_code == 403
    assert client.get(reverse("admin:education_article_changelist")).status_code == 200
    assert client.get(reverse("admin:clinic_clinicprofile_changelist"), follow=True).status_code == 200
    index = client.get(reverse("admin:index")).content.decode()
    assert "Consultation requests" not in index


def test_anonymous_visitors_are_sent_to_the_login(client):
    consultation = make_consultation()

    for url in [QUEUE, change_url(consultation)]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_inactive_staff_are_shut_out(client, django_user_model, clinic):
    former = make_staff(django_user_model, "former", TRIAGE_STAFF, is_active=False)
    client.force_login(former)

    assert client.get(QUEUE).status_code == 302
    client.logout()
    response = client.post(reverse("admin:login"), {"username": "former", "password": "x" * 16})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_roles_exist_in_every_database():
    assert set(Group.objects.values_list("name", flat=True)) >= {TRIAGE_STAFF, CONTENT_EDITORS}
    triage = set(Group.objects.get(name=TRIAGE_STAFF).permissions.values_list("codename", flat=True))
    assert "change_consultationrequest" in triage and "add_internalnote" in triage
    assert not {code for code in triage if code.startswith("delete_")}
    editors = Group.objects.get(name=CONTENT_EDITORS).permissions
    assert not editors.filter(content_type__app_label="appointments").exists()


# --- The queue ----------------------------------------------------------------


def test_queue_opens_on_open_work_urgent_then_unassigned_then_the_longest_waiting(nurse_client, nurse):
    now = timezone.now()
    old_normal = make_consultation(created_at=now - datetime.timedelta(days=3))
    taken_normal = make_consultation(created_at=now - datetime.timedelta(days=4), assigned_to=nurse)
    new_urgent = make_consultation(created_at=now - datetime.timedelta(hours=1), red_flags=["leg_weakness"])
    old_urgent = make_consultation(created_at=now - datetime.timedelta(days=2), red_flags=["fever_wound"])
    taken_urgent = make_consultation(
        created_at=now - datetime.timedelta(days=5), red_flags=["fever_wound"], assigned_to=nurse
    )
    new_normal = make_consultation(created_at=now - datetime.timedelta(minutes=5))
    waiting = make_consultation(created_at=now - datetime.timedelta(minutes=1), status=Status.CONTACTED)
    booked_urgent = make_consultation(
        created_at=now - datetime.timedelta(days=8), red_flags=["fever_wound"], status=Status.SCHEDULED
    )
    closed = make_consultation(created_at=now - datetime.timedelta(days=9), status=Status.CLOSED, outcome="booked")
    open_work = [
        old_urgent.reference,
        new_urgent.reference,
        taken_urgent.reference,
        old_normal.reference,
        new_normal.reference,
        waiting.reference,
        taken_normal.reference,
    ]

    assert queue_references(nurse_client.get(QUEUE)) == open_work
    # All of them: booked after the open work, closed last.
    everything = queue_references(nurse_client.get(QUEUE, {"view": "all"}))
    assert everything == [*open_work, booked_urgent.reference, closed.reference]


def test_queue_columns_show_who_how_to_reach_them_warning_signs_and_waiting(nurse_client, nurse):
    make_consultation(
        full_name="Rosa Diaz",
        phone="+13125550177",
        preferred_contact="phone",
        red_flags=["bladder_bowel", "leg_weakness"],
        assigned_to=nurse,
    )

    page = BeautifulSoup(nurse_client.get(QUEUE).content, "html.parser")
    row = page.select_one("#result_list tbody tr")
    text = row.get_text(" ", strip=True)

    assert page.select_one("#result_list .badge.priority-urgent").get_text() == "Urgent"
    assert row.select_one("a.phone")["href"] == "tel:+13125550177"
    assert row.select_one("a.phone").get_text() == "(312) 555-0177"
    for expected in [
        "Rosa Diaz",
        "Phone",
        "Bladder/bowel, Leg weakness",
        "New",
        "Nora Nurse",
        "waiting",
        "EST" if timezone.localtime().dst().total_seconds() == 0 else "EDT",
    ]:
        assert expected in text
    headers = [th.get_text(" ", strip=True).lower() for th in page.select("#result_list thead th")][1:]
    assert headers == [
        "reference",
        "received",
        "name",
        "phone",
        "contact",
        "warning signs",
        "priority",
        "status",
        "assignee",
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status__exact": "contacted"}, ["contacted"]),
        ({"priority__exact": "urgent"}, ["urgent"]),
        ({"assigned": "me"}, ["mine"]),
        ({"assigned": "nobody"}, ["urgent", "contacted", "old", "topic"]),
        ({"overdue": "yes"}, ["old"]),
        ({"overdue": "no"}, ["urgent", "contacted", "mine", "topic"]),
    ],
)
def test_queue_filters(nurse_client, nurse, params, expected):
    now = timezone.now()
    named = {
        "urgent": make_consultation(red_flags=["fall_injury"]),
        "contacted": make_consultation(status=Status.CONTACTED, created_at=now - datetime.timedelta(days=10)),
        "mine": make_consultation(assigned_to=nurse),
        "old": make_consultation(created_at=now - datetime.timedelta(days=10)),
        "topic": make_consultation(topic=make_topic(slug="fusion")),
    }
    by_reference = {c.reference: name for name, c in named.items()}

    response = nurse_client.get(QUEUE, params)

    assert sorted(by_reference[ref] for ref in queue_references(response)) == sorted(expected)


def test_queue_filters_by_topic_and_received_date(nurse_client):
    topic = make_topic(slug="stimulation")
    recent = make_consultation(topic=topic)
    make_consultation(created_at=timezone.now() - datetime.timedelta(days=40))

    by_topic = nurse_client.get(QUEUE, {"topic__id__exact": topic.pk})
    queue = BeautifulSoup(nurse_client.get(QUEUE).content, "html.parser")
    past_7_days = queue.find("a", string="Past 7 days")["href"]  # the received-date filter's own link
    last_week = nurse_client.get(QUEUE + past_7_days)

    assert queue_references(by_topic) == [recent.reference]
    assert queue_references(last_week) == [recent.reference]


@pytest.mark.parametrize("field", ["reference", "full_name", "email", "phone"])
def test_queue_search(nurse_client, field):
    wanted = make_consultation(full_name="Rosa Searchable", email="rosa@example.org", phone="+12025550143")
    make_consultation()
    query = {"reference": wanted.reference, "full_name": "Searchable", "email": "rosa@", "phone": "2025550143"}[field]

    assert queue_references(nurse_client.get(QUEUE, {"q": query})) == [wanted.reference]


def test_counts_at_a_glance(nurse_client):
    make_consultation()
    make_consultation(red_flags=["leg_weakness"])
    make_consultation(created_at=timezone.now() - datetime.timedelta(days=10))
    make_consultation(status=Status.CONTACTED, red_flags=["leg_weakness"])
    make_consultation(status=Status.CLOSED, outcome=Outcome.SPAM)

    views = {view["label"]: view["count"] for view in nurse_client.get(QUEUE).context["queue_views"]}

    assert views == {
        "Open work": 4,
        "My open": 0,
        "Unassigned": 4,
        "Urgent": 2,
        "Waiting on the patient": 1,
        "Booked": 0,
        "Closed": 1,
        "All": 5,
    }


def test_requests_past_the_response_promise_are_marked_overdue(nurse_client, clinic):
    clinic.response_business_days = 2
    clinic.save()
    old = make_consultation(created_at=timezone.now() - datetime.timedelta(days=6))
    make_consultation(created_at=timezone.now() - datetime.timedelta(days=6), status=Status.CONTACTED)
    make_consultation()

    page = BeautifulSoup(nurse_client.get(QUEUE).content, "html.parser")
    overdue_rows = [row for row in page.select("#result_list tbody tr") if row.select_one(".badge.overdue")]

    assert len(overdue_rows) == 1 and old.reference in overdue_rows[0].get_text()
    assert old.is_overdue


def test_queue_stays_within_the_query_budget_with_3000_requests(nurse_client, django_assert_max_num_queries):
    topic = make_topic()
    article = make_article()
    ConsultationRequest.objects.bulk_create(
        ConsultationRequest(
            reference=f"BR-{number:06d}",
            submission_token=f"00000000-0000-4000-8000-{number:012d}",
            full_name="Load Test",
            email=f"load{number}@example.org",
            preferred_contact="email",
            had_spine_surgery="no",
            message="x",
            topic=topic,
            article=article,
            priority=Priority.URGENT if number % 7 == 0 else Priority.NORMAL,
            created_at=timezone.now() - datetime.timedelta(minutes=number),
        )
        for number in range(3000)
    )

    # The first page also reads the clinic's closures into the (empty) cache: one query more.
    # Each listing writes one access record (one INSERT), counted here.
    with django_assert_max_num_queries(14):
        response = nurse_client.get(QUEUE)
    with django_assert_max_num_queries(13):
        filtered = nurse_client.get(QUEUE, {"overdue": "yes", "priority__exact": "urgent", "assigned": "nobody"})

    assert response.status_code == filtered.status_code == 200
    assert len(response.context["cl"].result_list) == 50
    assert all(c.priority == Priority.URGENT for c in filtered.context["cl"].result_list)


# --- Actions ------------------------------------------------------------------


def test_assign_to_me_records_who_assigned(nurse_client, nurse):
    consultation = make_consultation()

    action(nurse_client, "assign_to_me", consultation)

    consultation.refresh_from_db()
    assert consultation.assigned_to == nurse
    event = consultation.events.get(kind=RequestEvent.Kind.ASSIGNMENT)
    assert (event.actor_name, event.new_value) == ("Nora Nurse", "Nora Nurse")


def test_mark_contacted_and_scheduled_follow_the_path(nurse_client):
    consultation = make_consultation()

    action(nurse_client, "mark_contacted", consultation)
    action(nurse_client, "mark_scheduled", consultation)

    consultation.refresh_from_db()
    assert consultation.status == Status.SCHEDULED
    assert list(consultation.events.filter(kind="status").values_list("old_value", "new_value")) == [
        ("new", "contacted"),
        ("contacted", "scheduled"),
    ]


def test_an_action_the_path_does_not_allow_is_refused_with_a_message(nurse_client):
    consultation = make_consultation()

    response = action(nurse_client, "mark_scheduled", consultation)

    consultation.refresh_from_db()
    assert consultation.status == Status.NEW
    assert f"triage path does not allow it from their status: {consultation.reference}" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "outcome"),
    [
        ("close_booked", Outcome.BOOKED),
        ("close_not_a_candidate", Outcome.NOT_A_CANDIDATE),
        ("close_could_not_reach", Outcome.COULD_NOT_REACH),
        ("close_duplicate", Outcome.DUPLICATE),
    ],
)
def test_closing_records_the_outcome(nurse_client, name, outcome):
    consultation = make_consultation(status=Status.CONTACTED)

    action(nurse_client, name, consultation)

    consultation.refresh_from_db()
    assert (consultation.status, consultation.outcome) == (Status.CLOSED, outcome)
    assert consultation.closed_at is not None
    assert consultation.full_name  # only spam loses the details


def test_marking_as_spam_keeps_only_the_reference_and_the_fact(nurse_client):
    consultation = make_consultation(full_name="Spammy", phone="+12025550143", red_flags=["leg_weakness"])
    consultation.add_note("looks fake", by=None)

    action(nurse_client, "mark_as_spam", consultation)

    consultation.refresh_from_db()
    assert (consultation.status, consultation.outcome) == (Status.CLOSED, Outcome.SPAM)
    assert consultation.full_name == consultation.email == consultation.message == ""
    assert not consultation.phone and consultation.red_flags == []
    assert not consultation.notes.exists()
    assert consultation.events.filter(kind=RequestEvent.Kind.SPAM).exists()


def test_export_needs_the_export_permission_which_triage_staff_carry(nurse_client, django_user_model):
    make_consultation()
    reader = django_user_model.objects.create_user("reader", password="x", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_consultationrequest"))
    client = Client()
    client.force_login(reader)

    action_form = client.get(QUEUE).context["action_form"]  # None: no action at all for a reader
    assert action_form is None or "export_csv" not in dict(action_form.fields["action"].choices)
    actions = [value for value, _ in nurse_client.get(QUEUE).context["action_form"].fields["action"].choices]
    assert {"export_csv", "export_xlsx"} <= set(actions)
    assert Group.objects.get(name=TRIAGE_STAFF).permissions.filter(codename="export_consultationrequest").exists()


def test_export_writes_the_selected_requests_and_records_the_export(nurse_client, nurse):
    nurse.user_permissions.add(Permission.objects.get(codename="export_consultationrequest"))
    hostile = make_consultation(full_name='=HYPERLINK("http://evil")', message="+SUM(A1)", email="@x.org")
    other = make_consultation(full_name="-2+3")
    make_consultation(full_name="Not selected")

    response = action(nurse_client, "export_csv", hostile, other, follow=False)

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert sorted(row["reference"] for row in rows) == sorted([hostile.reference, other.reference])
    names = {row["full name"] for row in rows}
    assert names == {'\'=HYPERLINK("http://evil")', "'-2+3"}
    assert {row["message"] for row in rows} >= {"'+SUM(A1)"}
    assert RequestEvent.objects.filter(kind=RequestEvent.Kind.EXPORT, actor=nurse).count() == 2


# --- One request --------------------------------------------------------------


def test_change_form_moves_status_and_records_priority_and_assignment(nurse_client, nurse):
    consultation = make_consultation()

    response = nurse_client.post(
        change_url(consultation),
        change_form_data(nurse_client, consultation, status="in_review", priority="urgent", assigned_to=nurse.pk),
    )

    assert response.status_code == 302
    consultation.refresh_from_db()
    assert (consultation.status, consultation.priority, consultation.assigned_to) == ("in_review", "urgent", nurse)
    kinds = list(consultation.events.values_list("kind", flat=True))
    assert kinds == ["created", "priority", "assignment", "status"]


def test_change_form_refuses_a_move_back_with_a_clear_message(nurse_client):
    consultation = make_consultation(status=Status.SCHEDULED)

    response = nurse_client.post(change_url(consultation), change_form_data(nurse_client, consultation, status="new"))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["status"]
    assert "cannot move to “New”" in errors[0]
    consultation.refresh_from_db()
    assert consultation.status == Status.SCHEDULED


def test_closing_needs_an_outcome(nurse_client):
    consultation = make_consultation(status=Status.CONTACTED)

    response = nurse_client.post(
        change_url(consultation), change_form_data(nurse_client, consultation, status="closed")
    )

    assert response.context["adminform"].form.errors["outcome"] == ["Choose an outcome to close the request."]
    response = nurse_client.post(
        change_url(consultation), change_form_data(nurse_client, consultation, status="closed", outcome="booked")
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.outcome == Outcome.BOOKED


def test_notes_are_appended_with_author_and_time_and_cannot_be_changed(nurse_client, nurse):
    consultation = make_consultation()

    nurse_client.post(
        change_url(consultation), change_form_data(nurse_client, consultation, **{"notes-0-text": "Called, no answer"})
    )

    note = InternalNote.objects.get()
    assert (note.text, note.author, note.author_name) == ("Called, no answer", nurse, "Nora Nurse")
    assert consultation.events.filter(kind=RequestEvent.Kind.NOTE, actor=nurse).exists()
    page = BeautifulSoup(nurse_client.get(change_url(consultation)).content, "html.parser")
    assert not page.find("textarea", string="Called, no answer")  # shown as text, not an editable field
    assert "Called, no answer" in page.get_text()
    assert not page.find("input", attrs={"name": "notes-0-DELETE"})


def test_timeline_shows_everything_and_survives_the_staff_account(nurse_client, nurse, django_user_model):
    consultation = make_consultation()
    action(nurse_client, "assign_to_me", consultation)
    action(nurse_client, "mark_contacted", consultation)
    consultation.add_note("Booked for Tuesday", by=nurse)

    nurse.delete()

    admin = django_user_model.objects.create_superuser("boss", password="y" * 16)
    nurse_client.force_login(admin)
    page = BeautifulSoup(nurse_client.get(change_url(consultation)).content, "html.parser")
    timeline = page.find(id="events-group").get_text(" ", strip=True)
    for text in ["Received", "Patient, through the website", "Assigned", "Status changed", "New → Contacted"]:
        assert text in timeline
    assert timeline.count("Nora Nurse") == 4  # who assigned, to whom, who moved it, who noted: after the account


def test_patient_text_is_escaped_and_warning_signs_stand_out(nurse_client):
    consultation = make_consultation(
        message="<script>alert(1)</script>\u202eevil", red_flags=["bladder_bowel", "groin_numbness"]
    )

    content = nurse_client.get(change_url(consultation)).content.decode()
    page = BeautifulSoup(content, "html.parser")

    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert page.select_one(".patient-text")["dir"] == "auto"
    assert [badge.get_text() for badge in page.select(".badge.red-flag")] == [
        "New loss of bladder or bowel control",
        "Numbness in the groin or inner thighs",
    ]


def test_a_closed_request_stays_closed(nurse_client):
    consultation = make_consultation(status=Status.CLOSED, outcome=Outcome.BOOKED)

    nurse_client.post(change_url(consultation), change_form_data(nurse_client, consultation, status="new", outcome=""))

    consultation.refresh_from_db()
    assert (consultation.status, consultation.outcome) == (Status.CLOSED, Outcome.BOOKED)


# --- What the content team may learn ---------------------------------------------


def test_editors_see_request_counts_per_article_in_one_query(client, django_user_model, clinic):
    editor = make_staff(django_user_model, "writer", CONTENT_EDITORS)
    client.force_login(editor)
    helpful = make_article(title="Helpful")
    now = timezone.now()
    for days in [1, 5, 45, 120]:
        make_consultation(article=helpful, created_at=now - datetime.timedelta(days=days), full_name="Zed Private")
    make_consultation(article=helpful, status=Status.CLOSED, outcome=Outcome.SPAM)

    response = client.get(reverse("admin:education_article_changelist"))
    row = {a.title: a for a in response.context["cl"].result_list}["Helpful"]

    assert (row.requests_30, row.requests_90) == (2, 3)
    assert "Zed Private" not in response.content.decode()


def test_article_request_counts_cost_no_query_per_article(admin_client, clinic):
    def queries_for_article_list():
        with CaptureQueriesContext(connection) as queries:
            admin_client.get(reverse("admin:education_article_changelist"))
        return len(queries)

    make_consultation(article=make_article())
    with_one = queries_for_article_list()
    for _ in range(30):
        make_consultation(article=make_article())

    assert queries_for_article_list() == with_one
