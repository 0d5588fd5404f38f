"""`field__any=[…]` (foreign keys and ids): membership in a list of ids sent as one array on
PostgreSQL.

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
