import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from . import readability as reading
from .markdown import render_markdown
from .querysets import ArticleQuerySet

# Ids the article page uses for its own parts; a section's anchor never takes one of them.
PAGE_IDS = frozenset(
    {"main", "article-title", "cta-heading", "related-heading", "error-summary"}
    | {"urgent-help", "urgent-help-heading", "urgent-box-heading", "topics-heading"}
)


def add_years(day, years):
    """The same calendar day `years` later (28 February for 29 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class Topic(models.Model):
    class Kind(models.TextChoices):
        CONDITION = "condition", "Condition"
        TREATMENT = "treatment", "Treatment"

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True, help_text="The topic's web address, e.g. spinal-fusion.")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CONDITION)
    description = models.TextField(blank=True, help_text="One or two plain sentences shown on the topic's page.")
    has_warning_signs = models.BooleanField(
        default=False,
        help_text="Articles on this topic show the clinic's “When to get urgent help” block.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("education:topic-detail", kwargs={"slug": self.slug})


@reversion.register(follow=["sections"])
class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The article's web address. Changing it on a published article redirects the old address.",
    )
    summary = models.CharField(
        max_length=300,
        help_text="One or two sentences shown in lists and to search engines (ideally 50 to 160 characters).",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text="When the article was first published (set by publishing).",
    )
    featured = models.BooleanField(default=False, help_text="Show on the home page.")
    topics = models.ManyToManyField(Topic, related_name="articles", blank=True)
    main_topic = models.ForeignKey(
        Topic,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="What the article is mostly about: shown in its breadcrumb and chosen for readers who ask "
        "for a consultation from it.",
    )
    reviewed_by = models.CharField(
        max_length=200, blank=True, help_text="The clinician who checked the medical facts, e.g. Dr. Ana Ruiz, MD."
    )
    last_reviewed = models.DateField(null=True, blank=True, help_text="When the medical review was done.")
    next_review_due = models.DateField(
        null=True, blank=True, help_text="Leave empty to set it from the last review (three years later)."
    )
    # Changes to a published article wait in its ArticleDraft (`article.draft`), never in a second row.
    scheduled_for = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the waiting draft of changes (or this new article) goes live.",
    )
    scheduled_warnings_accepted = models.BooleanField(default=False, editable=False)
    last_published_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the content the public sees was last published."
    )
    reading_grade = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        editable=False,
        help_text="Flesch-Kincaid grade of the whole article, worked out on every save.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "title"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        if self.last_reviewed and not self.next_review_due:
            self.next_review_due = add_years(self.last_reviewed, settings.EDUCATION_REVIEW_INTERVAL_YEARS)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("education:article-detail", kwargs={"slug": self.slug})

    def get_preview_url(self):
        """Staff see the waiting draft of changes here, or the article itself if none waits."""
        return reverse("education:article-preview", kwargs={"pk": self.pk})

    @property
    def is_public(self):
        return self.status == self.Status.PUBLISHED

    @property
    def primary_topic(self):
        """The main topic, or else the first of its topics (prefetch `topics` to spare a query)."""
        return self.main_topic or next(iter(self.topics.all()), None)

    @property
    def edited_through_drafts(self):
        """A published article is never edited in place: its changes wait in a draft until published."""
        return self.status == self.Status.PUBLISHED

    @property
    def waiting_draft(self):
        """The draft of changes waiting to be published, or None."""
        return getattr(self, "draft", None)

    @property
    def is_review_overdue(self):
        return self.next_review_due is not None and self.next_review_due < timezone.localdate()

    @property
    def shows_urgent_help(self):
        """Articles about a topic with warning signs tell readers when to get urgent help."""
        return any(topic.has_warning_signs for topic in self.topics.all())

    def readability(self):
        return reading.analyse(self.title, [(section.heading, section.body) for section in self.sections.all()])

    def refresh_reading_grade(self, grade=None):
        """Store the reading grade after the sections changed (`grade` if already known; no other field)."""
        self.reading_grade = self.readability().whole.flesch_kincaid_grade if grade is None else grade
        Article.objects.filter(pk=self.pk).update(reading_grade=self.reading_grade)

    def sections_with_anchors(self):
        """The sections in order, each with an `anchor` that is unique on the page."""
        taken = set(PAGE_IDS)
        sections = list(self.sections.all())
        for section in sections:
            base = slugify(section.heading) or "section"
            anchor, suffix = base, 2
            while anchor in taken:
                anchor, suffix = f"{base}-{suffix}", suffix + 1
            taken.add(anchor)
            section.anchor = anchor
        return sections

    def clean(self):
        errors = {}
        today = timezone.localdate()
        if self.last_reviewed and self.last_reviewed > today:
            errors["last_reviewed"] = "The last review cannot be in the future."
        if self.last_reviewed and self.next_review_due and self.next_review_due <= self.last_reviewed:
            errors["next_review_due"] = "The next review must come after the last review."
        if errors:
            raise ValidationError(errors)


@reversion.register()
class Section(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveSmallIntegerField(default=0, help_text="Sections are shown from the lowest number up.")
    heading = models.CharField(max_length=200)
    body = models.TextField(
        help_text=(
            "Plain text. Leave a blank line between paragraphs. **bold**, *italic*, "
            "[link text](https://example.org), lists starting with - or 1."
        )
    )

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return self.heading

    @property
    def body_html(self):
        return mark_safe(render_markdown(self.body))  # sanitised by nh3


class ArticleDraft(models.Model):
    """Changes to a published article, waiting to be published: a revision of its content beside the live row.

    `content` is an `ArticleContent` as JSON (fields, topics, sections in order). There is at most one
    per article; publishing it writes it into the article and deletes it.
    """

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="draft")
    content = models.JSONField(encoder=DjangoJSONEncoder)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Draft of changes to “{self.article}”"


class ArticleRedirect(models.Model):
    """An address an article used to have, answered with a permanent redirect."""

    old_slug = models.SlugField(max_length=200, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_slug"]

    def __str__(self):
        return f"/{self.old_slug}/ → {self.article}"


class ClinicalReview(models.Model):
    """A clinician checked an article's medical facts (the content itself was not changed)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="clinical_reviews")
    reviewed_by = models.CharField(max_length=200)
    reviewed_on = models.DateField()
    recorded_by = models.CharField(max_length=150, help_text="The staff member who recorded it.")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reviewed_on", "-recorded_at"]

    def __str__(self):
        return f"{self.article} reviewed by {self.reviewed_by} on {self.reviewed_on}"


class ReviewReminder(models.Model):
    """A digest of reviews due, sent to one editor on one day (so it is never sent twice that day)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_on = models.DateField()
    article_count = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["recipient", "sent_on"], name="one_review_digest_a_day")]

    def __str__(self):
        return f"Review digest for {self.recipient} on {self.sent_on}"


class PublishEvent(models.Model):
    """An article went live: who published it, when, which version, and any warnings they accepted."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="publish_events")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_by_name = models.CharField(max_length=150, help_text="Kept after the account is removed.")
    published_at = models.DateTimeField(default=timezone.now)
    version = models.ForeignKey("reversion.Version", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    warnings_accepted = models.TextField(blank=True, help_text="Warnings the editor chose to publish anyway.")
    scheduled = models.BooleanField(default=False, help_text="Published at a time set in advance.")

    class Meta:
        ordering = ["-published_at"]

    def __str__(self):
        return f"{self.article} published {self.published_at:%Y-%m-%d %H:%M} by {self.published_by_name}"


class ClinicalSignOff(models.Model):
    """A change to what patients read, sent to a clinical reviewer: submitted, then approved or sent back.

    `fingerprint` identifies the patient-facing text (title, summary, sections) that was submitted;
    only text whose fingerprint an approved sign-off holds can be published. The transitions are
    in `clinical_review.py`.
    """

    class State(models.TextChoices):
        SUBMITTED = "submitted", "Waiting for clinical review"
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Sent back with changes asked for"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sign_offs")
    state = models.CharField(max_length=20, choices=State.choices, default=State.SUBMITTED)
    content = models.JSONField(encoder=DjangoJSONEncoder, help_text="The content as it was submitted.")
    before = models.JSONField(encoder=DjangoJSONEncoder, help_text="What the public saw when it was submitted.")
    fingerprint = models.CharField(max_length=64)
    no_clinical_change = models.BooleanField(default=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_name = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        permissions = [("sign_off_article", "Can approve changes to what patients read")]
        verbose_name = "clinical sign-off"

    def __str__(self):
        return f"{self.get_state_display()}: “{self.article}”"


class ClinicalSignOffEvent(models.Model):
    """One step of a sign-off: who did what, when, and what they said (the review log)."""

    sign_off = models.ForeignKey(ClinicalSignOff, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=40)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField(max_length=150)
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.action} by {self.by_name}"
