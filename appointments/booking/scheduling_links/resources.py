"""SMART Scheduling Links (HL7 FHIR implementation guide, STU 1): the clinic's open times as FHIR R4.

One Location (the clinic), one Schedule per active clinician, one Slot per free time of the next
four weeks, from `appointments.booking.free_slots`, the function patients book from, with the times
held back for urgent requests left out. Nothing personal: no appointment, request or patient; busy
times are left out rather than published as busy.
"""

import hashlib
import json
from datetime import UTC, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from clinic.models import ClinicProfile
from clinic.phone import e164
from education.structured_data import address_parts

from ..free_times import Slot, free_slots, held_back
from ..models import Clinician

GUIDE = "http://hl7.org/fhir/uv/smart-scheduling-links/StructureDefinition"
BOOKING_DEEP_LINK = f"{GUIDE}/booking-deep-link"
BOOKING_PHONE = f"{GUIDE}/booking-phone"
PROFILES = {
    "Location": f"{GUIDE}/smart-scheduling-location",
    "Schedule": f"{GUIDE}/smart-scheduling-schedule",
    "Slot": f"{GUIDE}/smart-scheduling-slot",
}
RESOURCE_TYPES = ("Location", "Schedule", "Slot")
# The guide's content types: the manifest is JSON, each file FHIR NDJSON.
CONTENT_TYPES = {"manifest": "application/json", **dict.fromkeys(RESOURCE_TYPES, "application/fhir+ndjson")}
DAYS = 28  # four weeks, today included
LOCATION_ID = "clinic"
SERVICE = "Spine and pain consultation"


def site_url(path):
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def file_url(resource_type):
    return site_url(reverse("scheduling-links-file", kwargs={"resource_type": resource_type}))


def manifest_url():
    return site_url(reverse("scheduling-links-manifest"))


def location(clinic):
    resource = {
        "resourceType": "Location",
        "id": LOCATION_ID,
        "meta": {"profile": [PROFILES["Location"]]},
        "name": clinic.name,
        "telecom": [{"system": "url", "value": site_url(reverse("home"))}],
    }
    if phone := e164(clinic.phone):
        resource["telecom"].insert(0, {"system": "phone", "value": phone})
    if parts := address_parts(clinic.address):
        address = {"line": parts["lines"], "country": settings.PHONENUMBER_DEFAULT_REGION}
        if "city" in parts:
            address.update(city=parts["city"], state=parts["region"], postalCode=parts["postcode"])
        resource["address"] = address
    return resource


def schedule_id(clinician):
    return f"clinician-{clinician.pk}"


def schedule(clinician):
    service = f"{SERVICE} (video call)" if clinician.is_telehealth else SERVICE
    return {
        "resourceType": "Schedule",
        "id": schedule_id(clinician),
        "meta": {"profile": [PROFILES["Schedule"]]},
        "serviceType": [{"text": service}],
        "actor": [{"reference": f"Location/{LOCATION_ID}", "display": "the clinic"}],
    }


def booking_link(slot):
    """Where a new patient asks for a consultation with this time chosen (the request form, for now)."""
    return site_url(f"{reverse('appointments:request')}?slot={slot.key}")


def slot(free, phone):
    local = timezone.localtime(free.starts_at)
    extensions = [{"url": BOOKING_DEEP_LINK, "valueUrl": booking_link(free)}]
    if phone:
        extensions.append({"url": BOOKING_PHONE, "valueString": phone})
    return {
        "resourceType": "Slot",
        "id": free.key,
        "meta": {"profile": [PROFILES["Slot"]]},
        "extension": extensions,
        "schedule": {"reference": f"Schedule/{schedule_id(free.clinician)}"},
        "status": "free",
        "start": local.isoformat(),
        "end": timezone.localtime(free.ends_at).isoformat(),
    }


def free_times(clinicians, clinic, now):
    """The free times the public may book: held-back urgent times left out, soonest first."""
    today = timezone.localdate(now)
    last_day = today + timedelta(days=DAYS - 1)
    times = []
    for clinician in clinicians:
        starts = free_slots(clinician, today, last_day, now=now, clinic=clinic)
        hidden = held_back(starts, now=now, clinic=clinic)
        times += [Slot(clinician, start) for start in starts if start not in hidden]
    times.sort(key=lambda free: (free.starts_at, free.clinician.pk))
    return times


def ndjson(resources):
    return "".join(json.dumps(item, separators=(",", ":"), ensure_ascii=False) + "\n" for item in resources).encode()


def build(now=None):
    """Every file of the publication: {"manifest": bytes, "Location": bytes, "Schedule": ..., "Slot": ...}."""
    now = now or timezone.now()
    clinic = ClinicProfile.load()
    clinicians = list(Clinician.objects.filter(active=True).prefetch_related("working_hours").order_by("pk"))
    phone = e164(clinic.phone)
    files = {
        "Location": ndjson([location(clinic)]),
        "Schedule": ndjson(schedule(clinician) for clinician in clinicians),
        "Slot": ndjson(slot(free, phone) for free in free_times(clinicians, clinic, now)),
    }
    manifest = {
        "transactionTime": now.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "request": manifest_url(),
        "output": [{"type": kind, "url": file_url(kind)} for kind in RESOURCE_TYPES],
        "error": [],
    }
    files["manifest"] = json.dumps(manifest, indent=2).encode() + b"\n"
    return files


def etag(body):
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'
