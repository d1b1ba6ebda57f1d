"""An article's content as one value: what is live, what a draft of changes holds, what a version kept.

`FIELDS` is the one list of what an article's content is. The editing form, its fieldsets, the
draft's JSON, versions, compare, restore, the sample loader and publishing all read it, and each
source has one builder: `ArticleContent.of` (the live row), `from_json` (a draft of changes),
`from_version` (a saved version) and `from_form` (what the editor sent).

The live content sits in the article's own row, its sections and topics; a draft of changes keeps
the same value as JSON beside it (`ArticleDraft.content`), so nothing that lists or counts articles
ever meets a draft.
"""

import copy
import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType

from .models import Section, Topic


@dataclass(frozen=True)
class Field:
    """One part of an article's content: its form field (and JSON key), its label, its kind."""

    name: str
    label: str
    kind: str = "text"  # "text", "bool", "date", "topic" or "topics"

    @property
    def attribute(self):
        """Its name on ArticleContent (and on the article's row for a single topic)."""
        return {"topic": f"{self.name}_id", "topics": "topic_ids"}.get(self.kind, self.name)

    def to_json(self, value):
        if self.kind == "date":
            return value.isoformat() if value else None
        return list(value) if self.kind == "topics" else value

    def from_json(self, value):
        if self.kind == "date":
            return datetime.date.fromisoformat(value) if value else None
        if self.kind == "topics":
            return sorted(value or [])
        return bool(value) if self.kind == "bool" else value

    def from_form(self, value):
        if self.kind == "topic":
            return value.pk if value else None
        if self.kind == "topics":
            return sorted(topic.pk for topic in value or [])
        return bool(value) if self.kind == "bool" else value


FIELDS = [
    Field("title", "Title"),
    Field("slug", "Web address"),
    Field("summary", "Summary"),
    Field("main_topic", "Main topic", "topic"),
    Field("topics", "Topics", "topics"),
    Field("featured", "Featured", "bool"),
    Field("reviewed_by", "Reviewed by"),
    Field("last_reviewed", "Last reviewed", "date"),
    Field("next_review_due", "Next review due", "date"),
]
FIELD_NAMES = [content_field.name for content_field in FIELDS]
REVIEW_FIELDS = ["reviewed_by", "last_reviewed", "next_review_due"]  # the "Medical review" fieldset
ROW_FIELDS = [content_field for content_field in FIELDS if content_field.kind != "topics"]  # on the article's row


@dataclass
class ArticleContent:
    title: str = ""
    slug: str = ""
    summary: str = ""
    main_topic_id: int | None = None
    topic_ids: list = field(default_factory=list)
    featured: bool = False
    reviewed_by: str = ""
    last_reviewed: datetime.date | None = None
    next_review_due: datetime.date | None = None
    sections: list = field(default_factory=list)  # [(heading, body)] in reading order

    # --- One builder from each source ------------------------------------------------

    @classmethod
    def of(cls, article):
        """What the article's own row, sections and topics hold now."""
        return cls(
            **{f.attribute: getattr(article, f.attribute) for f in ROW_FIELDS},
            topic_ids=sorted(topic.pk for topic in article.topics.all()),
            sections=[(section.heading, section.body) for section in article.sections.all()],
        )

    @classmethod
    def from_json(cls, data):
        """A draft of changes (`ArticleDraft.content`)."""
        return cls(
            **{f.attribute: f.from_json(data[f.name]) for f in FIELDS if f.name in data},
            sections=[(section["heading"], section["body"]) for section in data.get("sections", [])],
        )

    @classmethod
    def from_version(cls, version):
        """A saved version of the article (django-reversion), with its sections as they were."""
        data = version.field_dict
        values = {
            f.attribute: data.get(f.attribute, data.get(f.name))
            for f in ROW_FIELDS
            if {f.name, f.attribute} & data.keys()
        }
        return cls(**values, topic_ids=sorted(data.get("topics", [])), sections=version_sections(version))

    @classmethod
    def from_form(cls, cleaned_data, sections):
        """What the editor sent: the article form's cleaned data and the sections in order."""
        return cls(
            **{f.attribute: f.from_form(cleaned_data[f.name]) for f in FIELDS if f.name in cleaned_data},
            sections=list(sections),
        )

    # --- Where it goes -----------------------------------------------------------------

    def to_json(self):
        return {
            **{f.name: f.to_json(getattr(self, f.attribute)) for f in FIELDS},
            "sections": [{"heading": heading, "body": body} for heading, body in self.sections],
        }

    def form_initial(self):
        """The editing form's initial values for this content."""
        return {f.name: getattr(self, f.attribute) for f in FIELDS}

    def apply_fields(self, article):
        """Set the article's own fields (not its sections or topics) to this content; nothing is saved."""
        for content_field in ROW_FIELDS:
            setattr(article, content_field.attribute, getattr(self, content_field.attribute))

    def preview(self, article):
        """An unsaved copy of `article` showing this content, for the staff preview of a draft."""
        shown = copy.copy(article)
        shown._state = copy.copy(article._state)
        shown._state.fields_cache = {}
        self.apply_fields(shown)
        sections = Section.objects.none()
        sections._result_cache = [
            Section(order=position, heading=heading, body=body)
            for position, (heading, body) in enumerate(self.sections, start=1)
        ]
        shown._prefetched_objects_cache = {
            "sections": sections,
            "topics": Topic.objects.filter(pk__in=self.topic_ids),
        }
        shown.is_draft_preview = True
        return shown


def editing_content(article):
    """What the editor works on: the waiting draft of changes, or else the article as it is."""
    draft = article.waiting_draft
    return ArticleContent.from_json(draft.content) if draft else ArticleContent.of(article)


def version_sections(version):
    """The (heading, body) of each section as they were in `version`, in order."""
    section_type = ContentType.objects.get_for_model(Section)
    article_id = int(version.object_id)
    sections = [
        other.field_dict
        for other in version.revision.version_set.filter(content_type=section_type)
        if other.field_dict.get("article_id", other.field_dict.get("article")) == article_id
    ]
    return [(s["heading"], s["body"]) for s in sorted(sections, key=lambda s: (s["order"], s["id"]))]
