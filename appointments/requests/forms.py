import time
import unicodedata
import uuid
from dataclasses import dataclass

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout
from django import forms
from django.conf import settings
from django.core import signing
from django.core.validators import ProhibitNullCharactersValidator
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.html import format_html
from phonenumber_field.formfields import PhoneNumberField

from education.models import Topic

from .models import ConsultationRequest, RedFlag

NO_RED_FLAGS = "none"
SOMETHING_ELSE = "other"
WARNING_SIGNS_AND_NONE = "You ticked a warning sign and also “None of these”, so please untick one of them."
# Short names for the error summary, one line per field ("Phone number: enter a number we can call").
SUMMARY_LABELS = {
    "full_name": "Name",
    "email": "Email address",
    "phone": "Phone number",
    "preferred_contact": "How to contact you",
    "preferred_times": "Good time to reach you",
    "topic": "Topic",
    "had_spine_surgery": "Spine surgery",
    "message": "What is going on",
    "red_flags": "Warning signs",
    "consent": "Privacy notice",
}
_TOKEN_SALT = "appointments.request-form"
CONTROL_CHARACTERS = (
    "This has a hidden control character in it, often left by copying and pasting. "
    "Please type this answer again, without pasting."
)
# Line breaks and tabs are what people type; other control characters break exports and are never meant.
ALLOWED_CONTROLS = frozenset("\n\r\t")
# The phone number's own check already refuses anything but a number.
FREE_TEXT_FIELDS = ["full_name", "email", "message"]


def refuse_control_characters(text):
    if any(unicodedata.category(c) == "Cc" and c not in ALLOWED_CONTROLS for c in text):
        raise forms.ValidationError(CONTROL_CHARACTERS, code="control_characters")


@dataclass(frozen=True)
class FormToken:
    """What the signed hidden field carries: the form's one-time id and when it was shown."""

    submission_id: uuid.UUID
    issued_at: float
    # Which browser the form was shown to (the browser cookie's value, see views.BROWSER_COOKIE).
    browser: str = ""
    # Issued with a form shown again after a quick post: the person has seen it twice, no timing check.
    second_look: bool = False

    @classmethod
    def issue(cls, browser="", *, second_look=False):
        payload = {"id": uuid.uuid4().hex, "t": time.time(), "b": browser}
        if second_look:
            payload["s"] = 1
        return signing.dumps(payload, salt=_TOKEN_SALT)

    @classmethod
    def read(cls, value):
        """The token in `value`, or None if it is missing or was not signed by us."""
        try:
            payload = signing.loads(value or "", salt=_TOKEN_SALT)
            return cls(
                submission_id=uuid.UUID(payload["id"]),
                issued_at=float(payload["t"]),
                browser=str(payload.get("b") or ""),
                second_look=bool(payload.get("s")),
            )
        except (signing.BadSignature, AttributeError, KeyError, TypeError, ValueError):
            return None

    def shown_to(self, browser):
        return bool(self.browser) and constant_time_compare(self.browser, browser or "")

    def sent_too_fast(self):
        if self.second_look:
            return False
        return time.time() - self.issued_at < settings.APPOINTMENTS_MIN_FORM_SECONDS


class ConsultationRequestForm(forms.ModelForm):
    phone = PhoneNumberField(
        required=False,
        label="Phone number",
        help_text="For example (202) 555-0143.",
        error_messages={"invalid": "Enter a number we can call, for example (202) 555-0143."},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    topic = forms.ChoiceField(
        label="What would you like to talk about?",
        error_messages={"required": "Choose a topic, or “Something else”."},
    )
    red_flags = forms.MultipleChoiceField(
        label="Do you have any of these right now?",
        choices=[*RedFlag.choices, (NO_RED_FLAGS, "None of these")],
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick every one you have. If you have any of them, call 911 or go to the nearest emergency room now.",
        error_messages={"required": "Tick any of these that you have now, or tick “None of these”."},
    )
    consent = forms.BooleanField(
        error_messages={"required": "Please agree to the privacy notice, so that we may use your details to reply."},
    )
    # A field people never see or hear: only bots fill it in.
    website = forms.CharField(required=False, label="Leave this field empty")
    form_token = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = ConsultationRequest
        fields = [
            "full_name",
            "email",
            "phone",
            "preferred_contact",
            "preferred_times",
            "topic",
            "had_spine_surgery",
            "message",
            "red_flags",
        ]
        labels = {
            "full_name": "Your full name",
            "email": "Email address",
            "preferred_contact": "How should we contact you?",
            "preferred_times": "When is a good time to reach you?",
            "had_spine_surgery": "Have you had spine surgery?",
            "message": "What is going on?",
        }
        help_texts = {
            "email": "We use it only to reply to this request.",
            "preferred_times": "We call on weekdays.",
            "message": (
                "In your own words: where it hurts, for how long, and what you have tried. "
                f"Up to {ConsultationRequest.MESSAGE_MAX_LENGTH:,} characters. "
                "Please leave out things we do not need, like insurance or social security numbers."
            ),
        }
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "preferred_contact": forms.RadioSelect,
            "preferred_times": forms.RadioSelect,
            "message": forms.Textarea(attrs={"rows": 6}),
        }
        error_messages = {
            "full_name": {"required": "Please tell us your name."},
            "email": {"invalid": "Enter an email address like name@example.com."},
            "preferred_contact": {"required": "Tell us whether to email you or call you."},
            "preferred_times": {"required": "Tell us when is a good time to reach you."},
            "had_spine_surgery": {"required": "Tell us whether you have had spine surgery."},
            "message": {
                "required": "Tell us a little about what is going on.",
                "max_length": "Please shorten your message to %(limit_value)s characters or fewer "
                "(it has %(show_value)s).",
            },
        }

    def __init__(self, *args, article=None, browser="", **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article
        self.topics = {topic.slug: topic for topic in Topic.objects.order_by("name")}
        self.fields["topic"].choices = [
            ("", "Choose one"),
            *((slug, topic.name) for slug, topic in self.topics.items()),
            (SOMETHING_ELSE, "Something else"),
        ]
        preselected = article and article.primary_topic
        if preselected and not self.is_bound:
            self.initial["topic"] = preselected.slug
        for name in FREE_TEXT_FIELDS:  # one plain message for any control character, NUL included
            field = self.fields[name]
            others = [v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)]
            field.validators = [*others, refuse_control_characters]
        self.fields["had_spine_surgery"].choices = [("", "Choose one"), *ConsultationRequest.SpineSurgery.choices]
        self.fields["preferred_contact"].choices = ConsultationRequest.ContactMethod.choices
        self.fields["consent"].label = format_html(
            'I have read the <a href="{}" target="_blank">privacy notice</a> (opens in a new tab) and agree that '
            "the clinic may use these details to answer my request.",
            reverse("privacy"),
        )
        if not self.is_bound:
            self.initial["form_token"] = FormToken.issue(browser)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset("How we can reach you", "full_name", "email", "phone", "preferred_contact", "preferred_times"),
            Fieldset("About your question", "topic", "had_spine_surgery", "message"),
            Div("red_flags", HTML('{% include "appointments/_red_flag_alert.html" %}'), css_class="red-flags"),
            "consent",
            "form_token",
        )

    def error_summary(self):
        """(anchor, label, message): one short line per field with an error, in the order of the page.

        A message shared by two fields (email or phone missing) is listed once.
        """
        summary = [("", "", message) for message in self.non_field_errors()]
        seen = set()
        for name, field in self.fields.items():
            messages = self.errors.get(name)
            if not messages or messages[0] in seen:
                continue
            seen.add(messages[0])
            grouped = isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple)
            anchor = f"id_{name}_0" if grouped else f"id_{name}"
            summary.append((anchor, SUMMARY_LABELS.get(name, field.label), summary_line(messages[0])))
        return summary

    def posted_warning_signs(self):
        """Whether the post ticked a warning sign, read from the raw data: valid or not, spam or not."""
        if not self.is_bound:
            return False
        data = self.data
        posted = data.getlist("red_flags") if hasattr(data, "getlist") else data.get("red_flags") or []
        return bool(set([posted] if isinstance(posted, str) else posted) & set(RedFlag.values))

    @property
    def token(self):
        return FormToken.read(self.data.get("form_token")) if self.is_bound else None

    @property
    def filled_honeypot(self):
        return bool(self.data.get("website", "").strip())

    def clean_full_name(self):
        return " ".join(self.cleaned_data["full_name"].split())

    def clean_topic(self):
        value = self.cleaned_data["topic"]
        return None if value == SOMETHING_ELSE else self.topics[value]

    def clean_red_flags(self):
        flags = self.cleaned_data["red_flags"]
        if NO_RED_FLAGS in flags and len(flags) > 1:
            # Contradictory answers: ask, never guess (the emergency advice is shown all the same).
            raise forms.ValidationError(WARNING_SIGNS_AND_NONE, code="contradictory")
        return [flag for flag in flags if flag != NO_RED_FLAGS]

    def clean(self):
        cleaned = super().clean()
        email, phone, preferred = cleaned.get("email"), cleaned.get("phone"), cleaned.get("preferred_contact")
        if "email" in cleaned and "phone" in cleaned and not email and not phone:
            message = "Give us an email address or a phone number, so that we can reach you."
            # The same message next to both fields; the summary lists it once.
            self.add_error("email", message)
            self.add_error("phone", message)
        elif preferred == ConsultationRequest.ContactMethod.EMAIL and "email" in cleaned and not email:
            self.add_error("email", "You asked us to email you, so please give your email address.")
        elif preferred == ConsultationRequest.ContactMethod.PHONE and "phone" in cleaned and not phone:
            self.add_error("phone", "You asked us to call you, so please give your phone number.")
        return cleaned


def summary_line(message):
    """A field's message as the second half of "Label: message" (no capital, no closing full stop)."""
    message = message.strip().rstrip(".")
    if message[:2].isupper() or not message:  # an abbreviation such as "PIN"
        return message
    return message[0].lower() + message[1:]
