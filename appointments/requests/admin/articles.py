"""Editors learn which articles bring patients to the clinic: counts only, never a patient's data."""

from datetime import timedelta

from django.contrib import admin
from django.db.models import Count, Q
from django.utils import timezone

from education.admin import ArticleAdmin
from education.models import Article

from ..models import ConsultationRequest

admin.site.unregister(Article)


@admin.register(Article)
class ArticleWithRequestCountsAdmin(ArticleAdmin):
    list_display = [*ArticleAdmin.list_display, "requests_last_30_days", "requests_last_90_days"]

    def get_queryset(self, request):
        now = timezone.now()
        not_spam = ~Q(consultation_requests__outcome=ConsultationRequest.Outcome.SPAM)

        def since(days):
            return Q(consultation_requests__created_at__gte=now - timedelta(days=days)) & not_spam

        return (
            super()
            .get_queryset(request)
            .annotate(
                requests_30=Count("consultation_requests", filter=since(30)),
                requests_90=Count("consultation_requests", filter=since(90)),
            )
        )

    @admin.display(description="requests, 30 days", ordering="requests_30")
    def requests_last_30_days(self, article):
        return article.requests_30

    @admin.display(description="requests, 90 days", ordering="requests_90")
    def requests_last_90_days(self, article):
        return article.requests_90
