"""Saved versions of an article (django-reversion) and what changed between two of them."""

import difflib
import re
from dataclasses import dataclass
from itertools import zip_longest

import reversion
from reversion.models import Version

from .content import FIELDS
from .models import Topic

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
    changed = [f for f in FIELDS if getattr(before, f.attribute) != getattr(after, f.attribute)]
    topic_ids = {
        pk
        for f in changed
        if f.kind in ("topic", "topics")
        for content in (before, after)
        for pk in _topic_ids(f, content)
    }
    names = dict(Topic.objects.filter(pk__in=topic_ids).values_list("pk", "name")) if topic_ids else {}
    changes = [Change(f.label, "changed", word_diff(_text(f, before, names), _text(f, after, names))) for f in changed]
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


def _topic_ids(content_field, content):
    value = getattr(content, content_field.attribute)
    return list(value) if content_field.kind == "topics" else [value] if value else []


def _text(content_field, content, topic_names):
    """A field's value as the editor reads it."""
    value = getattr(content, content_field.attribute)
    if content_field.kind in ("topic", "topics"):
        return ", ".join(sorted(topic_names.get(pk, "?") for pk in _topic_ids(content_field, content)))
    if content_field.kind == "bool":
        return "Yes" if value else "No"
    if value is None:
        return ""
    return value.strftime("%B %-d, %Y") if content_field.kind == "date" else str(value)
