"""The staff's table of contents for articles, topics and redirects; the editor's pages are in admin_views."""

from functools import partial

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html

from clinic.admin_site import register_index_panel

from . import admin_actions, admin_views, checks, publishing, sign_off_admin, versions
from .admin_filters import ReadingGradeFilter, ReviewOverdueFilter
from .content import FIELD_NAMES, REVIEW_FIELDS
from .forms import (
    ArticleForm,
    DraftSectionFormSet,
    SectionForm,
    SectionFormSet,
    publish_time,
    publishing_requested,
)
from .models import Article, ArticleRedirect, ClinicalReview, Section, Topic


class SectionInline(admin.StackedInline):
    model = Section
    form = SectionForm
    formset = SectionFormSet
    extra = 0
    min_num = 1
    fields = ["order", "heading", "body"]

    def get_formset(self, request, obj=None, **kwargs):
        # A published article's sections are edited in its draft of changes, never in place.
        if obj is not None and obj.pk and obj.edited_through_drafts:
            kwargs["formset"] = DraftSectionFormSet
        return super().get_formset(request, obj, **kwargs)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    change_form_template = "admin/education/article/change_form.html"
    save_on_top = True  # "Save" comes first in the form, so Enter in a field never publishes
    list_display = [
        "title",
        "status_label",
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
    date_hierarchy = "published_at"
    inlines = [SectionInline]
    actions = [admin_actions.publish_now, admin_actions.return_to_draft, admin_actions.record_clinical_review]
    readonly_fields = ["created_at", "updated_at", "readability_panel"]
    show_facets = admin.ShowFacets.ALWAYS
    fieldsets = [
        (None, {"fields": [name for name in FIELD_NAMES if name not in REVIEW_FIELDS]}),
        ("Medical review", {"fields": REVIEW_FIELDS}),
        ("Plain language", {"fields": ["readability_panel"]}),
        ("Dates", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    class Media:
        css = {"all": ["education/admin.css"]}
        js = ["education/readability.js"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("draft").prefetch_related("topics")

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(partial(function, model_admin=self))

        return [
            path("readability/", view(admin_views.readability_view), name="education_article_readability"),
            path("<int:pk>/versions/", view(admin_views.versions_view), name="education_article_versions"),
            path("<int:pk>/versions/compare/", view(admin_views.compare_view), name="education_article_compare"),
            path(
                "<int:pk>/versions/<int:version_id>/restore/",
                view(admin_views.restore_view),
                name="education_article_restore",
            ),
            path("<int:pk>/discard-draft/", view(admin_views.discard_view), name="education_article_discard"),
            *super().get_urls(),
        ]

    # --- The change page is the editing form: the draft of changes if one waits -------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Only when the page is shown: a POST that saves (or publishes) and redirects never works it out.
        if change and obj is not None:
            context.update(admin_views.editing_context(obj), **sign_off_admin.sign_off_context(obj))
        context["show_save_and_add_another"] = False  # one article at a time
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, SectionInline) and obj is not None and obj.pk and obj.edited_through_drafts:
            kwargs.pop("queryset", None)
            kwargs["sections"] = publishing.editing_content(obj).sections
        return kwargs

    def save_model(self, request, obj, form, change):
        if change and obj.edited_through_drafts:
            return  # the live row stays as it is: save_related keeps the changes as a draft
        super().save_model(request, obj, form, change)
        if change and obj.last_reviewed and form.changed_data and not set(REVIEW_FIELDS) & set(form.changed_data):
            self.message_user(
                request,
                f"The medical review date stays {obj.last_reviewed:%B %-d, %Y}: editing the text does not count "
                "as a clinical review. When a clinician has checked it, use “Record a clinical review”.",
                messages.INFO,
            )

    def save_related(self, request, form, formsets, change):
        article = form.instance
        sections = next(formset for formset in formsets if formset.model is Section)
        if change and article.edited_through_drafts:
            publishing.save_draft(article, form.content(sections), by=request.user)
            return
        super().save_related(request, form, formsets, change)
        grade = form.check_result.reading_grade if form.check_result else None
        article.refresh_reading_grade(grade)
        versions.record_version(article, by=request.user, comment="Saved" if change else "Added")

    def construct_change_message(self, request, form, formsets, add=False):
        if not add and form.instance.edited_through_drafts:
            return "Saved the draft of changes (the public page did not change)."
        return super().construct_change_message(request, form, formsets, add)

    def response_add(self, request, obj, post_url_continue=None):
        if sign_off_admin.SUBMIT_BUTTON in request.POST:
            return sign_off_admin.submit_for_review(self, request, obj)
        if publishing_requested(request.POST):
            return self._publish(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if sign_off_admin.SUBMIT_BUTTON in request.POST:
            return sign_off_admin.submit_for_review(self, request, obj)
        if publishing_requested(request.POST):
            return self._publish(request, obj)
        if not obj.edited_through_drafts:
            return super().response_change(request, obj)
        self.message_user(
            request,
            "Saved your draft of changes. The public page stays as it is until you publish.",
            messages.SUCCESS,
        )
        if "_continue" in request.POST:
            return redirect("admin:education_article_change", obj.pk)
        return redirect("admin:education_article_changelist")

    def _publish(self, request, obj):
        article = Article.objects.select_related("draft").get(pk=obj.pk)
        at = publish_time(request.POST)
        try:
            event = publishing.publish(
                article,
                by=request.user,
                at=at,
                accept_warnings="_publish_anyway" in request.POST,
                checked=getattr(obj, "_editing_form", None) and obj._editing_form.check_result,
            )
        except publishing.PublishingRefused as refusal:
            if refusal.result.errors:
                self.message_user(request, f"Not published: {refusal}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    "Saved, not published yet. Look at the points beside “Publish”; if you are sure, "
                    "press “Publish anyway”.",
                    messages.WARNING,
                )
            return redirect("admin:education_article_change", article.pk)
        if event is None:
            self.message_user(request, f"Scheduled to go live {admin_views.when(at)}.", messages.SUCCESS)
        else:
            self.message_user(request, f"Published “{article.title}”. The public page shows it now.", messages.SUCCESS)
        return redirect("admin:education_article_change", article.pk)

    def has_delete_permission(self, request, obj=None):
        # A live article is unpublished first ("Return to draft"), then deleted.
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.is_public)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        publishing.public_pages_changed()

    def delete_queryset(self, request, queryset):
        live = queryset.filter(status=Article.Status.PUBLISHED).count()
        if live:
            self.message_user(request, f"Kept {live} live article(s): unpublish them first.", messages.WARNING)
        super().delete_queryset(request, queryset.exclude(status=Article.Status.PUBLISHED))
        publishing.public_pages_changed()

    # --- Columns and panels ------------------------------------------------------------------

    @admin.display(description="status", ordering="status")
    def status_label(self, article):
        return admin_views.status_line(article)

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
        content = publishing.editing_content(article) if article.pk else None
        panel = admin_views.readability_panel(content.title, content.sections) if content else ""
        # readability.js posts the form to data-url as the editor types, and swaps the report.
        return format_html(
            '<div id="{}" class="readability-live" data-url="{}" tabindex="-1">'
            '<div class="readability-report">{}</div><p class="visually-hidden" role="status"></p></div>',
            checks.READABILITY_ANCHOR,
            reverse("admin:education_article_readability"),
            panel or "Type the title and a section to see how easy it is to read.",
        )


class ChangesGoLiveMixin:
    """Topics and redirects have no drafts: a change goes live at once, so cached public pages are renewed."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        publishing.public_pages_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        publishing.public_pages_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        publishing.public_pages_changed()


@admin.register(Topic)
class TopicAdmin(ChangesGoLiveMixin, admin.ModelAdmin):
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
class ArticleRedirectAdmin(ChangesGoLiveMixin, admin.ModelAdmin):
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


register_index_panel(
    "admin/education/_index_reviews_due.html",
    permission="education.change_article",
    context=admin_views.reviews_due_panel,
    order=30,
)
