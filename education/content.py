"""An article's content as one value: what is live, what a draft of changes holds, what a version kept.

The live content sits in the article's own row, its sections and topics; a draft of changes
keeps the same value as JSON beside it (`ArticleDraft.content`), so nothing that lists or counts
articles ever meets a draft.
"""

import copy
import datetime
from dataclasses import dataclass, field

SCALAR_FIELDS = ["title", "slug", "summary", "featured", "reviewed_by"]
DATE_FIELDS = ["last_reviewed", "next_review_due"]


@dataclass
class ArticleContent:
    title: str = ""
    slug: str = ""
    summary: str = ""
    featured: bool = False
    reviewed_by: str = ""
    last_reviewed: datetime.date | None = None
    next_review_due: datetime.date | None = None
    main_topic_id: int | None = None
    topic_ids: list = field(default_factory=list)
    sections: list = field(default_factory=list)  # [(heading, body)] in reading order

    @classmethod
    def of(cls, article):
        """What the article's own row, sections and topics hold now."""
        return cls(
            **{name: getattr(article, name) for name in SCALAR_FIELDS + DATE_FIELDS},
            main_topic_id=article.main_topic_id,
            topic_ids=sorted(topic.pk for topic in article.topics.all()),
            sections=[(section.heading, section.body) for section in article.sections.all()],
        )

    def to_json(self):
        return {
            **{name: getattr(self, name) for name in SCALAR_FIELDS},
            **{name: value.isoformat() if (value := getattr(self, name)) else None for name in DATE_FIELDS},
            "main_topic": self.main_topic_id,
            "topics": list(self.topic_ids),
            "sections": [{"heading": heading, "body": body} for heading, body in self.sections],
        }

    @classmethod
    def from_json(cls, data):
        return cls(
            **{name: data.get(name, getattr(cls, name)) for name in SCALAR_FIELDS},
            **{name: datetime.date.fromisoformat(value) if (value := data.get(name)) else None for name in DATE_FIELDS},
            main_topic_id=data.get("main_topic"),
            topic_ids=list(data.get("topics", [])),
            sections=[(section["heading"], section["body"]) for section in data.get("sections", [])],
        )

    def apply_fields(self, article):
        """Set the article's own fields (not its sections or topics) to this content; nothing is saved."""
        for name in SCALAR_FIELDS + DATE_FIELDS:
            setattr(article, name, getattr(self, name))
        article.main_topic_id = self.main_topic_id

    def preview(self, article):
        """An unsaved copy of `article` showing this content, for the staff preview of a draft."""
        from .models import Section, Topic

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
