"""Writes, measured as a newsroom makes them: a journalist marks a claim in a capture (the
claim and its appearance), annotates it and submits it, an editor publishes it, an admin edits
it while published (with a reason) and an editor retracts it — each through the REST API with
the person's token, as a client would — beside a floor: the same row changes (the rows the
write ended up inserting, updating and deleting, journal, notifications and read model
included) made with plain psycopg, one statement per table and kind of change.

Each round (one claim through the six writes) is one transaction rolled back at the end, so
the corpus stays as loaded (and is reused); a write's `transaction.on_commit` work (enqueueing
the notification mail) is run inside its timing, as a commit would run it. The commit itself
(one WAL flush) is outside both the write and its floor. The floor replays the product's own
changes onto a chain of its own (a claim, its appearance and annotation, made by the floor's
earlier steps), right after the write, so it finds the same pages in memory."""

import contextlib
import random
import statistics
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import orjson
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from accounts.models import APIToken
from accounts.roles import EDITORS, JOURNALISTS, grant
from annotations.models import Tag
from archive.models import Capture

from . import percentile, statements

ACTIONS = ("mark", "annotate", "submit", "publish", "edit_published", "retract")
# Who makes each write (the roles the product asks for).
ACTORS = {
    "mark": "journalist",
    "annotate": "journalist",
    "submit": "journalist",
    "publish": "editor",
    "edit_published": "admin",
    "retract": "editor",
}
TARGET_RATIO = 3.0


class _Rollback(Exception):
    pass


def measure(client, kept_open, rounds: int, warmup: int, seed: int, *, floor: bool) -> dict:
    """`writes`: per action its p50/p95, the statements one write sends (as PostgreSQL
    receives them; Django's count as `queries`), and with `floor` (PostgreSQL) the floor's
    p50 and the ratio of the two medians. A first round counts the statements and is not
    timed; `warmup` rounds follow, then `rounds` measured ones."""
    rng = random.Random(f"{seed}:writes")
    product: dict[str, list[float]] = defaultdict(list)
    floors: dict[str, list[float]] = defaultdict(list)
    counted: dict[str, dict] = {}
    spans = _spans(rng, 1 + warmup + rounds)
    tags = list(Tag.objects.order_by("slug").values_list("slug", flat=True)[:3])
    for round_no, span in enumerate(spans):
        count, measured = round_no == 0, round_no > warmup
        # A transaction per round, so that none stays open long: the change feed of every
        # database on the server waits for the oldest running transaction.
        with contextlib.suppress(_Rollback), transaction.atomic(), kept_open():
            chain = Chain(client, _people(), span, tags)
            differ = RowChanges() if floor else None
            replay = Replay(differ.tables) if floor else None
            for action in ACTIONS:
                before = differ.snapshot(chain.claim_id) if floor else None
                ms, sent, queries = chain.write(action, count=count)
                if count:
                    counted[action] = {"statements": sent, "queries": queries}
                elif measured:
                    product[action].append(ms)
                if floor:
                    changes = differ.changes_since(before, chain.claim_id)
                    floor_ms, floor_sent = replay.apply(changes)
                    if count:
                        counted[action]["floor_statements"] = floor_sent
                        counted[action]["rows_changed"] = changes.summary()
                    elif measured:
                        floors[action].append(floor_ms)
            raise _Rollback
    return {"writes": _summaries(product, floors, counted, floor), **_about(floor, counted)}


def _summaries(product, floors, counted, floor: bool) -> dict:
    result = {}
    for action in ACTIONS:
        samples = product[action]
        sent = counted[action]["statements"]
        entry = {
            "p50_ms": round(statistics.median(samples), 2),
            "p95_ms": round(percentile(samples, 0.95), 2),
            "statements": len(sent) if sent is not None else None,
            "queries": counted[action]["queries"],
            "floor_p50_ms": None,
            "ratio": None,
            "n": len(samples),
        }
        if floor:
            entry["floor_p50_ms"] = round(statistics.median(floors[action]), 2)
            entry["floor_statements"] = len(counted[action]["floor_statements"])
            entry["ratio"] = round(entry["p50_ms"] / entry["floor_p50_ms"], 2)
            entry["rows_changed"] = counted[action]["rows_changed"]
        result[action] = entry
    return result


def _about(floor: bool, counted: dict) -> dict:
    about = {
        "writes_note": (
            "through the WSGI application and the REST API with the actor's token (journalist: "
            "mark, annotate, submit; editor: publish, retract; admin: edit_published), each "
            "round one chain on a new claim in a transaction rolled back at the end; on_commit "
            "work inside the timing, the commit outside"
        ),
        "writes_target_ratio": TARGET_RATIO,
        "writes_statements_sent": {
            action: counted[action]["statements"]
            for action in ACTIONS
            if counted[action]["statements"] is not None
        },
    }
    if floor:
        about["writes_floor_statements_sent"] = {
            action: counted[action]["floor_statements"] for action in ACTIONS
        }
    else:
        about["writes_floor_reason"] = (
            f"PostgreSQL only (the database under test is {connection.vendor})"
        )
    return about


# The people and the spans


@dataclass
class Person:
    user: User
    key: str


def _people() -> dict[str, Person]:
    """A journalist, an editor and an admin of the benchmark's own, with API tokens (made
    inside the caller's transaction, which is rolled back)."""
    people = {}
    for role, group in (("journalist", JOURNALISTS), ("editor", EDITORS), ("admin", None)):
        user, _ = User.objects.get_or_create(
            username=f"bench-writes-{role}",
            defaults={"is_staff": group is None, "is_superuser": group is None},
        )
        if group:
            grant(user, group)
        _, key = APIToken.issue(user=user, name="benchmark writes")
        people[role] = Person(user, key)
    return people


@dataclass
class Span:
    capture_id: int
    start: int
    end: int
    quote: str


def _spans(rng: random.Random, count: int) -> list[Span]:
    """`count` passages of 60–160 characters, word to word, in captures drawn at random."""
    last = Capture.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    spans = []
    while len(spans) < count:
        capture = Capture.objects.filter(pk__gte=rng.randint(1, last)).order_by("pk").first()
        if capture is None or len(capture.text) < 400:
            continue
        text = capture.text
        start = text.find(" ", rng.randint(0, len(text) - 300)) + 1
        end = text.find(" ", start + rng.randint(60, 160))
        if 0 < start < end:
            spans.append(Span(capture.pk, start, end, text[start:end]))
    return spans


# The product's writes


@dataclass
class Chain:
    """One claim taken through the six writes, each an API request by its actor."""

    client: object
    people: dict[str, Person]
    span: Span
    tags: list[str]
    claim_id: int | None = None
    annotation: dict = field(default_factory=dict)

    def request(self, action: str) -> tuple[str, str, dict]:
        version = self.annotation.get("version")
        path = f"/api/annotations/{self.annotation.get('id')}/"
        if action == "mark":
            return (
                "POST",
                "/api/claims/",
                {
                    "capture": self.span.capture_id,
                    "start": self.span.start,
                    "end": self.span.end,
                    "quote": self.span.quote,
                },
            )
        if action == "annotate":
            return (
                "POST",
                "/api/annotations/",
                {
                    "claim": self.claim_id,
                    "confidence": 0.7,
                    "tags": self.tags[:2],
                    "verdict": "",
                    "rationale": "The ministry's figures say otherwise; the report is linked.",
                },
            )
        if action == "submit":
            return "POST", path + "submit/", {"version": version}
        if action == "publish":
            return "POST", path + "publish/", {"version": version}
        if action == "edit_published":
            return (
                "PATCH",
                path,
                {
                    "version": version,
                    "confidence": 0.4,
                    "tags": self.tags[:3],
                    "reason": "New figures from the ministry.",
                },
            )
        return "POST", path + "retract/", {"version": version, "reason": "The source misread."}

    def write(self, action: str, *, count: bool) -> tuple[float, list[str] | None, int | None]:
        """Make the write; (milliseconds, the statements sent and Django's query count when
        `count`)."""
        method, path, payload = self.request(action)
        key = self.people[ACTORS[action]].key
        sent = queries = None
        ms = 0.0
        if count:
            with statements.sent() as sent, CaptureQueriesContext(connection) as captured:
                status, body = self._send(method, path, payload, key)
            queries = len(captured.captured_queries)
            if connection.vendor != "postgresql":
                sent = None
        else:
            began = time.perf_counter()
            status, body = self._send(method, path, payload, key)
            ms = (time.perf_counter() - began) * 1000
        if status not in (200, 201):
            raise RuntimeError(f"{method} {path} ({action}) answered {status}: {body[:300]!r}")
        answer = orjson.loads(body)
        if action == "mark":
            self.claim_id = answer["id"]
        else:
            self.annotation = answer
        return ms, sent, queries

    def _send(self, method, path, payload, key):
        # The notification mail is enqueued on commit: run it here, as a commit would.
        with TestCase.captureOnCommitCallbacks(execute=True):
            return self.client.call(method, path, orjson.dumps(payload), token=key)


# The floor: the same row changes, replayed with psycopg


# Tables whose rows a write may change in place or delete, found from the claim.
CHAIN_SQL = {
    "annotations_claim": "SELECT * FROM annotations_claim WHERE id = %s",
    "annotations_appearance": "SELECT * FROM annotations_appearance WHERE claim_id = %s",
    "annotations_annotation": "SELECT * FROM annotations_annotation WHERE claim_id = %s",
    "annotations_annotation_tags": (
        "SELECT at.* FROM annotations_annotation_tags at JOIN annotations_annotation a "
        "ON a.id = at.annotation_id WHERE a.claim_id = %s"
    ),
    "annotations_publishedclaim": "SELECT * FROM annotations_publishedclaim WHERE claim_id = %s",
}
# Columns that hold an id without a foreign key: (table, column) → the table it names.
IMPLIED_REFERENCES = {("journal_entry", "claim_id"): "annotations_claim"}
# journal_entry.object_id names a row of the table of its `kind`.
KINDS = {
    "claim": "annotations_claim",
    "appearance": "annotations_appearance",
    "annotation": "annotations_annotation",
    "evidence": "annotations_evidence",
}


@dataclass
class Table:
    name: str
    pk: str
    pk_is_integer: bool
    columns: list[str]  # insertable: the generated ones left out
    json_columns: set[str]
    references: dict[str, str]  # column → referenced table


@dataclass
class Changes:
    inserted: dict[str, list[dict]] = field(default_factory=dict)
    updated: dict[str, list[tuple[dict, dict]]] = field(default_factory=dict)  # (row, changed)
    deleted: dict[str, list[dict]] = field(default_factory=dict)

    def summary(self) -> dict:
        rows = {}
        for kind, tables in (
            ("inserted", self.inserted),
            ("updated", self.updated),
            ("deleted", self.deleted),
        ):
            for table, items in tables.items():
                if items:
                    rows.setdefault(table, {})[kind] = len(items)
        return rows


class RowChanges:
    """What a write changed: the claim's own rows before and after (CHAIN_SQL), and the rows
    added to any other table (above its largest id before; the whole key set for the few
    small tables keyed otherwise)."""

    def __init__(self):
        self.raw = connection.connection
        self.tables = _tables(self.raw)

    def _rows(self, sql: str, params) -> list[dict]:
        from psycopg.rows import dict_row

        with self.raw.cursor(row_factory=dict_row) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def snapshot(self, claim_id: int | None) -> dict:
        chain = {
            table: {row[self.tables[table].pk]: row for row in self._rows(sql, [claim_id])}
            if claim_id is not None
            else {}
            for table, sql in CHAIN_SQL.items()
        }
        marks = {}
        with self.raw.cursor() as cursor:
            for table in self.tables.values():
                if table.name in CHAIN_SQL:
                    continue
                if table.pk_is_integer:
                    cursor.execute(f'SELECT COALESCE(MAX("{table.pk}"), 0) FROM "{table.name}"')
                    marks[table.name] = cursor.fetchone()[0]
                else:
                    cursor.execute(f'SELECT "{table.pk}" FROM "{table.name}"')
                    marks[table.name] = {row[0] for row in cursor.fetchall()}
        return {"chain": chain, "marks": marks}

    def changes_since(self, before: dict, claim_id: int) -> Changes:
        after = self.snapshot(claim_id)
        changes = Changes()
        for table, rows in after["chain"].items():
            old = before["chain"][table]
            changes.inserted[table] = [row for pk, row in rows.items() if pk not in old]
            changes.deleted[table] = [row for pk, row in old.items() if pk not in rows]
            changes.updated[table] = [
                (row, {k: v for k, v in row.items() if old[pk][k] != v})
                for pk, row in rows.items()
                if pk in old and old[pk] != row
            ]
        for name, mark in before["marks"].items():
            table = self.tables[name]
            if table.pk_is_integer:
                if after["marks"][name] > mark:
                    changes.inserted[name] = self._rows(
                        f'SELECT * FROM "{name}" WHERE "{table.pk}" > %s ORDER BY "{table.pk}"',
                        [mark],
                    )
            elif after["marks"][name] - mark:
                changes.inserted[name] = self._rows(
                    f'SELECT * FROM "{name}" WHERE "{table.pk}" = ANY(%s)',
                    [list(after["marks"][name] - mark)],
                )
        return changes


def _tables(raw) -> dict[str, Table]:
    """Every table of the schema with a one-column primary key, from the catalogue."""
    with raw.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
            FROM pg_index i
            JOIN pg_class c ON c.oid = i.indrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
            WHERE i.indisprimary AND i.indnatts = 1 AND n.nspname = current_schema()
            """
        )
        keys = {name: (pk, kind) for name, pk, kind in cursor.fetchall()}
        cursor.execute(
            """
            SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attgenerated
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0
              AND NOT a.attisdropped
            ORDER BY c.relname, a.attnum
            """
        )
        columns = defaultdict(list)
        for table, column, kind, generated in cursor.fetchall():
            columns[table].append((column, kind, generated))
        cursor.execute(
            """
            SELECT c.relname, a.attname, r.relname
            FROM pg_constraint k
            JOIN pg_class c ON c.oid = k.conrelid
            JOIN pg_class r ON r.oid = k.confrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.conkey[1]
            WHERE k.contype = 'f' AND n.nspname = current_schema()
            """
        )
        references = defaultdict(dict)
        for table, column, referenced in cursor.fetchall():
            references[table][column] = referenced
    tables = {}
    for name, (pk, kind) in keys.items():
        refs = {**references[name]}
        refs.update({c: t for (tb, c), t in IMPLIED_REFERENCES.items() if tb == name})
        tables[name] = Table(
            name=name,
            pk=pk,
            pk_is_integer=kind in ("integer", "bigint", "smallint"),
            columns=[c for c, _, generated in columns[name] if not generated],
            json_columns={c for c, kind, _ in columns[name] if kind in ("json", "jsonb")},
            references=refs,
        )
    return tables


class Replay:
    """Makes a write's row changes again on a chain of its own: each table's new rows in one
    INSERT (ids it references mapped to the floor's own rows), each changed row in one
    UPDATE of the changed columns, each table's deleted rows in one DELETE."""

    def __init__(self, tables: dict[str, Table]):
        self.raw = connection.connection
        self.tables = tables
        self.ids: dict[str, dict] = defaultdict(dict)  # table → product's id → floor's id

    def apply(self, changes: Changes) -> tuple[float, list[str]]:
        with statements.sent() as sent:
            began = time.perf_counter()
            with self.raw.cursor() as cursor:
                for name in self._ordered(changes.inserted):
                    self._insert(cursor, self.tables[name], changes.inserted[name])
                for name, items in changes.updated.items():
                    for row, changed in items:
                        self._update(cursor, self.tables[name], row, changed)
                for name, rows in changes.deleted.items():
                    if rows:
                        table = self.tables[name]
                        cursor.execute(
                            f'DELETE FROM "{name}" WHERE "{table.pk}" = ANY(%s)',
                            [[self._key(table, row[table.pk]) for row in rows]],
                        )
            ms = (time.perf_counter() - began) * 1000
        return ms, list(sent)

    def _ordered(self, inserted: dict[str, list]) -> list[str]:
        """The tables with new rows, each after the tables it references."""
        pending = [name for name, rows in inserted.items() if rows]
        ordered: list[str] = []
        while pending:
            for name in pending:
                needs = set(self.tables[name].references.values()) & set(pending)
                if not needs - {name}:
                    ordered.append(name)
                    pending.remove(name)
                    break
            else:
                ordered.extend(pending)
                break
        return ordered

    def _id(self, table: str, value):
        return self.ids[table].get(value, value)

    def _key(self, table: Table, value):
        """The floor's row for the product's key `value`: a key that is a reference (a
        one-to-one row, such as the read model's) maps as the row it refers to."""
        return self._id(table.references.get(table.pk, table.name), value)

    def _value(self, table: Table, column: str, row: dict):
        from psycopg.types.json import Jsonb

        value = row[column]
        if column in table.json_columns and value is not None:
            return Jsonb(value)
        if table.name == "journal_entry" and column == "object_id":
            return self._id(KINDS.get(row["kind"], ""), value)
        referenced = table.references.get(column)
        return self._id(referenced, value) if referenced else value

    def _insert(self, cursor, table: Table, rows: list[dict]) -> None:
        own_key = table.pk_is_integer and table.pk not in table.references
        columns = [c for c in table.columns if not (own_key and c == table.pk)]
        values = []
        for row in rows:
            if not table.pk_is_integer and table.pk not in table.references:
                row = {**row, table.pk: uuid.uuid4()}  # a key of its own (a task's UUID)
            values.append([self._value(table, c, row) for c in columns])
        quoted = ", ".join(f'"{c}"' for c in columns)
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES {", ".join([one] * len(rows))}'
        params = [value for row in values for value in row]
        if own_key:
            cursor.execute(sql + f' RETURNING "{table.pk}"', params)
            for row, (new_id,) in zip(rows, cursor.fetchall(), strict=True):
                self.ids[table.name][row[table.pk]] = new_id
        else:
            cursor.execute(sql, params)

    def _update(self, cursor, table: Table, row: dict, changed: dict) -> None:
        columns = [c for c in changed if c in table.columns]
        assignments = ", ".join(f'"{c}" = %s' for c in columns)
        cursor.execute(
            f'UPDATE "{table.name}" SET {assignments} WHERE "{table.pk}" = %s',
            [*(self._value(table, c, row) for c in columns), self._key(table, row[table.pk])],
        )
