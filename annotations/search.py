"""Full-text search over claims.

On PostgreSQL each claim carries a stored `search_vector` column (a generated column added by
migration 0002, so the ORM never writes it and bulk inserts keep their fast path), built with
the text search configuration of the claim's language — French, English, Russian, German,
Spanish, Italian, Portuguese, else `simple` — with accents folded by `unaccent`, under a GIN
index. Each appearance's quote has its own stored vector (migration 0004; configuration
`simple`, accents folded: the quote's language lives on its claim, out of reach of a generated
column), so a claim is also found by the words of its quotes. A query is parsed with
`websearch_to_tsquery` (never a syntax error, whatever the user types) in every configuration
at once, so a word matches in whichever language it was stemmed.

Elsewhere (SQLite) every word (or quoted phrase) of the query must occur, case-insensitively,
in the claim's wording, claimant or one of its quotes; `-word` excludes, `or` offers a choice.

Query text is untrusted: `parse_query` reduces it to words, quoted phrases, `-exclusions` and
`or`, drops every other operator character, and refuses a query longer than
`CLAIMDESK_SEARCH_MAX_LENGTH` characters or with more than `CLAIMDESK_SEARCH_MAX_TERMS` words
(a ValidationError), because the databases fail on large queries: PostgreSQL's
parser runs out of stack ("tsquery stack too small"), SQLite's expression tree overflows.
"""

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import (
    BooleanField,
    Exists,
    FloatField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext

# Claim language (ISO 639-1) → PostgreSQL snowball configuration.
STEMMED_LANGUAGES = {
    "fr": "french",
    "en": "english",
    "ru": "russian",
    "de": "german",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
}
CONFIGS = [*STEMMED_LANGUAGES.values(), "simple"]
NO_RANK = Value(0.0, output_field=FloatField())


# A word: letters and digits, joined by inner apostrophes or hyphens (l’annulation, anti-vax).
WORD_RE = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
# A quoted phrase, an unquoted chunk (which may start with "-"), or a stray quote.
CHUNK_RE = re.compile(r'"([^"]*)"?|(\S+)')


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or the words of a phrase
    excluded: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    """A search query reduced to what it means: alternatives (`or`), each a list of terms
    that must all match (or, excluded, must not)."""

    alternatives: tuple[tuple[Term, ...], ...]

    @property
    def websearch(self) -> str:
        """The query in `websearch_to_tsquery`'s syntax, with nothing else in it."""
        return " or ".join(
            " ".join(
                ("-" if t.excluded else "")
                + (f'"{" ".join(t.words)}"' if len(t.words) > 1 else t.words[0])
                for t in terms
            )
            for terms in self.alternatives
        )

    @property
    def words(self) -> list[str]:
        return [w for terms in self.alternatives for t in terms for w in t.words]

    def __bool__(self) -> bool:
        return bool(self.alternatives)

    def __str__(self) -> str:
        return self.websearch


def matching(q: ParsedQuery, contains: Callable[[str], Q]) -> Q:
    """The condition for `q` where `contains(text)` is the condition that a word or phrase
    occurs: every term of one alternative, excluded ones negated."""

    def term(t: Term) -> Q:
        found = contains(" ".join(t.words))
        return ~found if t.excluded else found

    return reduce(
        operator.or_,
        (reduce(operator.and_, map(term, terms), Q()) for terms in q.alternatives),
        Q(),
    )


def parse_query(q: str) -> ParsedQuery:
    """Reduce untrusted query text to a ParsedQuery; a ValidationError when it is longer or
    has more words than the settings allow."""
    max_length = settings.CLAIMDESK_SEARCH_MAX_LENGTH
    max_terms = settings.CLAIMDESK_SEARCH_MAX_TERMS
    if len(q) > max_length:
        raise ValidationError(
            gettext("The search is %(length)d characters long; at most %(most)d are allowed.")
            % {"length": len(q), "most": max_length},
            code="max_length",
        )
    alternatives: list[list[Term]] = [[]]
    for match in CHUNK_RE.finditer(q.replace("\x00", " ")):
        phrase, chunk = match.groups()
        if chunk is not None and chunk.lower() == "or":
            if alternatives[-1]:
                alternatives.append([])
            continue
        text = phrase if phrase is not None else chunk
        words = tuple(WORD_RE.findall(text))
        if not words:
            continue
        if phrase is not None:
            alternatives[-1].append(Term(words))
        else:
            # An unquoted chunk such as "a&b" or "x:*" is its words; a leading "-" excludes.
            excluded = chunk.startswith("-")
            alternatives[-1].extend(Term((w,), excluded) for w in words)
    parsed = ParsedQuery(tuple(tuple(terms) for terms in alternatives if terms))
    # Each part of a hyphenated word is a term of its own to PostgreSQL.
    count = sum(len(re.findall(r"[^\W_]+", w)) for w in parsed.words)
    if count > max_terms:
        raise ValidationError(
            gettext("The search has %(count)d words; at most %(most)d are allowed.")
            % {"count": count, "most": max_terms},
            code="max_terms",
        )
    return parsed


def config_name(base: str) -> str:
    """Our accent-folding copy of PostgreSQL's configuration `base`."""
    return f"claimdesk_{base}"


def _appearances(claims: QuerySet) -> type[Model]:
    """The model of the claims' appearances, reached through the relation rather than
    imported: the claims' models import this module."""
    return claims.model._meta.get_field("appearances").related_model


def _query_sql() -> str:
    parts = [f"websearch_to_tsquery('{config_name(c)}', %s)" for c in CONFIGS]
    return "(" + " || ".join(parts) + ")"


def search_claims(claims: QuerySet, q: str | ParsedQuery) -> QuerySet:
    """Claims matching the free-text query `q` (text is parsed by `parse_query`, and may
    raise its ValidationError), annotated with `search_rank` (higher is better; 0 where the
    database has no ranking). A query with no word to look for matches every claim."""
    if isinstance(q, str):
        q = parse_query(q)
    if not q:
        return claims.annotate(search_rank=NO_RANK)
    if connections[claims.db].vendor == "postgresql":
        return _search_postgresql(claims, q)
    return _search_portable(claims, q)


def _search_postgresql(claims: QuerySet, q: ParsedQuery) -> QuerySet:
    table = claims.model._meta.db_table
    appearance_table = _appearances(claims)._meta.db_table
    query = _query_sql()

    def contains(text: str) -> Q:
        # The match is computed once, as an array of ids (an InitPlan), so the planner cannot
        # walk a date index hoping to meet rare matches early: it uses the GIN index instead.
        # A claim also matches through one of its quotes (appearances carry their own
        # vector). Each term is matched on its own, so that an excluded word is excluded in
        # every configuration (NOT of an OR over configurations, not an OR of NOTs).
        sql = (
            f'("{table}"."id" = ANY(ARRAY(SELECT "id" FROM "{table}"'
            f' WHERE "search_vector" @@ {query}))'
            f' OR "{table}"."id" = ANY(ARRAY(SELECT "claim_id" FROM "{appearance_table}"'
            f' WHERE "search_vector" @@ {query})))'
        )
        phrase = f'"{text}"'
        return Q(RawSQL(sql, [phrase] * (2 * len(CONFIGS)), output_field=BooleanField()))

    wanted = ParsedQuery(
        tuple(
            kept for terms in q.alternatives if (kept := tuple(t for t in terms if not t.excluded))
        )
    )
    rank = (
        RawSQL(
            f'ts_rank_cd("{table}"."search_vector", {query})',
            [wanted.websearch] * len(CONFIGS),
            output_field=FloatField(),
        )
        if wanted
        else NO_RANK
    )
    return claims.filter(matching(q, contains)).annotate(search_rank=rank)


def _search_portable(claims: QuerySet, q: ParsedQuery) -> QuerySet:
    appearances = _appearances(claims)._default_manager

    def contains(text: str) -> Q:
        quoted = appearances.filter(claim=OuterRef("pk"), quote__icontains=text)
        return Q(text__icontains=text) | Q(claimant__icontains=text) | Exists(quoted)

    return claims.filter(matching(q, contains)).annotate(search_rank=NO_RANK)
