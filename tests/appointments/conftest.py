import time
import uuid

import pytest
from django.core import signing

from tests.factories import make_article, make_topic


def form_token(*, age=60, submission_id=None):
    """A token like the form carries, issued `age` seconds ago."""
    payload = {"id": (submission_id or uuid.uuid4()).hex, "t": time.time() - age}
    return signing.dumps(payload, salt="appointments.request-form")


@pytest.fixture
def topic(db):
    return make_topic(name="Spinal fusion", slug="spinal-fusion")


@pytest.fixture
def article(clinic, topic):
    other = make_topic(name="Chronic pain", slug="chronic-pain")
    return make_article(
        title="Why Am I Experiencing Pain After a Spinal Fusion?",
        slug="why-pain-after-spinal-fusion",
        topics=[topic, other],
        main_topic=topic,
    )


@pytest.fixture
def valid_data(clinic, topic):
    """What a patient who fills in every question sends."""

    def build(**overrides):
        data = {
            "full_name": "Maria Example",
            "email": "maria@example.org",
            "phone": "(202) 555-0143",
            "preferred_contact": "phone",
            "preferred_times": "mornings",
            "topic": "spinal-fusion",
            "had_spine_surgery": "under_2_years",
            "message": "My lower back still hurts a year after my fusion.",
            "red_flags": ["none"],
            "consent": "on",
            "website": "",
            "form_token": form_token(),
        }
        data.update(overrides)
        return {key: value for key, value in data.items() if value is not None}

    return build
