"""French full-text search over offers, the same interface on PostgreSQL and SQLite.

PostgreSQL: `Offer.search_vector`, a weighted tsvector in the `french_unaccent` configuration (unaccent + French
stemmer), GIN-indexed. SQLite: `Offer.search_text`, the same words normalised (accents, case) and lightly
folded (French plurals and final "e"), matched word by word. Both columns are filled by database triggers
(directory/triggers.py), so every writer (importer, admin, forms, bulk inserts, raw SQL) keeps them current.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connections
from django.db.models import Case, F, FloatField, Func, TextField, Value, When

from directory.text import normalize

SEARCH_CONFIG = "french_unaccent"
MAX_QUERY_LENGTH = 200
_WORD = re.compile(r"[a-z0-9]+")


def fold_word(word: str) -> str:
    """A light French suffix folding: « coopératives » and « cooperative » -> « cooperativ »."""
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("eaux"):
        word = word[:-1]
    elif word.endswith("aux"):
        word = word[:-3] + "al"
    elif word[-1] in "sx":
        word = word[:-1]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def fold_text(*parts) -> str:
    """The stored form of a document on SQLite: folded words between spaces (" crech parental ")."""
    words = _WORD.findall(normalize(" ".join(str(part) for part in parts if part)))
    return " " + " ".join(fold_word(word) for word in words) + " " if words else ""


def query_words(text: str) -> list[str]:
    return [fold_word(word) for word in _WORD.findall(normalize((text or "")[:MAX_QUERY_LENGTH]))]


def search_offers(queryset, text: str):
    """Offers matching every word of the text, annotated with `rank` (higher is more relevant)."""
    text = (text or "").strip()[:MAX_QUERY_LENGTH]
    if not query_words(text):
        return queryset
    if connections[queryset.db].vendor == "postgresql":
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        return queryset.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))
    words = query_words(text)
    for word in words:
        # Each stored word is preceded by a space: a prefix match on words (« coop » finds « cooperativ »).
        queryset = queryset.filter(search_text__contains=f" {word}")
    # Rank like PostgreSQL's weights, roughly: each word found in the title counts, so title matches come first.
    queryset = queryset.alias(folded_title=Func(F("title"), function="guichet_search_text", output_field=TextField()))
    title_hits = [
        Case(When(folded_title__contains=f" {word}", then=Value(1.0)), default=Value(0.0), output_field=FloatField())
        for word in dict.fromkeys(words)
    ]
    return queryset.annotate(rank=sum(title_hits, Value(1.0, output_field=FloatField())))
