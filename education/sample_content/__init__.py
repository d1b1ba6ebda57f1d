"""The sample topics and article, loaded by `manage.py load_sample_content` (the clinic is in clinic/)."""

import datetime
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parent

TOPICS = [
    {
        "slug": "spinal-fusion",
        "has_warning_signs": True,
        "name": "Spinal fusion",
        "kind": "treatment",
        "description": "Surgery that joins two or more bones of the spine so that they heal into one.",
    },
    {
        "slug": "failed-back-surgery-syndrome",
        "has_warning_signs": True,
        "name": "Failed back surgery syndrome",
        "kind": "condition",
        "description": "Pain that goes on after back or neck surgery.",
    },
    {
        "slug": "spinal-cord-stimulation",
        "has_warning_signs": True,
        "name": "Spinal cord stimulation",
        "kind": "treatment",
        "description": "A small implanted device that sends mild electric pulses to ease chronic pain.",
    },
    {
        "slug": "chronic-pain",
        "name": "Chronic pain",
        "kind": "condition",
        "description": "Pain that lasts for three months or more.",
    },
]

ARTICLES = [
    {
        "file": "why-pain-after-spinal-fusion.txt",
        "slug": "why-pain-after-spinal-fusion",
        "summary": (
            "Some pain after spinal fusion surgery is common while you heal. Learn why it happens, "
            "and what can help if it lasts."
        ),
        "main_topic": "spinal-fusion",
        "topics": ["spinal-fusion", "failed-back-surgery-syndrome", "spinal-cord-stimulation", "chronic-pain"],
        "featured": True,
        "reviewed_by": "BEST Health System medical team",
        "last_reviewed": datetime.date(2026, 11, 2),
        "published_at": datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC),
    },
]


def split_article(text):
    """(title, [(heading, body), …]) from a plain-text article.

    The first paragraph is the title; a paragraph of one short line that does not end
    with a full stop is a section heading; other paragraphs belong to the section above.
    """
    paragraphs = [" ".join(block.split()) for block in text.split("\n\n") if block.strip()]
    title, sections = paragraphs[0], []
    for paragraph in paragraphs[1:]:
        if len(paragraph) <= 80 and not paragraph.endswith("."):
            sections.append((paragraph, []))
        elif sections:
            sections[-1][1].append(paragraph)
        else:
            sections.append(("Introduction", [paragraph]))
    return title, [(heading, "\n\n".join(body)) for heading, body in sections]
