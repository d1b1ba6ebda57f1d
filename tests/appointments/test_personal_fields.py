"""Keeping only what is needed: one list of personal fields drives "Close as spam"."""

import pytest
from django.urls import reverse

from appointments.models import ConsultationRequest, RequestEvent
from tests.factories import make_article, make_consultation, make_topic

pytestmark = pytest.mark.django_db


def test_every_field_of_a_request_is_classified_personal_or_not():
    """A new field fails this test until someone decides whether "Close as spam" must blank it."""
    names = {field.name for field in ConsultationRequest._meta.concrete_fields}
    personal, other = set(ConsultationRequest.PERSONAL_FIELDS), set(ConsultationRequest.NOT_PERSONAL_FIELDS)

    assert not personal & other, "a field is in both lists"
    assert names - personal - other == set(), "classify the new field(s) in PERSONAL_FIELDS or NOT_PERSONAL_FIELDS"
    assert (personal | other) - names == set(), "a listed field no longer exists"


def test_close_as_spam_blanks_every_personal_field_and_resets_the_priority(admin_client, clinic):
    earlier = make_consultation(email="same@example.org")
    consultation = make_consultation(
        full_name="Spammy",
        email="same@example.org",
        phone="+12025550143",
        preferred_contact="phone",
        preferred_times="mornings",
        topic=make_topic(),
        article=make_article(),
        had_spine_surgery="under_6_months",
        message="Buy now",
        red_flags=["leg_weakness"],
        possible_duplicate_of=earlier,
        worse_since_last_request=True,
    )

    admin_client.post(
        reverse("admin:appointments_consultationrequest_changelist"),
        {"action": "mark_as_spam", "_selected_action": [consultation.pk]},
    )

    consultation.refresh_from_db()
    for name in ConsultationRequest.PERSONAL_FIELDS:
        value = getattr(consultation, name)
        assert value in ("", None, [], False), f"{name} still holds {value!r}"
    assert consultation.priority == ConsultationRequest.Priority.NORMAL
    assert (consultation.status, consultation.outcome) == ("closed", "spam")
    assert consultation.reference and consultation.events.filter(kind=RequestEvent.Kind.SPAM).exists()
