"""Reminding editors of medical reviews that are due: one digest per editor per day, through the outbox."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clinic import outbox
from clinic.roles import CONTENT_EDITORS

from .models import Article, ReviewReminder

logger = logging.getLogger(__name__)

REMINDER_DAYS = 30


def editors_to_remind():
    """Active staff who edit articles and have an email address."""
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(groups__name=CONTENT_EDITORS) | Q(is_superuser=True))
        .exclude(email="")
        .distinct()
        .order_by("username")
    )


def articles_due():
    return list(Article.objects.review_due_within(REMINDER_DAYS).order_by("next_review_due", "title"))


def digest(articles):
    lines = [
        {
            "title": article.title,
            "due": article.next_review_due,
            "overdue": article.is_review_overdue,
            "url": settings.SITE_URL + reverse("admin:education_article_change", args=[article.pk]),
        }
        for article in articles
    ]
    subject = f"{len(lines)} article(s) need a medical review"
    return subject, render_to_string("education/email/review_reminder.txt", {"articles": lines, "days": REMINDER_DAYS})


def send_review_reminders(*, dry_run=False, today=None):
    """Queue each editor today's digest once (the worker sends it); return [(username, article count, queued)]."""
    today = today or timezone.localdate()
    articles = articles_due()
    if not articles:
        return []
    subject, body = digest(articles)
    outcome = []
    for editor in editors_to_remind():
        if ReviewReminder.objects.filter(recipient=editor, sent_on=today).exists():
            outcome.append((editor.get_username(), len(articles), False))
            continue
        if dry_run:
            outcome.append((editor.get_username(), len(articles), False))
            continue
        try:
            with transaction.atomic():
                ReviewReminder.objects.create(recipient=editor, sent_on=today, article_count=len(articles))
                outbox.queue(kind="review_digest", recipients=[editor.email], subject=subject, body=body)
        except IntegrityError:  # another run sent it a moment ago
            outcome.append((editor.get_username(), len(articles), False))
            continue
        logger.info("Queued a review digest (%s articles) to editor #%s.", len(articles), editor.pk)
        outcome.append((editor.get_username(), len(articles), True))
    return outcome
