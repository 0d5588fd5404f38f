"""Django's PostgreSQL backend with a health check that needs no round trip.

With `CONN_HEALTH_CHECKS`, Django checks a persistent connection at the start of each
request with `SELECT 1`: one more statement and a round trip per request (about 7 % of an
anonymous claims page). Here a connection is usable unless psycopg knows it closed or
broken, or its socket has something to read while it is idle: a server that ends a
session (a restart, `pg_terminate_backend`, an idle timeout) sends an error and closes the
socket, which makes it readable. A connection that fails silently (a network cut) is still
found at its first query, and Django then closes it at the end of that request.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        conn = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        try:
            readable, _, _ = select.select([conn.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable
