"""SMART Scheduling Links: the manifest and its Location, Schedule and Slot files, validated with
fhir.resources (FHIR R4B models) and against the implementation guide's conformance statements."""

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import phonenumbers
import pytest
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from appointments import booking
from appointments.booking import free_slots, scheduling_links
from appointments.booking.free_times import held_back
from appointments.booking.scheduling_links import resources
from appointments.models import ConsultationRequest, TimeOff
from clinic.models import ClinicProfile
from tests.factories import make_clinic, make_clinician, make_consultation

pytestmark = pytest.mark.django_db

GUIDE = "http://hl7.org/fhir/uv/smart-scheduling-links/StructureDefinition"
MANIFEST = "/fhir/$bulk-publish"
SITE = "https://clinic.example.org"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE
    settings.APPOINTMENTS_SCHEDULING_LINKS_DEBOUNCE_SECONDS = 0


@pytest.fixture
def clinic(db):
    return make_clinic(
        name="BEST Health System",
        phone="(555) 010-0142",
        address="100 Example Avenue, Suite 200\nSpringfield, ST 00000",
    )


@pytest.fixture
def clinicians(clinic):
    return [make_clinician(name="Dr. Ana Rivera"), make_clinician(name="Dr. Sam Lee", place="telehealth")]


def read_manifest(client):
    response = client.get(MANIFEST)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def read_file(client, url):
    path = urlsplit(url).path
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+ndjson"
    body = response.content.decode("utf-8")
    assert body.endswith("\n") and "\n\n" not in body  # NDJSON: one resource per line
    return [json.loads(line) for line in body.splitlines()]


def publication(client):
    manifest = read_manifest(client)
    return manifest, {entry["type"]: read_file(client, entry["url"]) for entry in manifest["output"]}


def validate(resource):
    """fhir.resources checks structure and types (FHIR R4B, the same Slot/Schedule/Location as R4)."""
    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def extension(resource, name):
    (value,) = [item for item in resource.get("extension", []) if item["url"] == f"{GUIDE}/{name}"]
    return value


def test_the_manifest_has_the_guides_shape(client, clinicians):
    scheduling_links.publish()

    manifest = read_manifest(client)

    assert set(manifest) == {"transactionTime", "request", "output", "error"}
    moment = timezone.datetime.fromisoformat(manifest["transactionTime"])
    assert moment.tzinfo is not None and abs(timezone.now() - moment) < timedelta(minutes=5)
    assert manifest["request"] == f"{SITE}/fhir/$bulk-publish"
    assert manifest["request"].endswith("$bulk-publish")
    assert [entry["type"] for entry in manifest["output"]] == ["Location", "Schedule", "Slot"]
    for entry in manifest["output"]:
        assert set(entry) == {"type", "url"}
        assert entry["url"].startswith(f"{SITE}/")  # absolute, from the configured site, not the request
    assert manifest["error"] == []


def test_every_resource_is_valid_fhir_and_follows_the_guide(client, clinicians):
    scheduling_links.publish()

    _, files = publication(client)

    (location,) = files["Location"]
    validate(location)
    assert location["meta"]["profile"] == [f"{GUIDE}/smart-scheduling-location"]
    assert location["name"] == "BEST Health System"
    phone = [item["value"] for item in location["telecom"] if item["system"] == "phone"]
    assert phone == ["+15550100142"]
    assert location["address"] == {
        "line": ["100 Example Avenue, Suite 200"],
        "city": "Springfield",
        "state": "ST",
        "postalCode": "00000",
        "country": "US",
    }
    schedules = files["Schedule"]
    assert len(schedules) == 2  # one per active clinician
    for schedule in schedules:
        validate(schedule)
        assert schedule["meta"]["profile"] == [f"{GUIDE}/smart-scheduling-schedule"]
        assert schedule["serviceType"] and schedule["actor"] == [
            {"reference": f"Location/{location['id']}", "display": "the clinic"}
        ]
    schedule_refs = {f"Schedule/{schedule['id']}" for schedule in schedules}
    assert files["Slot"]
    for slot in files["Slot"]:
        model = validate(slot)
        assert slot["meta"]["profile"] == [f"{GUIDE}/smart-scheduling-slot"]
        assert slot["status"] == "free"  # fhir.resources does not check value sets
        assert slot["schedule"]["reference"] in schedule_refs
        assert model.start.utcoffset() is not None and model.end > model.start  # with offsets
        link = extension(slot, "booking-deep-link")["valueUrl"]
        assert link.startswith(f"{SITE}/appointments/request/?slot=")
        number = phonenumbers.parse(extension(slot, "booking-phone")["valueString"], None)
        assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == "+15550100142"


def test_slots_are_the_free_times_patients_book_from_for_four_weeks_without_held_back_ones(client, clinic):
    clinic.urgent_slots_per_day = 2
    clinic.save()
    clinician = make_clinician(weekdays=range(7))
    scheduling_links.publish()
    now = timezone.now()
    today = timezone.localdate(now)
    expected = free_slots(clinician, today, today + timedelta(days=27), now=now, clinic=ClinicProfile.load())
    hidden = held_back(expected, now=now, clinic=ClinicProfile.load())
    assert hidden  # the clinic holds some back

    _, files = publication(client)
    starts = [timezone.datetime.fromisoformat(slot["start"]) for slot in files["Slot"]]

    assert starts == [start for start in expected if start not in hidden]
    assert max(starts) < now + timedelta(days=29)
    for slot in files["Slot"]:  # the deep link names the very time, in the booking code's own form
        (key,) = parse_qs(urlsplit(extension(slot, "booking-deep-link")["valueUrl"]).query)["slot"]
        assert booking.parse_slot_key(key) == (clinician.pk, timezone.datetime.fromisoformat(slot["start"]))
    link = urlsplit(extension(files["Slot"][0], "booking-deep-link")["valueUrl"])
    assert client.get(f"{link.path}?{link.query}").status_code == 200  # a page a new patient can use


def test_nothing_personal_is_published(client, clinicians):
    consultation = make_consultation(full_name="Maria Example", email="maria@example.org", phone="+12025550143")
    slot = booking.offerable_slots(urgent=False, limit=1)[0]
    booking.book_for_patient(consultation, slot, by=None)
    scheduling_links.publish()

    _, files = publication(client)
    everything = json.dumps(files)

    for private in ("Maria", "maria@example.org", "2025550143", consultation.reference, "Appointment", "Patient"):
        assert private not in everything
    assert slot.key not in {item["id"] for item in files["Slot"]}  # the booked time is not offered


def test_a_booking_rebuilds_the_files_through_the_worker(
    client, clinicians, django_capture_on_commit_callbacks, run_worker
):
    scheduling_links.publish()
    _, before = publication(client)
    slot = booking.offerable_slots(urgent=False, limit=1)[0]
    consultation = make_consultation()

    with django_capture_on_commit_callbacks(execute=True):
        appointment = booking.book_for_patient(consultation, slot, by=None)
    run_worker()

    _, after = publication(client)
    assert slot.key in {item["id"] for item in before["Slot"]}
    assert slot.key not in {item["id"] for item in after["Slot"]}

    with django_capture_on_commit_callbacks(execute=True):
        booking.cancel(appointment, by=None)
    run_worker()
    _, again = publication(client)
    assert slot.key in {item["id"] for item in again["Slot"]}


def test_a_burst_of_changes_queues_one_rebuild(clinicians, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        for clinician in clinicians:
            TimeOff.objects.create(
                clinician=clinician, starts_at=timezone.now(), ends_at=timezone.now() + timedelta(days=2)
            )
        consultation = make_consultation()
        booking.book_for_patient(consultation, booking.offerable_slots(urgent=False, limit=1)[0], by=None)

    queued = DBTaskResult.objects.filter(task_path__endswith="refresh_scheduling_links")
    assert queued.count() == 1
    assert ConsultationRequest.objects.count() == 1


def test_the_files_are_served_with_etag_and_cache_control_and_answer_304(client, clinicians):
    scheduling_links.publish()
    for path in [MANIFEST, "/fhir/Location.ndjson", "/fhir/Schedule.ndjson", "/fhir/Slot.ndjson"]:
        response = client.get(path)
        assert response["ETag"]
        assert "max-age" in response["Cache-Control"] and "public" in response["Cache-Control"]

        again = client.get(path, HTTP_IF_NONE_MATCH=response["ETag"])

        assert again.status_code == 304


def test_the_files_are_read_from_the_cache_without_the_database(client, clinicians, django_assert_num_queries):
    scheduling_links.publish()

    with django_assert_num_queries(0):
        assert client.get("/fhir/Slot.ndjson").status_code == 200


def test_the_periodic_job_is_registered_and_a_fresh_site_answers_without_it(client, clinicians):
    from clinic.worker import periodic_commands

    assert "publish_scheduling_links" in {job.name for job in periodic_commands()}
    _, files = publication(client)  # nothing published yet: built on the spot
    assert files["Schedule"]


@pytest.mark.parametrize("path", ["/fhir/Patient.ndjson", "/fhir/..ndjson", "/fhir/Slot.ndjson.bak"])
def test_unknown_files_are_not_found(client, clinic, path):
    assert client.get(path).status_code == 404


def test_only_get_and_head(client, clinic):
    assert client.post(MANIFEST).status_code == 405
    assert resources.CONTENT_TYPES["Slot"] == "application/fhir+ndjson"
