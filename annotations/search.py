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

Elsewhere (SQLite) every word of the query must occur, case-insensitively, in the claim's
wording, claimant or one of its quotes.
"""

from django.db import connections
from django.db.models import Exists, FloatField, Model, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

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


def search_claims(claims: QuerySet, q: str) -> QuerySet:
    """Claims matching the free-text query `q`, annotated with `search_rank` (higher is
    better; 0 where the database has no ranking)."""
    # NUL cannot travel in a PostgreSQL string; nothing else needs escaping (parameters).
    q = " ".join(q.replace("\x00", " ").split())
    if not q:
        return claims.annotate(search_rank=NO_RANK)
    if connections[claims.db].vendor == "postgresql":
        return _search_postgresql(claims, q)
    return _search_portable(claims, q)


def _search_postgresql(claims: QuerySet, q: str) -> QuerySet:
    table = claims.model._meta.db_table
    appearance_table = _appearances(claims)._meta.db_table
    query = _query_sql()
    params = [q] * len(CONFIGS)
    # The match is computed once, as an array of ids (an InitPlan), so the planner cannot
    # walk a date index hoping to meet rare matches early: it uses the GIN index instead.
    # A claim also matches through one of its quotes (appearances carry their own vector).
    matching = (
        f'("{table}"."id" = ANY(ARRAY(SELECT "id" FROM "{table}" WHERE "search_vector" @@ {query}))'
        f' OR "{table}"."id" = ANY(ARRAY(SELECT "claim_id" FROM "{appearance_table}"'
        f' WHERE "search_vector" @@ {query})))'
    )
    rank = RawSQL(
        f'ts_rank_cd("{table}"."search_vector", {query})', params, output_field=FloatField()
    )
    return claims.extra(where=[matching], params=params * 2).annotate(search_rank=rank)


def _search_portable(claims: QuerySet, q: str) -> QuerySet:
    appearances = _appearances(claims)._default_manager
    condition = Q()
    for word in q.split():
        quoted = appearances.filter(claim=OuterRef("pk"), quote__icontains=word)
        condition &= Q(text__icontains=word) | Q(claimant__icontains=word) | Exists(quoted)
    return claims.filter(condition).annotate(search_rank=NO_RANK)
