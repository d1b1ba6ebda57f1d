"""What changed between two saved versions of an article: fields, topics and sections."""

import difflib
from dataclasses import dataclass
from itertools import zip_longest

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
    """The changes from `older` to `newer`, in reading order: fields, topics, then each section by position."""
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
    pairs = zip_longest(version_sections(older), version_sections(newer))
    for position, (old, new) in enumerate(pairs, start=1):
        if old == new:
            continue
        if old is None:
            changes.append(Change(f"Section {position}, “{new[0]}”", "added", new=new[1]))
        elif new is None:
            changes.append(Change(f"Section {position}, “{old[0]}”", "removed", old=old[1]))
        else:
            heading = old[0] if old[0] == new[0] else f"{old[0]} → {new[0]}"
            changes.append(Change(f"Section {position}, “{heading}”", "changed", diff=line_diff(old[1], new[1])))
    return changes
