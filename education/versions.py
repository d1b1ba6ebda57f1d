"""What changed between two saved versions of an article: fields, topics and sections."""

import difflib
from dataclasses import dataclass

from .models import Topic
from .publishing import version_sections

COMPARED_FIELDS = [
    ("title", "Title"),
    ("slug", "Web address"),
    ("summary", "Summary"),
    ("reviewed_by", "Reviewed by"),
    ("last_reviewed", "Last reviewed"),
    ("next_review_due", "Next review due"),
    ("status", "Status"),
]


@dataclass
class Change:
    label: str
    kind: str  # "changed", "added", "removed"
    old: str = ""
    new: str = ""
    diff: list = None  # [(marker, line)], marker in "+", "-", " "


def line_diff(old, new):
    return [
        (line[0], line[2:])
        for line in difflib.ndiff((old or "").splitlines(), (new or "").splitlines())
        if not line.startswith("?")
    ]


def compare_versions(older, newer):
    """The changes from `older` to `newer`, in reading order: fields, topics, then each section."""
    before, after = older.field_dict, newer.field_dict
    changes = [
        Change(label, "changed", str(before.get(name) or ""), str(after.get(name) or ""))
        for name, label in COMPARED_FIELDS
        if before.get(name) != after.get(name)
    ]
    topics_before, topics_after = set(before.get("topics", [])), set(after.get("topics", []))
    if topics_before != topics_after:
        names = dict(Topic.objects.filter(pk__in=topics_before | topics_after).values_list("pk", "name"))
        changes.append(
            Change(
                "Topics",
                "changed",
                ", ".join(sorted(names.get(pk, "?") for pk in topics_before)),
                ", ".join(sorted(names.get(pk, "?") for pk in topics_after)),
            )
        )
    sections_before = dict(version_sections(older))
    sections_after = dict(version_sections(newer))
    for heading, body in version_sections(newer):
        if heading not in sections_before:
            changes.append(Change(f"Section “{heading}”", "added", new=body))
        elif sections_before[heading] != body:
            changes.append(Change(f"Section “{heading}”", "changed", diff=line_diff(sections_before[heading], body)))
    for heading, body in version_sections(older):
        if heading not in sections_after:
            changes.append(Change(f"Section “{heading}”", "removed", old=body))
    return changes
