"""Education's part of `manage.py load_sample_content` (a clinic command): topics and the sample article.

The article goes through publishing like any other, dated as the sample says, so loading it again
(with --reset) puts its content back without moving its publication dates.
"""

from education import clinical_review, publishing, sample_content
from education.content import ArticleContent
from education.models import Article, Topic


def load_sample_education(*, reset=False):
    """Create what is missing (everything again with `reset`); return what was created, in words."""
    created = []
    for fields in sample_content.TOPICS:
        fields = dict(fields)
        slug = fields.pop("slug")
        if reset:
            Topic.objects.update_or_create(slug=slug, defaults=fields)
        elif Topic.objects.get_or_create(slug=slug, defaults=fields)[1]:
            created.append(f"topic {slug}")

    for fields in sample_content.ARTICLES:
        if reset or not Article.objects.filter(slug=fields["slug"]).exists():
            load_article(fields)
            created.append(f"article {fields['slug']}")
    return created


def sample_article_content(fields):
    """The sample article as an ArticleContent, from its entry in sample_content.ARTICLES."""
    text = (sample_content.SEED_DIR / fields["file"]).read_text(encoding="utf-8")
    title, sections = sample_content.split_article(text)
    topics = dict(Topic.objects.filter(slug__in=fields["topics"] + [fields["main_topic"]]).values_list("slug", "pk"))
    return ArticleContent(
        title=title,
        slug=fields["slug"],
        summary=fields["summary"],
        main_topic_id=topics[fields["main_topic"]],
        topic_ids=sorted(topics[slug] for slug in fields["topics"]),
        featured=fields["featured"],
        reviewed_by=fields["reviewed_by"],
        last_reviewed=fields["last_reviewed"],
        sections=sections,
    )


def load_article(fields):
    """Publish the sample article's content, as of its sample publication date."""
    content = sample_article_content(fields)
    article = Article.objects.filter(slug=content.slug).select_related("draft").first()
    if article is None:
        article = Article(status=Article.Status.DRAFT)
        publishing.write_content(article, content, keep_old_address=False)
    else:
        publishing.save_draft(article, content, by=None)
    if clinical_review.changes_patient_text(article, content):
        clinical_review.approve_sample_content(article, content)  # the system's approval, for the sample only
    publishing.publish(
        article, by=None, accept_warnings=True, as_of=fields["published_at"], source="Sample content loaded"
    )
