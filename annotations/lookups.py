"""Lookups of our own: `field__any=[…]`, membership in a list of ids sent as one array on
PostgreSQL; `field__ilike=pattern`, SQL's case-insensitive LIKE, which a trigram index serves.

`field__in=[…]` sends one parameter per id, each prepared by Django and quoted by the driver;
for the hundreds of ids of a page's related rows that costs more than the query. On
PostgreSQL this sends `field = ANY(%s)` with the list as a single array; elsewhere it is
`field IN (…)`.
"""

from django.db import models
from django.db.models import Lookup


@models.ForeignKey.register_lookup
@models.BigAutoField.register_lookup
class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [[int(item) for item in value]]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        _, [ids] = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, ids]
        if not ids:
            return "0 = 1", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(ids))})", [*lhs_params, *ids]


@models.TextField.register_lookup
class ILike(Lookup):
    """`text__ilike=pattern`: `text ILIKE pattern` on PostgreSQL, which its trigram index
    (gin_trgm_ops) serves — `icontains` compares `UPPER(text)`, which no index serves. The
    pattern is the caller's, `%` and `_` being wildcards and backslash the escape
    (`connection.ops.prep_for_like_query`). Elsewhere `LIKE`, case-insensitive for ASCII."""

    lookup_name = "ilike"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":  # backslash escapes by default
            return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]
        return f"{lhs} LIKE {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]
