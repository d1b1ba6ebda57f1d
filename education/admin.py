from datetime import timedelta

import reversion
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.html import format_html

from . import publishing
from .models import Article, ArticleRedirect, ClinicalReview, Section, Topic
from .versions import compare_versions


class PublishingFormMixin:
    """When the editor presses Publish, the checks run with the form: errors show next to their fields."""

    def publishing_requested(self):
        return self.is_bound and "_publish" in self.data


class ArticleForm(PublishingFormMixin, forms.ModelForm):
    publish_when = forms.DateTimeField(
        required=False,
        label="Publish at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        help_text=f"Leave empty to publish at once. Times are {settings.TIME_ZONE} time.",
    )
    publish_anyway = forms.BooleanField(
        required=False, label="Publish anyway", help_text="Tick to publish despite the warnings shown on this page."
    )

    class Meta:
        model = Article
        fields = [
            *["title", "slug", "summary", "main_topic", "topics", "featured"],
            *["reviewed_by", "last_reviewed", "next_review_due"],
        ]

    def clean(self):
        cleaned = super().clean()
        if self.publishing_requested():
            result = publishing.check(
                slug=cleaned.get("slug"),
                live_pk=self.instance.draft_of_id or self.instance.pk,
                title=cleaned.get("title", ""),
                summary=cleaned.get("summary", ""),
                reviewed_by=cleaned.get("reviewed_by", ""),
                last_reviewed=cleaned.get("last_reviewed"),
                next_review_due=cleaned.get("next_review_due"),
                sections=[("x", "x")],  # sections are checked by their own forms
            )
            for name, messages_ in result.errors.items():
                for message in messages_:
                    if name in self.fields and name not in self.errors:
                        self.add_error(name, message)
            when = cleaned.get("publish_when")
            if when and when <= timezone.now():
                self.add_error("publish_when", "Choose a time in the future, or leave it empty to publish now.")
        return cleaned


class SectionFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if not self.is_bound or "_publish" not in self.data:
            return
        forms_in_order = [
            form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
        ]
        forms_in_order.sort(key=lambda form: form.cleaned_data.get("order") or 0)
        sections = [(f.cleaned_data.get("heading", ""), f.cleaned_data.get("body", "")) for f in forms_in_order]
        result = publishing.check(
            title=self.data.get("title", ""),
            summary=self.data.get("summary", ""),
            reviewed_by="x",
            last_reviewed=timezone.localdate(),
            next_review_due=parse_date(self.data.get("next_review_due") or ""),
            sections=sections,
        )
        for index, messages_ in result.errors.get("sections", {}).items():
            for message in messages_:
                forms_in_order[index].add_error("body", message)
        if isinstance(result.errors.get("sections"), list):
            raise forms.ValidationError(result.errors["sections"])
        if result.warnings and not self.data.get("publish_anyway"):
            raise forms.ValidationError(
                ["Before publishing, please look at these warnings, then tick “Publish anyway”:", *result.warnings]
            )


class SectionInline(admin.StackedInline):
    model = Section
    formset = SectionFormSet
    extra = 0
    min_num = 1
    fields = ["order", "heading", "body"]


class ReadingGradeFilter(admin.SimpleListFilter):
    title = "reading grade"
    parameter_name = "grade"

    def lookups(self, request, model_admin):
        target = settings.EDUCATION_READING_GRADE_TARGET
        return [("above", f"Above grade {target}"), ("within", f"Grade {target} or below"), ("none", "Not measured")]

    def queryset(self, request, queryset):
        target = settings.EDUCATION_READING_GRADE_TARGET
        if self.value() == "above":
            return queryset.filter(reading_grade__gt=target)
        if self.value() == "within":
            return queryset.filter(reading_grade__lte=target)
        if self.value() == "none":
            return queryset.filter(reading_grade__isnull=True)
        return queryset


class ClinicalReviewForm(forms.Form):
    reviewed_by = forms.CharField(max_length=200, label="Reviewed by", help_text="e.g. Dr. Ana Ruiz, MD")
    reviewed_on = forms.DateField(label="Date of the review", widget=forms.DateInput(attrs={"type": "date"}))

    def clean_reviewed_on(self):
        reviewed_on = self.cleaned_data["reviewed_on"]
        if reviewed_on > timezone.localdate():
            raise forms.ValidationError("The review date cannot be in the future.")
        return reviewed_on


class ReviewOverdueFilter(admin.SimpleListFilter):
    title = "medical review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("overdue", "Review overdue"), ("due_soon", "Due in the next 90 days"), ("missing", "Never reviewed")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.review_overdue()
        if self.value() == "due_soon":
            return queryset.filter(next_review_due__gte=today, next_review_due__lte=today + timedelta(days=90))
        if self.value() == "missing":
            return queryset.filter(last_reviewed__isnull=True)
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    change_form_template = "admin/education/article/change_form.html"
    list_display = [
        "title",
        "status_label",
        "changes",
        "published_at",
        "topic_list",
        "featured",
        "last_reviewed",
        "review_due",
        "grade",
    ]
    list_filter = ["status", ReviewOverdueFilter, ReadingGradeFilter, "topics", "featured"]
    search_fields = ["title", "summary", "sections__heading", "sections__body"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["topics"]
    date_hierarchy = "published_at"
    inlines = [SectionInline]
    actions = ["publish_now", "return_to_draft", "record_clinical_review"]
    readonly_fields = ["created_at", "updated_at", "preview_link", "readability_panel", "status_label", "versions_link"]
    show_facets = admin.ShowFacets.ALWAYS
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "main_topic", "topics", "featured"]}),
        ("Publishing", {"fields": ["status_label", "preview_link", "publish_when", "publish_anyway", "versions_link"]}),
        ("Medical review", {"fields": ["reviewed_by", "last_reviewed", "next_review_due"]}),
        ("Plain language", {"fields": ["readability_panel"]}),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        # Drafts of changes are reached through their article, never listed on their own.
        return (
            super()
            .get_queryset(request)
            .filter(draft_of__isnull=True)
            .select_related("pending_draft")
            .prefetch_related("topics")
        )

    def get_object(self, request, object_id, from_field=None):
        # Drafts of changes are edited here too, though the list does not show them.
        return Article.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None

    @admin.display(description="status", ordering="status")
    def status_label(self, article):
        if article.scheduled_for:
            when = timezone.localtime(article.scheduled_for)
            kind = "Draft of changes" if article.draft_of_id else "Draft"
            return f"{kind}, to be published {when:%b %d, %Y %H:%M} ({when:%Z})"
        if article.draft_of_id:
            return "Draft of changes to the published article (the public page does not change until you publish)"
        if article.status == Article.Status.PUBLISHED and not article.is_public:
            when = timezone.localtime(article.published_at)
            return f"Scheduled for {when:%b %d, %Y %H:%M} ({when:%Z})"
        return article.get_status_display()

    @admin.display(description="unpublished changes")
    def changes(self, article):
        draft = getattr(article, "pending_draft", None)
        if draft is None:
            return ""
        if draft.scheduled_for:
            return f"Scheduled {timezone.localtime(draft.scheduled_for):%b %d %H:%M}"
        return "Draft waiting"

    @admin.display(description="versions")
    def versions_link(self, article):
        live = article.draft_of or article
        if not live.pk:
            return "—"
        url = reverse("admin:education_article_versions", args=[live.pk])
        return format_html('<a href="{}">Versions: compare and restore</a>', url)

    # --- Drafts of changes, publishing and versions -----------------------------

    def get_urls(self):
        from django.urls import path

        own = [
            path(
                "<int:pk>/versions/", self.admin_site.admin_view(self.versions_view), name="education_article_versions"
            ),
            path(
                "<int:pk>/versions/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="education_article_compare",
            ),
            path(
                "<int:pk>/versions/<int:version_id>/restore/",
                self.admin_site.admin_view(self.restore_view),
                name="education_article_restore",
            ),
        ]
        return own + super().get_urls()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        article = self.get_object(request, object_id) if object_id else None
        if (
            article is not None
            and article.status == Article.Status.PUBLISHED
            and self.has_change_permission(request, article)
        ):
            return self._edit_live_article(request, article)
        with reversion.create_revision():
            reversion.set_user(request.user)
            reversion.set_comment("Saved in the admin")
            response = super().changeform_view(request, object_id, form_url, extra_context)
        # Published only once the save is a version of its own, so the publish event can point at it.
        saved = getattr(request, "_saved_for_publishing", None)
        return self._publish(request, saved) if saved is not None else response

    def _edit_live_article(self, request, article):
        """A live article is changed through a draft of changes, started on the editor's say-so."""
        draft = getattr(article, "pending_draft", None)
        if draft is None and request.method == "POST" and "_start_draft" in request.POST:
            draft = publishing.start_draft(article, by=request.user)
        if draft is not None:
            self.message_user(
                request,
                "You are editing a draft of changes. The public page stays as it is until you publish.",
                messages.INFO,
            )
            return redirect("admin:education_article_change", draft.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Change “{article.title}”",
            "article": article,
            "opts": self.model._meta,
            "original": article,
        }
        return TemplateResponse(request, "admin/education/article/live.html", context)

    def response_add(self, request, obj, post_url_continue=None):
        if "_publish" in request.POST:
            request._saved_for_publishing = obj
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_publish" in request.POST:
            request._saved_for_publishing = obj
        return super().response_change(request, obj)

    def _publish(self, request, article):
        when = self._publish_form_value(request, "publish_when")
        try:
            event = publishing.publish(
                article, by=request.user, accept_warnings=bool(request.POST.get("publish_anyway")), when=when
            )
        except publishing.PublishingRefused as refusal:
            self.message_user(request, f"Not published: {refusal}", messages.ERROR)
            return redirect("admin:education_article_change", article.pk)
        if event is None:
            local = timezone.localtime(when)
            self.message_user(
                request, f"Scheduled to go live {local:%B %-d, %Y at %H:%M} ({local:%Z}).", messages.SUCCESS
            )
        else:
            self.message_user(
                request, f"Published “{event.article.title}”. The public page shows it now.", messages.SUCCESS
            )
        return redirect("admin:education_article_changelist")

    def _publish_form_value(self, request, name):
        form = ArticleForm(data=request.POST)
        form.is_valid()
        return form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None

    def versions_view(self, request, pk):
        article = get_object_or_404(Article, pk=pk, draft_of__isnull=True)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        draft = getattr(article, "pending_draft", None)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Versions of “{article.title}”",
            "article": article,
            "draft": draft,
            "draft_versions": publishing.recent_versions(draft) if draft else [],
            "opts": self.model._meta,
            "versions": publishing.recent_versions(article),
            "events": article.publish_events.select_related("version__revision")[:20],
        }
        return TemplateResponse(request, "admin/education/article/versions.html", context)

    def compare_view(self, request, pk):
        article = get_object_or_404(Article, pk=pk, draft_of__isnull=True)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        versions = {str(v.pk): v for v in publishing.recent_versions(article, limit=500)}
        older, newer = versions.get(request.GET.get("a", "")), versions.get(request.GET.get("b", ""))
        if older is None or newer is None:
            self.message_user(request, "Choose two versions to compare.", messages.WARNING)
            return redirect("admin:education_article_versions", article.pk)
        if older.revision.date_created > newer.revision.date_created:
            older, newer = newer, older
        context = {
            **self.admin_site.each_context(request),
            "title": f"Compare versions of “{article.title}”",
            "article": article,
            "opts": self.model._meta,
            "older": older,
            "newer": newer,
            "changes": compare_versions(older, newer),
        }
        return TemplateResponse(request, "admin/education/article/compare.html", context)

    def restore_view(self, request, pk, version_id):
        article = get_object_or_404(Article, pk=pk, draft_of__isnull=True)
        if request.method != "POST" or not self.has_change_permission(request, article):
            raise PermissionDenied
        version = get_object_or_404(publishing.recent_versions(article, limit=None), pk=version_id)
        draft = publishing.restore_as_draft(article, version, by=request.user)
        self.message_user(
            request,
            f"The version of {timezone.localtime(version.revision.date_created):%b %d, %Y %H:%M} is now a draft. "
            "Check it, then publish it.",
            messages.SUCCESS,
        )
        return redirect("admin:education_article_change", draft.pk)

    @admin.display(description="topics")
    def topic_list(self, article):
        return ", ".join(topic.name for topic in article.topics.all())

    @admin.display(description="next review due", ordering="next_review_due")
    def review_due(self, article):
        if article.next_review_due is None:
            return "—"
        if article.is_review_overdue:
            return format_html('<strong class="review-overdue">{} (overdue)</strong>', article.next_review_due)
        return article.next_review_due

    @admin.display(description="reading grade", ordering="reading_grade")
    def grade(self, article):
        if article.reading_grade is None:
            return "—"
        if article.reading_grade > settings.EDUCATION_READING_GRADE_TARGET:
            return format_html('<strong class="review-overdue">{}</strong>', article.reading_grade)
        return article.reading_grade

    @admin.display(description="how easy it is to read")
    def readability_panel(self, article):
        if not article.pk:
            return "Save the article to see how easy it is to read."
        return render_to_string(
            "admin/education/readability_panel.html",
            {"report": article.readability(), "target": settings.EDUCATION_READING_GRADE_TARGET},
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        review_fields = {"reviewed_by", "last_reviewed", "next_review_due"}
        if change and obj.last_reviewed and form.changed_data and not review_fields & set(form.changed_data):
            self.message_user(
                request,
                f"The medical review date stays {obj.last_reviewed:%B %-d, %Y}: editing the text does not count "
                "as a clinical review. When a clinician has checked it, use “Record a clinical review”.",
                messages.INFO,
            )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.refresh_reading_grade()

    @admin.display(description="preview")
    def preview_link(self, article):
        if not article.pk:
            return "Save the article to preview it."
        label = "View on site" if article.is_public else "Preview (only staff can see it)"
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', article.get_absolute_url(), label)

    @admin.action(description="Publish the selected drafts now (after the checks)", permissions=["change"])
    def publish_now(self, request, queryset):
        published, refused = [], []
        for article in queryset.exclude(status=Article.Status.PUBLISHED):
            try:
                publishing.publish(article, by=request.user)
            except publishing.PublishingRefused as refusal:
                refused.append(f"“{article.title}” ({refusal})")
            else:
                published.append(article)
        if published:
            self.message_user(request, f"Published {len(published)} article(s).", messages.SUCCESS)
        if refused:
            self.message_user(
                request, "Not published, open each to fix or accept: " + "; ".join(refused), messages.WARNING
            )

    @admin.action(description="Record a clinical review (content unchanged)", permissions=["change"])
    def record_clinical_review(self, request, queryset):
        form = ClinicalReviewForm(request.POST if "reviewed_by" in request.POST else None)
        if form.is_valid():
            count = queryset.record_clinical_review(
                reviewed_by=form.cleaned_data["reviewed_by"],
                reviewed_on=form.cleaned_data["reviewed_on"],
                recorded_by=request.user.get_full_name() or request.user.get_username(),
            )
            self.message_user(request, f"Recorded the clinical review of {count} article(s).", messages.SUCCESS)
            return None
        return TemplateResponse(
            request,
            "admin/education/record_clinical_review.html",
            {
                **self.admin_site.each_context(request),
                "title": "Record a clinical review",
                "form": form,
                "articles": queryset,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description="Return the selected articles to draft", permissions=["change"])
    def return_to_draft(self, request, queryset):
        count = queryset.unpublish()
        self.message_user(request, f"{count} article(s) are drafts again and hidden from the public.", messages.SUCCESS)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "has_warning_signs", "article_count"]
    list_filter = ["kind", "has_warning_signs"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_total=Count("articles"))

    @admin.display(description="articles", ordering="article_total")
    def article_count(self, topic):
        return topic.article_total


@admin.register(ArticleRedirect)
class ArticleRedirectAdmin(admin.ModelAdmin):
    list_display = ["old_slug", "article", "created_at"]
    search_fields = ["old_slug", "article__title"]
    list_select_related = ["article"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["article"]


@admin.register(ClinicalReview)
class ClinicalReviewAdmin(admin.ModelAdmin):
    """The record of clinical reviews: read-only, added by the “Record a clinical review” action."""

    list_display = ["article", "reviewed_by", "reviewed_on", "recorded_by", "recorded_at"]
    list_select_related = ["article"]
    search_fields = ["article__title", "reviewed_by"]
    date_hierarchy = "reviewed_on"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
