"""Word-level helpers for article search: stemming where the database has none, and "Did you mean …?".

PostgreSQL stems with its `english` configuration and measures similarity with pg_trgm; on other
databases the same ideas run in Python (the Snowball English stemmer, pg_trgm's trigram similarity), so
"stimulator" finds "stimulation" and "fusoin" offers "fusion" on SQLite as in production.
"""

import re
from collections import Counter

import snowballstemmer
from django.db import connections

WORD = re.compile(r"[a-z]+")
# The shortest word worth suggesting or matching on its stem.
MIN_WORD_LENGTH = 3
# pg_trgm's own default (0.3) misses one swapped pair of letters in a six-letter word ("fusoin": 0.27).
SIMILARITY_THRESHOLD = 0.2
MAX_QUERY_WORDS = 10
# How many of the most similar words to weigh for each word asked.
CANDIDATES = 10
_stemmer = snowballstemmer.stemmer("english")


def words(text):
    return WORD.findall(text.lower())


def stem(word):
    return _stemmer.stemWord(word.lower())


def match_fragment(word):
    """What to look for inside the text for `word`: the part it shares with its stem ("stimulator" → "stimul").

    Every form of the word that stems the same way starts with it, so a substring match on it finds them.
    """
    word = word.strip(".,;:!?\"'()[]").lower() or word.lower()
    stemmed = stem(word)
    shared = 0
    while shared < min(len(word), len(stemmed)) and word[shared] == stemmed[shared]:
        shared += 1
    return word[:shared] if shared >= MIN_WORD_LENGTH else word


def trigrams(word):
    """The trigrams of a word as pg_trgm makes them: two spaces before, one after, lower case."""
    padded = f"  {word.lower()} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(first, second):
    """pg_trgm's similarity(): shared trigrams over all trigrams of the two words."""
    a, b = trigrams(first), trigrams(second)
    return len(a & b) / len(a | b) if a and b else 0.0


def edit_distance(first, second):
    """Letters to add, remove, change or swap with a neighbour to turn one word into the other."""
    previous_row, row = None, list(range(len(second) + 1))
    for i, a in enumerate(first, start=1):
        before, previous_row, row = previous_row, row, [i] + [0] * len(second)
        for j, b in enumerate(second, start=1):
            row[j] = min(previous_row[j] + 1, row[j - 1] + 1, previous_row[j - 1] + (a != b))
            if i > 1 and j > 1 and a == second[j - 2] and first[i - 2] == b:
                row[j] = min(row[j], before[j - 2] + 1)
    return row[-1]


def sections_model(article_model):
    """The Section model, found from the Article model (this module does not import the models)."""
    return article_model._meta.get_field("sections").related_model


def vocabulary(articles):
    """{word: how often it occurs} for the words of at least three letters in these articles."""
    Section = sections_model(articles.model)
    found = Counter()
    for title, summary in articles.values_list("title", "summary"):
        found.update(words(f"{title} {summary}"))
    for heading, body in Section.objects.filter(article__in=articles.values("pk")).values_list("heading", "body"):
        found.update(words(f"{heading} {body}"))
    return Counter({word: count for word, count in found.items() if len(word) >= MIN_WORD_LENGTH})


def closest_words(query_words, articles):
    """{query word: the articles' word most like it, or the query word itself if it is one of theirs}.

    Candidates are the words most similar by trigrams; among them the fewest typing slips wins
    ("fusoin" is one swap from "fusion", three from "fuse"), then the most similar, then the most used.
    """
    if connections[articles.db].vendor == "postgresql":
        candidates = _candidates_postgres(query_words, articles)
    else:
        candidates = _candidates_python(query_words, articles)
    closest = {}
    for word in query_words:
        options = candidates.get(word, [])
        if any(candidate == word for candidate, _, _ in options):
            closest[word] = word
        elif options:
            best = min(options, key=lambda option: (edit_distance(word, option[0]), -option[1], -option[2], option[0]))
            closest[word] = best[0]
    return closest


def _candidates_python(query_words, articles):
    known = vocabulary(articles)
    candidates = {}
    for word in query_words:
        scored = [(candidate, similarity(word, candidate), uses) for candidate, uses in known.items()]
        scored = [option for option in scored if option[0] == word or option[1] >= SIMILARITY_THRESHOLD]
        candidates[word] = sorted(scored, key=lambda option: (-option[1], option[0]))[:CANDIDATES]
    return candidates


def _candidates_postgres(query_words, articles):
    ids_sql, ids_params = articles.order_by().values("pk").query.sql_with_params()
    article_table, section_table = articles.model._meta.db_table, sections_model(articles.model)._meta.db_table
    sql = f"""
        WITH vocabulary AS (
            SELECT word, count(*) AS uses FROM (
                SELECT regexp_split_to_table(lower(title || ' ' || summary), '[^a-z]+') AS word
                FROM {article_table} WHERE id IN ({ids_sql})
                UNION ALL
                SELECT regexp_split_to_table(lower(heading || ' ' || body), '[^a-z]+')
                FROM {section_table} WHERE article_id IN ({ids_sql})
            ) AS split WHERE length(word) >= %s GROUP BY word
        )
        SELECT asked.word, best.word, best.score, best.uses
        FROM unnest(%s::text[]) AS asked(word)
        CROSS JOIN LATERAL (
            SELECT vocabulary.word, similarity(vocabulary.word, asked.word) AS score, vocabulary.uses
            FROM vocabulary
            WHERE vocabulary.word = asked.word OR similarity(vocabulary.word, asked.word) >= %s
            ORDER BY score DESC, vocabulary.word LIMIT %s
        ) AS best
    """  # table names come from the models; every value is a parameter
    params = [*ids_params, *ids_params, MIN_WORD_LENGTH, list(query_words), SIMILARITY_THRESHOLD, CANDIDATES]
    candidates = {}
    with connections[articles.db].cursor() as cursor:
        cursor.execute(sql, params)
        for asked, word, score, uses in cursor.fetchall():
            candidates.setdefault(asked, []).append((word, score, uses))
    return candidates


def suggestion(query, articles):
    """A better spelling of `query` made of the articles' own words ("fusoin" → "fusion"), or ""."""
    asked = words(query)[:MAX_QUERY_WORDS]
    if not asked:
        return ""
    closest = closest_words(asked, articles)
    corrected = [closest.get(word, word) for word in asked]
    if corrected == asked:
        return ""
    better = " ".join(corrected)
    return better if articles.search(better).exists() else ""
