"""Small keyword-only helpers that make test data with sensible defaults."""

import datetime
import itertools
import time
import uuid

from django.core import signing
from django.utils import timezone

from clinic.models import ClinicProfile
from education.models import Article, Section, Topic

_sequence = itertools.count(1)


def make_clinic(**fields):
    defaults = {
        "name": "Test Spine Clinic",
        "tagline": "Spine care",
        "phone": "(555) 010-0199",
        "address": "1 Test Street",
        "emergency_notice": "In an emergency, call 911 or go to the nearest emergency room.",
    }
    clinic = ClinicProfile(**{**defaults, **fields})
    clinic.save()
    return clinic


def make_topic(*, name=None, slug=None, kind=Topic.Kind.CONDITION, description="", has_warning_signs=False):
    number = next(_sequence)
    name = name or f"Topic {number}"
    return Topic.objects.create(
        name=name,
        slug=slug or f"topic-{number}",
        kind=kind,
        description=description,
        has_warning_signs=has_warning_signs,
    )


def make_article(
    *,
    title=None,
    slug=None,
    summary="A plain-language summary that tells patients what the article covers.",
    status=Article.Status.PUBLISHED,
    published_at=None,
    topics=(),
    sections=(("What it is", "Some text about it."),),
    reviewed_by="Dr. Test Reviewer, MD",
    last_reviewed="recently",
    signed_off=True,
    **fields,
):
    number = next(_sequence)
    if last_reviewed == "recently":  # relative to now: the suite also runs with the clock years ahead
        last_reviewed = timezone.localdate() - datetime.timedelta(days=60)
    if published_at is None and status == Article.Status.PUBLISHED:
        published_at = timezone.now() - datetime.timedelta(days=1)
    article = Article.objects.create(
        title=title or f"Article {number}",
        slug=slug or f"article-{number}",
        summary=summary,
        status=status,
        published_at=published_at,
        reviewed_by=reviewed_by,
        last_reviewed=last_reviewed,
        **fields,
    )
    article.topics.set(topics)
    Section.objects.bulk_create(
        Section(article=article, order=position, heading=heading, body=body)
        for position, (heading, body) in enumerate(sections, start=1)
    )
    if signed_off:  # a clinical reviewer approved the text it was made with
        sign_off_text(article)
    return article


def sign_off_text(article, content=None):
    """Test setup: a clinical reviewer approved `content` (the article's editing content by default)."""
    from education.clinical_review import fingerprint
    from education.content import editing_content
    from education.models import ClinicalSignOff

    content = content or editing_content(Article.objects.get(pk=article.pk))  # its draft as saved now
    return ClinicalSignOff.objects.create(
        article=article,
        content=content.to_json(),
        before={},
        fingerprint=fingerprint(content),
        state=ClinicalSignOff.State.APPROVED,
        decided_by_name="Dr. Test Reviewer, MD",
        decided_at=timezone.now(),
    )


def make_scheduled_article(*, after=datetime.timedelta(days=2), **fields):
    """A new article scheduled through publishing to go live `after` from now (a draft until then)."""
    from education import publishing

    article = make_article(status=Article.Status.DRAFT, **fields)
    publishing.publish(article, by=None, at=timezone.now() + after, accept_warnings=True)
    return article


def make_consultation(*, created_at=None, **fields):
    """A consultation request as the public form would store it, with its "received" event."""
    from appointments.models import ConsultationRequest, RequestEvent, new_reference

    number = next(_sequence)
    defaults = {
        "reference": new_reference(),
        "submission_token": uuid.uuid4(),
        "full_name": f"Patient {number}",
        "email": f"patient{number}@example.org",
        "phone": "",
        "preferred_contact": ConsultationRequest.ContactMethod.EMAIL,
        "preferred_times": ConsultationRequest.PreferredTimes.ANY,
        "had_spine_surgery": ConsultationRequest.SpineSurgery.NO,
        "message": "My back hurts.",
        "red_flags": [],
    }
    defaults.update(fields)
    if defaults["red_flags"] and "priority" not in fields:
        defaults["priority"] = ConsultationRequest.Priority.URGENT
    consultation = ConsultationRequest.objects.create(created_at=created_at or timezone.now(), **defaults)
    consultation.record(RequestEvent.Kind.CREATED)
    return consultation


def form_token(*, age=60, submission_id=None):
    """A token like the form carries, issued `age` seconds ago."""
    payload = {"id": (submission_id or uuid.uuid4()).hex, "t": time.time() - age}
    return signing.dumps(payload, salt="appointments.request-form")


def make_clinician(*, name="Dr. Ana Rivera", minutes=30, weekdays=range(5), blocks=((9, 17),), **fields):
    """A clinician with the same working hours on each of `weekdays` (blocks of whole hours, clinic time)."""
    from datetime import time as clock

    from appointments.models import Clinician, WorkingHours

    clinician = Clinician.objects.create(name=name, consultation_minutes=minutes, **fields)
    WorkingHours.objects.bulk_create(
        WorkingHours(clinician=clinician, weekday=day, starts=clock(start), ends=clock(end))
        for day in weekdays
        for start, end in blocks
    )
    return clinician


def make_staff(django_user_model, username, role=None, **fields):
    """A staff account, in the role (group) named `role` if given."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(username=username, password="x" * 16, is_staff=True, **fields)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user
