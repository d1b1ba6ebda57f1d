"""Saved versions of an article (django-reversion) and what changed between two of them."""

import difflib
import re
from dataclasses import dataclass
from itertools import zip_longest

import reversion
from django.contrib.contenttypes.models import ContentType
from reversion.models import Version

from .content import ArticleContent
from .models import Section, Topic

COMPARED_FIELDS = [
    ("title", "Title"),
    ("slug", "Web address"),
    ("summary", "Summary"),
    ("reviewed_by", "Reviewed by"),
    ("last_reviewed", "Last reviewed"),
    ("next_review_due", "Next review due"),
]
TOKEN = re.compile(r"\s+|[^\s]+")


def record_version(article, *, by, comment):
    """Keep a version of the article as saved now: its fields, topics and sections in order."""
    with reversion.create_revision():
        reversion.add_to_revision(article)  # follows its sections (registered with follow=["sections"])
        reversion.set_user(by)
        reversion.set_comment(comment)
    return Version.objects.get_for_object(article).first()


def recent_versions(article, limit=50):
    versions = Version.objects.get_for_object(article).select_related("revision", "revision__user")
    return versions[:limit] if limit else versions


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


def content_of_version(version):
    data = version.field_dict
    return ArticleContent(
        title=data.get("title", ""),
        slug=data.get("slug", ""),
        summary=data.get("summary", ""),
        featured=data.get("featured", False),
        reviewed_by=data.get("reviewed_by", ""),
        last_reviewed=data.get("last_reviewed"),
        next_review_due=data.get("next_review_due"),
        main_topic_id=data.get("main_topic_id", data.get("main_topic")),
        topic_ids=sorted(data.get("topics", [])),
        sections=version_sections(version),
    )


@dataclass
class Change:
    label: str
    kind: str  # "changed", "added", "removed" or "unchanged" (shown folded)
    words: list  # [(kind, text)], kind in "same", "added", "removed": the text with its changes marked


def word_diff(old, new):
    """The new text with the words that changed marked: [("same"|"added"|"removed", text)]."""
    before, after = TOKEN.findall(old or ""), TOKEN.findall(new or "")
    marked = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            marked.append(("same", "".join(before[i1:i2])))
            continue
        if i2 > i1:
            marked.append(("removed", "".join(before[i1:i2])))
        if j2 > j1:
            marked.append(("added", "".join(after[j1:j2])))
    return marked


def compare_contents(before, after):
    """The changes from `before` to `after` (ArticleContent), in reading order; unchanged sections included."""
    changes = [
        Change(label, "changed", word_diff(_text(getattr(before, name)), _text(getattr(after, name))))
        for name, label in COMPARED_FIELDS
        if getattr(before, name) != getattr(after, name)
    ]
    if set(before.topic_ids) != set(after.topic_ids):
        names = dict(Topic.objects.filter(pk__in={*before.topic_ids, *after.topic_ids}).values_list("pk", "name"))
        old, new = (", ".join(sorted(names.get(pk, "?") for pk in ids)) for ids in (before.topic_ids, after.topic_ids))
        changes.append(Change("Topics", "changed", word_diff(old, new)))
    pairs = zip_longest(before.sections, after.sections)
    for position, (old, new) in enumerate(pairs, start=1):
        if old is None:
            changes.append(Change(f"Section {position}, “{new[0]}”", "added", [("added", new[1])]))
        elif new is None:
            changes.append(Change(f"Section {position}, “{old[0]}”", "removed", [("removed", old[1])]))
        elif old == new:
            changes.append(Change(f"Section {position}, “{old[0]}”", "unchanged", [("same", old[1])]))
        else:
            heading = old[0] if old[0] == new[0] else f"{old[0]} → {new[0]}"
            changes.append(Change(f"Section {position}, “{heading}”", "changed", word_diff(old[1], new[1])))
    return changes


def compare_versions(older, newer):
    return compare_contents(content_of_version(older), content_of_version(newer))


def _text(value):
    if value is None:
        return ""
    return value.strftime("%B %-d, %Y") if hasattr(value, "strftime") else str(value)
