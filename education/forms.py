"""The admin's forms for articles: the editing form, its sections, a clinical review."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from . import checks
from .content import FIELD_NAMES, ArticleContent
from .models import Article, Section

PUBLISH_BUTTONS = ("_publish", "_publish_anyway")


def publishing_requested(data):
    return any(button in data for button in PUBLISH_BUTTONS)


class ArticleForm(forms.ModelForm):
    """The article's fields; on a published article it shows and keeps its draft of changes.

    When the editor presses Publish, its sections formset runs the checks on the whole content once
    and keeps the result here (`check_result`) for publishing.
    """

    check_result = None

    publish_when = forms.DateTimeField(
        required=False,
        label="Publish at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        help_text=f"Leave empty to publish at once. Times are {settings.TIME_ZONE} time.",
    )

    class Meta:
        model = Article
        fields = FIELD_NAMES
        # A short list of labelled checkboxes: Django's two-box filter widget fails axe (aria-label on a span).
        widgets = {"topics": forms.CheckboxSelectMultiple}

    def __init__(self, *args, instance=None, initial=None, **kwargs):
        if instance is not None and instance.pk and (draft := instance.waiting_draft):
            initial = {**ArticleContent.from_json(draft.content).form_initial(), **(initial or {})}
        super().__init__(*args, instance=instance, initial=initial, **kwargs)
        # The admin builds the sections formset on this form's instance: the formset finds the form here.
        self.instance._editing_form = self

    def clean(self):
        cleaned = super().clean()
        if publishing_requested(self.data):
            when = cleaned.get("publish_when")
            if when and when <= timezone.now():
                self.add_error("publish_when", "Choose a time in the future, or leave it empty to publish now.")
        return cleaned

    def content(self, section_formset):
        """What the editor sent, as one ArticleContent (call once the form and formset are valid)."""
        return ArticleContent.from_form(self.cleaned_data, section_formset.sections())


def publish_time(data):
    """The "Publish at" time the editor chose (already validated by ArticleForm), or None."""
    try:
        return ArticleForm.base_fields["publish_when"].clean(data.get("publish_when"))
    except ValidationError:
        return None


class SectionForm(forms.ModelForm):
    class Meta:
        model = Section
        fields = ["order", "heading", "body"]

    def clean_body(self):
        # Browsers send a textarea's line breaks as CRLF: store one kind, so versions compare equal.
        return self.cleaned_data["body"].replace("\r\n", "\n").replace("\r", "\n")


class SectionFormSet(forms.BaseInlineFormSet):
    def kept_forms(self):
        """The filled-in, not deleted forms, in the order the editor gave them."""
        kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE", False)]
        return sorted(kept, key=lambda form: form.cleaned_data.get("order") or 0)

    def sections(self):
        return [(form.cleaned_data.get("heading", ""), form.cleaned_data.get("body", "")) for form in self.kept_forms()]

    def clean(self):
        """On Publish, run the checks once on the whole content: the article form's fields and these sections."""
        super().clean()
        if not self.is_bound or not publishing_requested(self.data):
            return
        article_form = self.article_form
        data = getattr(article_form, "cleaned_data", {}) if article_form else {}
        content = ArticleContent.from_form(data, self.sections())
        result = checks.check_content(content, self.instance if self.instance.pk else None)
        if article_form is not None:
            article_form.check_result = result
            for name, messages in result.errors.items():
                if name in article_form.fields and name not in article_form.errors:
                    for message in messages:
                        article_form.add_error(name, message)
        kept = self.kept_forms()
        for index, messages in result.errors.get("sections", {}).items():
            for message in messages:
                kept[index].add_error("body", message)
        if isinstance(result.errors.get("sections"), list):
            raise forms.ValidationError(result.errors["sections"])

    @property
    def article_form(self):
        return getattr(self.instance, "_editing_form", None)

    def is_valid(self):
        """Not valid while the article form it belongs to is not (the checks may have marked its fields)."""
        valid = super().is_valid()
        return valid and not (self.article_form is not None and self.article_form.errors)


class DraftSectionFormSet(SectionFormSet):
    """The sections of a published article's draft of changes: filled from the draft, kept in the draft.

    Sections are never saved as rows here (publishing writes them), so the forms stand for
    unsaved Section objects: `sections` are the (heading, body) pairs to show.
    """

    def __init__(self, *args, sections=(), **kwargs):
        self._sections = [
            Section(order=position, heading=heading, body=body)
            for position, (heading, body) in enumerate(sections, start=1)
        ]
        kwargs["queryset"] = Section.objects.none()
        super().__init__(*args, **kwargs)

    def get_queryset(self):
        if self.is_bound:  # what the form showed: one unsaved section per initial form
            return [
                Section(heading=self.data.get(f"{self.add_prefix(i)}-heading", ""))
                for i in range(self.initial_form_count())
            ]
        return self._sections

    def _construct_form(self, i, **kwargs):
        if not self.is_bound and i < len(self._sections):
            kwargs["instance"] = self._sections[i]
        # The model formset's own version looks each section up by its id: these have none.
        return forms.BaseFormSet._construct_form(self, i, **kwargs)

    def initial_form_count(self):
        return super().initial_form_count() if self.is_bound else len(self._sections)


class ClinicalReviewForm(forms.Form):
    reviewed_by = forms.CharField(max_length=200, label="Reviewed by", help_text="e.g. Dr. Ana Ruiz, MD")
    reviewed_on = forms.DateField(label="Date of the review", widget=forms.DateInput(attrs={"type": "date"}))

    def clean_reviewed_on(self):
        reviewed_on = self.cleaned_data["reviewed_on"]
        if reviewed_on > timezone.localdate():
            raise forms.ValidationError("The review date cannot be in the future.")
        return reviewed_on
