"""Property-based tests: no input, however odd, makes the form or the page fail."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import from_form

from appointments.models import ConsultationRequest, RedFlag
from appointments.requests.forms import ConsultationRequestForm
from tests.factories import form_token

pytestmark = pytest.mark.django_db

HYPOTHESIS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
odd_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=300) | st.sampled_from(
    ["", " ", "\u202e", "<script>alert(1)</script>", "x" * 5000, "\x00", "🔥" * 50, "+1 (202) 555-0143"]
)


def maybe(values):
    return st.sampled_from(values) | odd_text


form_data = st.fixed_dictionaries(
    {
        "full_name": odd_text,
        "email": maybe(["maria@example.org", "a@b", "not an email"]),
        "phone": maybe(["(202) 555-0143", "+44 20 7946 0958", "12345"]),
        "preferred_contact": maybe(["email", "phone"]),
        "preferred_times": maybe(["mornings", "afternoons", "any"]),
        "topic": maybe(["spinal-fusion", "other"]),
        "had_spine_surgery": maybe([choice for choice, _ in ConsultationRequest.SpineSurgery.choices]),
        "message": odd_text,
        "red_flags": st.lists(maybe([*RedFlag.values, "none"]), max_size=7),
        "consent": maybe(["on", "true"]),
    }
)


@HYPOTHESIS
@given(data=form_data)
def test_any_input_is_either_accepted_cleanly_or_refused_with_messages(topic, data):
    form = ConsultationRequestForm(data=data)

    if form.is_valid():
        cleaned = form.cleaned_data
        assert cleaned["email"] or cleaned["phone"]
        assert 0 < len(cleaned["message"]) <= ConsultationRequest.MESSAGE_MAX_LENGTH
        assert set(cleaned["red_flags"]) <= set(RedFlag.values)
        assert "\x00" not in cleaned["full_name"] + cleaned["message"]
    else:
        assert all(messages for messages in form.errors.values())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=form_data)
def test_the_page_never_answers_with_a_server_error(client, topic, data):
    data = {**data, "form_token": form_token()}

    response = client.post("/appointments/request/", data)

    assert response.status_code in (200, 303)


@HYPOTHESIS
@given(
    form=from_form(
        ConsultationRequestForm,
        phone=st.sampled_from(["(202) 555-0143", "", "12345"]) | st.text(max_size=30),
        red_flags=st.lists(st.sampled_from([*RedFlag.values, "none"])),
    )
)
def test_forms_built_from_the_fields_own_choices_validate_without_raising(topic, form):
    if form.is_valid():
        consultation = form.save(commit=False)
        assert consultation.priority_for(consultation.red_flags) in ConsultationRequest.Priority.values
