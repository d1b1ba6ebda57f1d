from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from .models import Article, ArticleRedirect, ClinicalReview, ClinicProfile, Section, Topic


class SectionInline(admin.StackedInline):
    model = Section
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
    filter_horizontal = ["topics"]
    date_hierarchy = "published_at"
    inlines = [SectionInline]
    actions = ["publish_now", "return_to_draft", "record_clinical_review"]
    readonly_fields = ["created_at", "updated_at", "preview_link", "readability_panel"]
    show_facets = admin.ShowFacets.ALWAYS
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "main_topic", "topics", "featured"]}),
        ("Publishing", {"fields": ["status", "published_at", "preview_link"]}),
        ("Medical review", {"fields": ["reviewed_by", "last_reviewed", "next_review_due"]}),
        ("Plain language", {"fields": ["readability_panel"]}),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("topics")

    @admin.display(description="status", ordering="status")
    def status_label(self, article):
        if article.status == Article.Status.PUBLISHED and not article.is_public:
            return f"Scheduled for {timezone.localtime(article.published_at):%b %d, %Y %H:%M}"
        return article.get_status_display()

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

    @admin.action(description="Publish the selected articles now", permissions=["change"])
    def publish_now(self, request, queryset):
        count = queryset.publish()
        self.message_user(
            request, f"Published {count} article(s); those already live keep their date.", messages.SUCCESS
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


@admin.register(ClinicProfile)
class ClinicProfileAdmin(admin.ModelAdmin):
    fieldsets = [
        (None, {"fields": ["name", "tagline"]}),
        ("How patients reach the clinic", {"fields": ["phone", "email", "address", "hours"]}),
        ("Consultation requests", {"fields": ["response_business_days"]}),
        ("Emergencies", {"fields": ["emergency_notice"]}),
        (
            "When to get urgent help",
            {
                "fields": ["emergency_signs", "same_day_signs"],
                "description": "Shown on articles about topics marked “has warning signs”.",
            },
        ),
    ]

    def has_add_permission(self, request):
        return not ClinicProfile.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        """There is one profile: go straight to it (or to the form that creates it)."""
        if ClinicProfile.objects.exists():
            return redirect(reverse("admin:education_clinicprofile_change", args=[ClinicProfile.SINGLETON_PK]))
        return redirect(reverse("admin:education_clinicprofile_add"))


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
