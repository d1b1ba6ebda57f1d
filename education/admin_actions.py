"""The article list's actions: publish the selected drafts, record a clinical review, return to draft."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse

from . import publishing
from .forms import ClinicalReviewForm
from .models import Article


@admin.action(description="Publish the selected drafts now (after the checks)", permissions=["change"])
def publish_now(model_admin, request, queryset):
    published, refused = [], []
    for article in queryset.exclude(status=Article.Status.PUBLISHED):
        try:
            publishing.publish(article, by=request.user)
        except publishing.PublishingRefused as refusal:
            refused.append(f"“{article.title}” ({refusal})")
        else:
            published.append(article)
    if published:
        model_admin.message_user(request, f"Published {len(published)} article(s).", messages.SUCCESS)
    if refused:
        model_admin.message_user(
            request, "Not published, open each to fix or accept: " + "; ".join(refused), messages.WARNING
        )


@admin.action(description="Record a clinical review (content unchanged)", permissions=["change"])
def record_clinical_review(model_admin, request, queryset):
    form = ClinicalReviewForm(request.POST if "reviewed_by" in request.POST else None)
    if form.is_valid():
        count = publishing.record_clinical_review(
            queryset,
            reviewed_by=form.cleaned_data["reviewed_by"],
            reviewed_on=form.cleaned_data["reviewed_on"],
            recorded_by=publishing.editor_name(request.user),
        )
        model_admin.message_user(request, f"Recorded the clinical review of {count} article(s).", messages.SUCCESS)
        return None
    return TemplateResponse(
        request,
        "admin/education/record_clinical_review.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": "Record a clinical review",
            "form": form,
            "articles": queryset,
            "opts": model_admin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


@admin.action(description="Return the selected articles to draft", permissions=["change"])
def return_to_draft(model_admin, request, queryset):
    count = publishing.unpublish(queryset)
    model_admin.message_user(
        request, f"{count} article(s) are drafts again and hidden from the public.", messages.SUCCESS
    )
