"""The checks before publishing: errors block it; warnings need an explicit "publish anyway".

`check_content` is the one run of every check on an article's content (the admin's form runs it once
per publish and hands the result to `publishing.publish`); `CheckResult.reading_grade` keeps the grade
it worked out, so publishing stores it without working it out again.
"""

import itertools
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from . import markdown, readability
from .models import Article

SUMMARY_LENGTH = (50, 160)
SECTION_WORD_LIMIT = 400
SECTION_HEADING_LEVEL = 2  # each section's heading is an <h2> on the page
READABILITY_ANCHOR = "readability"  # where a reading-grade warning links to on the change page


# --- Checks, one function per concern ------------------------------------------------


@dataclass
class PublishWarning:
    field: str  # the form field it is about, e.g. "next_review_due" or "sections-0-body"
    message: str

    def __str__(self):
        return self.message


@dataclass
class CheckResult:
    errors: dict = field(default_factory=dict)  # field name → [messages]; "sections" → {index: [messages]}
    warnings: list = field(default_factory=list)  # [PublishWarning]
    reading_grade: object = None  # the whole article's grade, once check_reading_grade has worked it out

    def error(self, name, message):
        self.errors.setdefault(name, []).append(message)

    def section_error(self, index, message):
        self.errors.setdefault("sections", {}).setdefault(index, []).append(message)

    def warn(self, name, message):
        self.warnings.append(PublishWarning(name, message))

    @property
    def warning_messages(self):
        return [warning.message for warning in self.warnings]


class PublishingRefused(Exception):
    def __init__(self, result):
        super().__init__("; ".join(_flatten(result.errors)) or "; ".join(result.warning_messages))
        self.result = result


def _flatten(errors):
    for name, messages in errors.items():
        if isinstance(messages, dict):
            for index, section_messages in messages.items():
                yield from (f"section {index + 1}: {message}" for message in section_messages)
        else:
            yield from (f"{name}: {message}" for message in messages)


def check_address(content, article, result):
    if content.slug and Article.objects.filter(slug=content.slug).exclude(pk=getattr(article, "pk", None)).exists():
        result.error("slug", "Another article already uses this web address: choose another.")


def check_review(content, result):
    today = timezone.localdate()
    if not (content.reviewed_by or "").strip():
        result.error("reviewed_by", "Add the clinician who reviewed the medical facts.")
    if not content.last_reviewed:
        result.error("last_reviewed", "Add the date of the last medical review.")
    elif content.last_reviewed > today:
        result.error("last_reviewed", "The last review cannot be in the future.")
    if content.next_review_due and content.next_review_due < today:
        result.warn("next_review_due", f"The next review date ({content.next_review_due:%B %-d, %Y}) has passed.")


def check_summary(content, result):
    summary = (content.summary or "").strip()
    low, high = SUMMARY_LENGTH
    if not summary:
        result.error("summary", "Add a summary: search engines and lists show it.")
    elif not low <= len(summary) <= high:
        result.error("summary", f"Make the summary {low} to {high} characters long (it has {len(summary)}).")


def check_sections(content, result):
    if not content.sections:
        result.error("sections", "Add at least one section.")
    for index, (heading, body) in enumerate(content.sections):
        if not (heading or "").strip() or not (body or "").strip():
            result.section_error(index, "This section is empty: give it a heading and some text, or remove it.")
            continue
        for problem in _unlabelled_media(body):
            result.section_error(index, problem)
        words = sum(len(block.split()) for block in readability.plain_blocks(body))
        if words > SECTION_WORD_LIMIT:
            result.warn(
                f"sections-{index}-body",
                f"“{heading}” has {words} words; sections over {SECTION_WORD_LIMIT} are hard to follow.",
            )
        if skipped := _skipped_heading_level(body):
            result.warn(f"sections-{index}-body", f"“{heading}” has a heading that skips a level ({skipped}).")


def check_reading_grade(content, result):
    if not content.sections or result.errors.get("sections"):
        return
    grade = result.reading_grade = reading_grade(content)
    target = settings.EDUCATION_READING_GRADE_TARGET
    if grade is not None and grade > target:
        result.warn(READABILITY_ANCHOR, f"It reads at grade {grade}, above the target of grade {target}.")


def reading_grade(content):
    """The whole article's Flesch-Kincaid grade (the one way it is worked out)."""
    return readability.analyse(content.title, content.sections).whole.flesch_kincaid_grade


def check_blockers(content, article=None):
    """The checks that block publishing (`article` is None for an article not saved yet)."""
    result = CheckResult()
    check_address(content, article, result)
    check_review(content, result)
    check_summary(content, result)
    check_sections(content, result)
    return result


def check_content(content, article=None):
    """Every check before publishing `content` as `article`, with the reading grade."""
    result = check_blockers(content, article)
    check_reading_grade(content, result)
    return result


def _unlabelled_media(body):
    problems = []
    for token in markdown.parse(body):
        for child in token.children or []:
            if child.type == "image" and not child.content.strip():
                problems.append("An image has no description for people who cannot see it: write one in ![…].")
    for link_text in re.findall(r"(?<!!)\[([^\]]*)\]\([^)]*\)", body):
        if not link_text.strip():
            problems.append("A link has no text: write what it leads to in […].")
    return problems


def _skipped_heading_level(body):
    """The first heading that skips a level, as the page renders it (e.g. "h4 expected, h5 found")."""
    levels = [int(token.tag[1]) for token in markdown.parse(body) if token.type == "heading_open"]
    for previous, level in itertools.pairwise([SECTION_HEADING_LEVEL, *levels]):
        if level > previous + 1:
            return f"h{previous + 1} expected, h{level} found"
    return None
