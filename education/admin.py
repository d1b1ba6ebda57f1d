from datetime import timedelta

from django.contrib import admin, messages
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from .models import Article, ArticleRedirect, ClinicProfile, Section, Topic


class SectionInline(admin.StackedInline):
    model = Section
    extra = 0
    min_num = 1
    fields = ["order", "heading", "body"]


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
    list_display = ["title", "status_label", "published_at", "topic_list", "featured", "last_reviewed", "review_due"]
    list_filter = ["status", ReviewOverdueFilter, "topics", "featured"]
    search_fields = ["title", "summary", "sections__heading", "sections__body"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["topics"]
    date_hierarchy = "published_at"
    inlines = [SectionInline]
    actions = ["publish_now", "return_to_draft"]
    readonly_fields = ["created_at", "updated_at", "preview_link"]
    show_facets = admin.ShowFacets.ALWAYS
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "main_topic", "topics", "featured"]}),
        ("Publishing", {"fields": ["status", "published_at", "preview_link"]}),
        ("Medical review", {"fields": ["reviewed_by", "last_reviewed", "next_review_due"]}),
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

    @admin.action(description="Return the selected articles to draft", permissions=["change"])
    def return_to_draft(self, request, queryset):
        count = queryset.unpublish()
        self.message_user(request, f"{count} article(s) are drafts again and hidden from the public.", messages.SUCCESS)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "article_count"]
    list_filter = ["kind"]
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
