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

Two plans give the same rows in the same order (`Plan`). A rare word is best found through
the GIN indexes: its every match collected first, then the page chosen among them. A
frequent one is best found by walking the list's own order (the `updated_at` index) and
testing each claim's vectors until the page is full: a word in 3 % of claims fills a page
of 100 after ~3,400 claims, where collecting its matches reads tens of thousands of rows.
`choose_plan` decides from PostgreSQL's own statistics of the stored vectors (the
`most_common_elems` that ANALYZE keeps, autovacuum refreshes and `manage.py analyse_search`
refreshes on demand): a term in at least `CLAIMDESK_SEARCH_WALK_FREQUENCY` of claims walks.

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
from enum import StrEnum
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


def search_claims(claims: QuerySet, q: str | ParsedQuery, plan: "Plan | None" = None) -> QuerySet:
    """Claims matching the free-text query `q` (text is parsed by `parse_query`, and may
    raise its ValidationError), annotated with `search_rank` (higher is better; 0 where the
    database has no ranking). A query with no word to look for matches every claim. On
    PostgreSQL `plan` chooses how the matches are found (by default `choose_plan` does);
    the result is the same."""
    if isinstance(q, str):
        q = parse_query(q)
    if not q:
        return claims.annotate(search_rank=NO_RANK)
    if connections[claims.db].vendor == "postgresql":
        return _search_postgresql(claims, q, plan)
    return _search_portable(claims, q)


class Plan(StrEnum):
    """How PostgreSQL finds the matches (same rows, same order, either way)."""

    INDEX = "index"  # every match from the GIN indexes first, then the page among them
    WALK = "walk"  # down the list's own order, each claim's vectors tested until the page is full


def _lexemes_sql() -> str:
    """The lexemes of one word or phrase (%s) in every configuration, as a text array."""
    parts = [f"tsvector_to_array(to_tsvector('{config_name(c)}', %s))" for c in CONFIGS]
    return "(" + " || ".join(parts) + ")"


def term_frequencies(terms: list[str], using: str = "default") -> dict[str, float]:
    """For each word or phrase, the share of claims (or of quotes, whichever is larger) that
    PostgreSQL's statistics say hold it: for a word, its most frequent lexeme in any
    configuration; for a phrase, its least frequent word (an upper bound). A word absent from
    the statistics' most common elements is rarer than all of them: 0. The statistics are
    those ANALYZE keeps (`most_common_elems` of the stored vectors), refreshed by
    autovacuum as the tables change and by `manage.py analyse_search`."""
    tables = ["annotations_claim", "annotations_appearance"]
    sql = (
        "WITH words AS MATERIALIZED ("
        " SELECT t.ord AS term, w.ord AS word, lexeme"
        " FROM unnest(%s::text[]) WITH ORDINALITY AS t(text, ord),"
        " regexp_split_to_table(t.text, ' ') WITH ORDINALITY AS w(text, ord),"
        f" unnest({_lexemes_sql().replace('%s', 'w.text')}) AS lexeme),"
        " common AS MATERIALIZED ("
        " SELECT e.lexeme, e.freq FROM pg_stats s,"
        " unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs)"
        " AS e(lexeme, freq)"
        " WHERE s.schemaname = current_schema() AND s.tablename = ANY(%s)"
        " AND s.attname = 'search_vector')"
        " SELECT words.term, words.word, COALESCE(MAX(common.freq), 0)"
        " FROM words LEFT JOIN common ON common.lexeme = words.lexeme"
        " GROUP BY words.term, words.word"
    )
    per_term: dict[int, list[float]] = {}
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [terms, tables])
        for term_no, _, freq in cursor.fetchall():
            per_term.setdefault(term_no - 1, []).append(float(freq))
    return {term: min(per_term.get(i, [0.0])) for i, term in enumerate(terms)}


def choose_plan(q: ParsedQuery, using: str = "default") -> Plan:
    """WALK when a page of matches is met soon walking the list in order — some
    alternative's every wanted term is in at least CLAIMDESK_SEARCH_WALK_FREQUENCY of claims,
    or it wants nothing but exclusions — else INDEX, which costs in proportion to the
    matches."""
    threshold = settings.CLAIMDESK_SEARCH_WALK_FREQUENCY
    wanted = [[" ".join(t.words) for t in terms if not t.excluded] for terms in q.alternatives]
    if any(not terms for terms in wanted):
        return Plan.WALK
    frequencies = term_frequencies(sorted({t for terms in wanted for t in terms}), using)
    for terms in wanted:
        if min(frequencies[t] for t in terms) >= threshold:
            return Plan.WALK
    return Plan.INDEX


def _search_postgresql(claims: QuerySet, q: ParsedQuery, plan: Plan | None) -> QuerySet:
    table = claims.model._meta.db_table
    appearance_table = _appearances(claims)._meta.db_table
    query = _query_sql()
    if plan is None:
        plan = choose_plan(q, claims.db)

    def contains(text: str) -> Q:
        # A claim also matches through one of its quotes (appearances carry their own
        # vector). Each term is matched on its own, so that an excluded word is excluded in
        # every configuration (NOT of an OR over configurations, not an OR of NOTs).
        if plan == Plan.INDEX:
            # The match is computed once, as an array of ids (an InitPlan), so the planner
            # cannot walk a date index hoping to meet rare matches early: it uses the GIN
            # indexes instead.
            sql = (
                f'("{table}"."id" = ANY(ARRAY(SELECT "id" FROM "{table}"'
                f' WHERE "search_vector" @@ {query}))'
                f' OR "{table}"."id" = ANY(ARRAY(SELECT "claim_id" FROM "{appearance_table}"'
                f' WHERE "search_vector" @@ {query})))'
            )
        else:
            # Tested row by row as the list's index yields claims in order: a frequent term
            # fills the page after a few hundred claims, where collecting its every match
            # would read tens of thousands.
            # OFFSET 0 keeps the quotes' test per claim: without it PostgreSQL may turn it
            # into a hashed set of every matching quote, read in full before the first row.
            sql = (
                f'("{table}"."search_vector" @@ {query}'
                f' OR EXISTS(SELECT 1 FROM "{appearance_table}" AS "quoted"'
                f' WHERE "quoted"."claim_id" = "{table}"."id"'
                f' AND "quoted"."search_vector" @@ {query} OFFSET 0))'
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
