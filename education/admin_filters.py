"""The article list's own filters: reading grade and medical review."""

from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.utils import timezone


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
