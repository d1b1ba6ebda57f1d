"""The clinical sign-off in the admin: the reviewer's page (the change as a word diff, then a decision),
the editor's "Submit for clinical review", and the reviewers' box on the admin home page."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse

from clinic.admin_site import register_index_panel

from . import clinical_review, versions
from .content import ArticleContent
from .models import ClinicalSignOff

SUBMIT_BUTTON = "_submit_for_review"


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        widget=forms.RadioSelect,
        choices=[
            ("approve", "Approve: the medical facts are right"),
            ("no_clinical_change", "No clinical change (a typo or wording fix): approve without a new review date"),
            ("changes", "Send it back: something needs to change"),
        ],
        error_messages={
            "required": "Choose approve, no clinical change or send back.",
            "invalid_choice": "Choose one.",
        },
    )
    comment = forms.CharField(
        label="Comment for the editor",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Needed when you send it back: say what needs to change.",
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "changes" and not (data.get("comment") or "").strip():
            self.add_error("comment", "Say what needs to change: the editor reads this.")
        return data


@admin.register(ClinicalSignOff)
class ClinicalSignOffAdmin(admin.ModelAdmin):
    """Changes waiting for (or decided by) a clinical reviewer; the decision is made on each one's page."""

    list_display = ["article", "state", "submitted_by", "submitted_at", "decided_by_name", "decided_at"]
    list_filter = ["state"]
    list_select_related = ["article", "submitted_by"]
    search_fields = ["article__title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if not str(object_id).isdigit():
            raise Http404("No such clinical review.")
        sign_off = get_object_or_404(ClinicalSignOff.objects.select_related("article"), pk=object_id)
        can_decide = clinical_review.is_reviewer(request.user) and sign_off.state == ClinicalSignOff.State.SUBMITTED
        form = DecisionForm(request.POST or None) if can_decide else None
        if request.method == "POST":
            if form is None:
                raise PermissionDenied
            if form.is_valid():
                return self._decide(request, sign_off, form.cleaned_data)
        before = ArticleContent.from_json(sign_off.before) if sign_off.before else ArticleContent()
        context = {
            **self.admin_site.each_context(request),
            "title": f"Clinical review of “{sign_off.article.title}”",
            "opts": self.model._meta,
            "sign_off": sign_off,
            "changes": versions.compare_contents(before, ArticleContent.from_json(sign_off.content)),
            "form": form,
            "events": sign_off.events.all(),
        }
        return TemplateResponse(request, "admin/education/clinicalsignoff/review.html", context)

    def _decide(self, request, sign_off, data):
        try:
            if data["decision"] == "approve":
                clinical_review.approve(sign_off, by=request.user, comment=data["comment"])
                said = "Approved. The editor can publish it now, and the page's review date is today."
            elif data["decision"] == "no_clinical_change":
                clinical_review.mark_no_clinical_change(sign_off.article, by=request.user, comment=data["comment"])
                said = "Marked “no clinical change”. The editor can publish it now."
            else:
                clinical_review.request_changes(sign_off, by=request.user, comment=data["comment"])
                said = "Sent back to the editor with your comment."
        except clinical_review.SignOffRefused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return redirect("admin:education_clinicalsignoff_change", sign_off.pk)
        self.message_user(request, said, messages.SUCCESS)
        return redirect("admin:education_clinicalsignoff_changelist")


def submit_for_review(model_admin, request, article):
    """The editor's button: the draft just saved goes to the clinical reviewers."""
    try:
        clinical_review.submit(article, by=request.user)
    except clinical_review.SignOffRefused as refusal:
        model_admin.message_user(request, str(refusal), messages.WARNING)
    else:
        model_admin.message_user(
            request, "Sent for clinical review. You will get an email when a reviewer decides.", messages.SUCCESS
        )
    return redirect("admin:education_article_change", article.pk)


def sign_off_context(article):
    """The clinical review part of the editor's publishing panel."""
    content = clinical_review.editing_content(article)
    needs = clinical_review.changes_patient_text(article, content)
    last = article.sign_offs.order_by("-submitted_at", "-pk").first()
    return {
        "sign_off_needed": needs and not clinical_review.is_approved(article, content),
        "sign_off_approved": needs and clinical_review.is_approved(article, content),
        "last_sign_off": last,
        "sign_off_current": last is not None and last.fingerprint == clinical_review.fingerprint(content),
    }


def waiting_panel(request):
    return {"sign_offs_waiting": list(clinical_review.waiting()[:20])}


register_index_panel(
    "admin/education/_index_sign_offs_waiting.html",
    permission=clinical_review.SIGN_OFF_PERMISSION,
    context=waiting_panel,
    order=25,
)
