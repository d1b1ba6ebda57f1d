"""Word-level helpers for article search: stemming where the database has none, and "Did you mean …?".

PostgreSQL stems with its `english` configuration and measures similarity with pg_trgm; on other
databases the same ideas run in Python (the Snowball English stemmer, pg_trgm's trigram similarity), so
"stimulator" finds "stimulation" and "fusoin" offers "fusion" on SQLite as in production.
"""

import re

import snowballstemmer
from django.db import connections

WORD = re.compile(r"[a-z]+")
# The shortest word worth suggesting or matching on its stem.
MIN_WORD_LENGTH = 3
# pg_trgm's own default (0.3) misses one swapped pair of letters in a six-letter word ("fusoin": 0.27).
SIMILARITY_THRESHOLD = 0.2
MAX_QUERY_WORDS = 10
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


def vocabulary(articles):
    """Every word of at least three letters in these articles' titles, summaries and sections."""
    from .models import Section

    found = set()
    for title, summary in articles.values_list("title", "summary"):
        found.update(words(f"{title} {summary}"))
    for heading, body in Section.objects.filter(article__in=articles.values("pk")).values_list("heading", "body"):
        found.update(words(f"{heading} {body}"))
    return {word for word in found if len(word) >= MIN_WORD_LENGTH}


def closest_words(query_words, articles):
    """{query word: the articles' word most like it, or the query word itself if it is one of theirs}."""
    if connections[articles.db].vendor == "postgresql":
        return _closest_words_postgres(query_words, articles)
    known = vocabulary(articles)
    closest = {}
    for word in query_words:
        if word in known:
            closest[word] = word
            continue
        scored = sorted((-similarity(word, candidate), candidate) for candidate in known)
        if scored and -scored[0][0] >= SIMILARITY_THRESHOLD:
            closest[word] = scored[0][1]
    return closest


def _closest_words_postgres(query_words, articles):
    from .models import Article, Section

    ids_sql, ids_params = articles.order_by().values("pk").query.sql_with_params()
    article_table, section_table = Article._meta.db_table, Section._meta.db_table
    sql = f"""
        WITH vocabulary AS (
            SELECT DISTINCT word FROM (
                SELECT regexp_split_to_table(lower(title || ' ' || summary), '[^a-z]+') AS word
                FROM {article_table} WHERE id IN ({ids_sql})
                UNION ALL
                SELECT regexp_split_to_table(lower(heading || ' ' || body), '[^a-z]+')
                FROM {section_table} WHERE article_id IN ({ids_sql})
            ) AS split WHERE length(word) >= %s
        )
        SELECT asked.word, best.word
        FROM unnest(%s::text[]) AS asked(word)
        CROSS JOIN LATERAL (
            SELECT vocabulary.word, similarity(vocabulary.word, asked.word) AS score
            FROM vocabulary ORDER BY (vocabulary.word = asked.word) DESC, score DESC, vocabulary.word LIMIT 1
        ) AS best
        WHERE best.word = asked.word OR best.score >= %s
    """  # table names come from the models; every value is a parameter
    params = [*ids_params, *ids_params, MIN_WORD_LENGTH, list(query_words), SIMILARITY_THRESHOLD]
    with connections[articles.db].cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


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
