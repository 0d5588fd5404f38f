"""Counting statements as PostgreSQL receives them: every query, command and transaction
control psycopg sends, Django's own health check (`SELECT 1`) and session set-up included —
what Django's query log (`CaptureQueriesContext`) does not see."""

import contextlib
from collections.abc import Iterator


def _text(query) -> str:
    if isinstance(query, bytes):
        return query.decode(errors="replace")
    return str(getattr(query, "_obj", query)) if not isinstance(query, str) else query


@contextlib.contextmanager
def sent() -> Iterator[list[str]]:
    """The statements psycopg sends while the block runs, in order (their first 120
    characters), from any connection of this process (a server-side cursor counts as its
    DECLARE; the benchmark's requests use none)."""
    import psycopg
    from psycopg._connection_base import BaseConnection

    statements: list[str] = []
    patched = []

    def patch(cls, name, wrapper):
        original = cls.__dict__[name]
        patched.append((cls, name, original))
        setattr(cls, name, wrapper(original))

    def one(original):
        def execute(self, query, *args, **kwargs):
            statements.append(_text(query)[:120])
            return original(self, query, *args, **kwargs)

        return execute

    def many(original):
        def executemany(self, query, params_seq, *args, **kwargs):
            params_seq = list(params_seq)
            statements.extend([_text(query)[:120]] * len(params_seq))
            return original(self, query, params_seq, *args, **kwargs)

        return executemany

    patch(psycopg.Cursor, "execute", one)
    patch(psycopg.Cursor, "executemany", many)
    patch(psycopg.Cursor, "stream", one)
    patch(psycopg.ServerCursor, "execute", one)
    patch(BaseConnection, "_exec_command", one)
    try:
        yield statements
    finally:
        for cls, name, original in reversed(patched):
            setattr(cls, name, original)
