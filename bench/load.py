"""Loading the synthetic corpus and its published read model together: PostgreSQL COPY for
the large tables, bulk_create for the small ones, `executemany` on other databases; a marker
table so that a corpus of the same size and seed is reused instead of rebuilt.

The read model's documents are made with the rows, in the generator's process
(`bench.documents`, the product's representation), and COPYed beside them; a sample of them is
then compared with the live representation, and any difference stops the build.

The build is one transaction. On PostgreSQL, B-tree and hash indexes, unique constraints and
foreign keys are made after the load (`_indexes_made_after`: the same definitions under the
same names), while checks, primary keys, GIN indexes and the generated search vectors do
their work row by row, as they would for real data; rows are COPYed FREEZE into the tables
emptied in the same transaction. The tables are analysed (vacuumed too, outside a
transaction) once loaded.
"""

import contextlib
import datetime as dt
import functools
import json
import multiprocessing
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from annotations.models import Claim, PublishedClaim, Tag
from archive.models import Source
from publication import published

from . import corpus, documents

MARKER_TABLE = "bench_corpus"
# Everything the corpus fills, children first (for deletion).
CONTENT_TABLES = [
    "annotations_publishedclaim",
    "annotations_evidence",
    "annotations_annotation_tags",
    "journal_entry",
    "annotations_annotation",
    "annotations_appearance",
    "annotations_claim",
    "annotations_captureanalysis",
    "archive_capture",
    "archive_article",
    "archive_source",
]
# What a build COPYs, in order: the corpus's tables, then the read model.
LOADED_TABLES = [*corpus.TABLES, documents.TABLE]
COLUMNS = {**corpus.COLUMNS, documents.TABLE: documents.COLUMNS}
# Index methods whose indexes are made after the load rather than kept up row by row. Not
# GIN: made afterwards, a GIN index takes one core for minutes (the trigram one, 20 s per
# 100k claims), while its upkeep during the load overlaps the generator's work on the other.
MADE_AFTER = ("btree", "hash")
# Stored documents compared with the live representation after a build.
CHECKED_DOCUMENTS = 2000


@dataclass
class LoadReport:
    reused: bool
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    rows_per_s: dict[str, float] = field(default_factory=dict)
    method: str = ""
    # Where a build's time went, in wall seconds (`documents_copy` is part of `load`), but
    # `documents_render`: the generator's CPU time making documents, spent while rows load.
    phases: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "reused": self.reused,
            "seconds": round(self.seconds, 2),
            "method": self.method,
            "rows": self.rows,
            "rows_per_s": {table: round(rate) for table, rate in self.rows_per_s.items()},
            "phases": {name: round(seconds, 2) for name, seconds in self.phases.items()},
        }

    def build_figures(self) -> dict:
        """This run's build, for the benchmark's figures: the whole (`build_seconds`, from an
        empty database to the corpus and its read model analysed and checked), the read
        model's part (its COPY and check) and the corpus's (the rest); None when reused."""
        if self.reused:
            return dict.fromkeys(
                ("build_seconds", "build_corpus_seconds", "build_read_model_seconds"), None
            ) | {"build_reason": "corpus reused (--rebuild builds it again)", "build_phases": {}}
        read_model = self.phases.get("documents_copy", 0.0) + self.phases.get("check", 0.0)
        # To the millisecond: a small corpus's read model takes less than a tenth of a second.
        return {
            "build_seconds": round(self.seconds, 3),
            "build_corpus_seconds": round(self.seconds - read_model, 3),
            "build_read_model_seconds": round(read_model, 3),
            "build_phases": self.as_dict()["phases"],
        }


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def ensure_corpus(claims: int, seed: int, *, rebuild: bool = False, log=print) -> LoadReport:
    """The corpus of `claims` claims for `seed` in the database: reused if the marker says it
    is there and the row counts agree, else (or with `rebuild`) built from scratch."""
    _create_marker_table()
    marker = _read_marker()
    same = (
        marker is not None
        and (marker["claims"], marker["seed"]) == (claims, seed)
        and marker.get("version") == corpus.GENERATOR_VERSION
    )
    if same and not rebuild and _counts() == marker["rows"]:
        log(f"Reusing the corpus of {claims:,} claims (seed {seed}).")
        if not PublishedClaim.objects.exists():
            _build_read_model(log)  # a corpus loaded before the read model existed
        return LoadReport(reused=True, rows=marker["rows"], method=marker.get("method", ""))
    if marker is None:
        _refuse_foreign_content()
    log(f"Building a corpus of {claims:,} claims (seed {seed})…")
    report = build(claims, seed, log=log)
    _write_marker(claims, seed, report)
    return report


class ForeignContentError(Exception):
    """The database holds content the benchmark did not make: it will not be replaced."""


def _refuse_foreign_content() -> None:
    """Building empties the content tables: do it only in a database that has nothing but
    the seeds, or that holds a corpus of ours (the marker)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM archive_article")
        articles = cursor.fetchone()[0]
    if articles > 1:  # load_seeds stores one article
        raise ForeignContentError(
            f"The database {connection.settings_dict['NAME']} holds {articles:,} articles the "
            "benchmark did not make, and building a corpus replaces them. Point DATABASE_URL "
            "at a database of the benchmark's own (by default claimdesk_bench)."
        )


def build(claims: int, seed: int, *, log=print) -> LoadReport:
    began = time.perf_counter()
    # TRUNCATE, and COPY FREEZE into the tables it emptied: only as a transaction of our own.
    truncate = is_postgresql() and not connection.in_atomic_block
    rows = dict.fromkeys(LOADED_TABLES, 0)
    seconds = dict.fromkeys(LOADED_TABLES, 0.0)
    write = functools.partial(_copy, freeze=truncate) if is_postgresql() else _insert
    done = 0
    render = 0.0
    phases = {}
    # One transaction: should the build stop, the tables are as they were, indexes included.
    with transaction.atomic():
        _clear(truncate=truncate)
        call_command("load_seeds", verbosity=0)
        start = _id_start()
        tag_ids = list(Tag.objects.order_by("slug").values_list("pk", flat=True))
        plan = corpus.make_plan(claims, seed, tag_ids, start)
        _load_people_and_outlets(plan)
        read_model = documents.ReadModel(plan, documents.tag_representations())
        with _indexes_made_after(LOADED_TABLES, phases, log):
            for batch in _batches(plan, start, read_model):
                for table in LOADED_TABLES:
                    if batch[table]:
                        t0 = time.perf_counter()
                        write(table, batch[table])
                        seconds[table] += time.perf_counter() - t0
                        rows[table] += len(batch[table])
                render += batch[documents.RENDER_SECONDS]
                done += len(batch["annotations_claim"])
                log(
                    f"  {done:,} / {claims:,} claims and {rows[documents.TABLE]:,} documents "
                    f"loaded ({time.perf_counter() - began:.0f} s)"
                )
            phases["load"] = time.perf_counter() - began
    _reset_sequences()
    # The claims the corpus did not make (the seeds'), the product's way.
    published.refresh(
        Claim.objects.filter(pk__lt=start.next_ids["annotations_claim"]).values_list(
            "pk", flat=True
        )
    )
    t0 = time.perf_counter()
    _analyze()
    phases["vacuum_analyze"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    _check_read_model(seed)
    phases["check"] = time.perf_counter() - t0
    phases["documents_copy"] = seconds[documents.TABLE]
    phases["documents_render"] = render
    log(f"  read model checked ({time.perf_counter() - began:.0f} s)")
    return LoadReport(
        reused=False,
        seconds=time.perf_counter() - began,
        rows=_counts(),
        rows_per_s={t: rows[t] / seconds[t] for t in LOADED_TABLES if seconds[t]},
        method="COPY" if is_postgresql() else "executemany",
        phases=phases,
    )


BACKGROUND_FROM = 50_000  # claims from which rows are generated while the previous batch loads


def _batches(plan: corpus.Plan, start: corpus.IdStart, read_model: documents.ReadModel):
    """The corpus's batches with their documents; made in the background from
    BACKGROUND_FROM claims."""
    batches = documents.with_documents(corpus.generate(plan, start), read_model)
    return _in_background(batches) if plan.claims >= BACKGROUND_FROM else batches


@contextlib.contextmanager
def _indexes_made_after(tables: list[str], phases: dict, log):
    """On PostgreSQL, inside the caller's transaction: drop the secondary indexes (of the
    `MADE_AFTER` methods), unique constraints and foreign keys of `tables` (primary keys,
    checks and GIN indexes stay), and make them
    again when the block ends, from their definitions in the catalog and under the same
    names: one sort per index and one join per key, instead of an index insertion and a
    check per row. The schema ends as the migrations left it."""
    if not is_postgresql():
        yield
        return
    with connection.cursor() as cursor:
        # Checks still pending from earlier in the transaction would forbid the ALTERs.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u') "
            "ORDER BY contype DESC, 1, 2",  # unique constraints before the foreign keys
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam "
            "WHERE indrelid = ANY(%s::regclass[]) AND am.amname = ANY(%s) "
            "AND NOT EXISTS (SELECT FROM pg_constraint c "
            "WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid) ORDER BY 1",
            [tables, list(MADE_AFTER)],
        )
        indexes = cursor.fetchall()
        for table, name, _ in reversed(constraints):
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    phases["indexes"] = time.perf_counter() - began
    made = f"{len(indexes)} indexes and {len(constraints)} constraints made"
    log(f"  {made} ({phases['indexes']:.0f} s)")


def _check_read_model(seed: int) -> None:
    """Compare a sample of the stored documents (and of the claims without one) with the
    live anonymous representation, as `manage.py rebuild_published` would make them."""
    last = Claim.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sample = random.Random(seed).sample(range(1, last + 1), min(last, CHECKED_DOCUMENTS))
    live = published.live_documents(sample)
    stored = published.stored_documents(sample)
    if live != stored:
        differing = sorted(pk for pk in {*live, *stored} if live.get(pk) != stored.get(pk))
        raise RuntimeError(
            f"The read model built with the corpus differs from the live representation for "
            f"{len(differing)} of {len(sample)} claims checked, e.g. claim {differing[0]}."
        )


def _build_read_model(log) -> None:
    """The published read model of the loaded corpus, as `manage.py rebuild_published`
    builds it (the corpus is COPYed, not written through the services)."""
    began = time.perf_counter()
    total = Claim.objects.count()
    done = 0

    def progress(count: int) -> None:
        nonlocal done
        done += count
        if done % 100_000 < count or done == total:
            log(f"  read model: {done:,} / {total:,} claims ({time.perf_counter() - began:.0f} s)")

    published.rebuild(batch_size=2000, progress=progress, jobs=2)
    with connection.cursor() as cursor:
        if is_postgresql() and not connection.in_atomic_block:
            cursor.execute("VACUUM (ANALYZE) annotations_publishedclaim")
        else:
            cursor.execute("ANALYZE annotations_publishedclaim")


def _in_background(batches: Iterable[dict]) -> Iterator[dict]:
    """`batches` made in a forked process, a few batches ahead: generating rows and documents
    and COPYing them each take one core. The child never touches the database and leaves with
    os._exit, so the connection it inherited is left alone."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=3)

    def produce() -> None:
        for batch in batches:
            queue.put(batch)
        queue.put(None)

    producer = context.Process(target=produce, daemon=True)
    producer.start()
    try:
        while (batch := queue.get()) is not None:
            yield batch
    finally:
        producer.join(timeout=5)
        if producer.is_alive():
            producer.terminate()


def _clear(*, truncate: bool) -> None:
    """Empty the content tables (TRUNCATE; else row by row, as inside a caller's transaction,
    where deferred foreign-key checks may still be pending)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if truncate:
            cursor.execute(f"TRUNCATE {', '.join(CONTENT_TABLES)} CASCADE")
        else:
            for table in CONTENT_TABLES:
                cursor.execute(f"DELETE FROM {table}")
        User.objects.filter(username__startswith="bench-").delete()


def _id_start() -> corpus.IdStart:
    next_ids = {}
    with connection.cursor() as cursor:
        for table in corpus.TABLES:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
            next_ids[table] = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM auth_user")
        user = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM archive_source")
        source = cursor.fetchone()[0]
    return corpus.IdStart(user=user, source=source, next_ids=next_ids)


def _load_people_and_outlets(plan: corpus.Plan) -> None:
    now = corpus.EPOCH
    with transaction.atomic():
        User.objects.bulk_create(
            User(
                id=spec.id,
                username=spec.username,
                email=f"{spec.username}@example.org",
                password="!",  # no login: an unusable password
                date_joined=now,
            )
            for spec in plan.users
        )
        groups = {group.name: group.pk for group in Group.objects.all()}
        Membership = User.groups.through
        Membership.objects.bulk_create(
            Membership(user_id=spec.id, group_id=groups[spec.role]) for spec in plan.users
        )
        Source.objects.bulk_create(
            Source(
                id=spec.id,
                name=spec.name,
                slug=spec.slug,
                domains=[spec.domain],
                country=spec.country,
                language=spec.language,
            )
            for spec in plan.sources
        )


def _copy(table: str, rows: list[tuple], *, freeze: bool = False) -> None:
    """COPY `rows` into `table`; with `freeze` (the table emptied by TRUNCATE in this
    transaction), stored frozen and all-visible, so that the VACUUM after has nothing to do
    but ANALYZE."""
    columns = ", ".join(f'"{c}"' for c in COLUMNS[table])
    options = " (FREEZE)" if freeze else ""
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN{options}") as copy:
            for row in rows:
                copy.write_row(row)


def _naive_utc(value):
    """Datetimes as the ORM stores them on SQLite: naive, in UTC."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _insert(table: str, rows: list[tuple]) -> None:
    columns = COLUMNS[table]
    rows = [tuple(_naive_utc(value) for value in row) for row in rows]
    quoted = ", ".join(f'"{c}"' for c in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})", rows)


def _reset_sequences() -> None:
    """Rows were given explicit ids: move each identity sequence past them."""
    if not is_postgresql():
        return  # SQLite's AUTOINCREMENT follows the largest id by itself
    with connection.cursor() as cursor:
        for table in [*corpus.TABLES, "auth_user", "auth_user_groups", "archive_source"]:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )


def _analyze() -> None:
    tables = [*CONTENT_TABLES, "auth_user", "auth_user_groups", "annotations_tag"]
    with connection.cursor() as cursor:
        if not is_postgresql():
            cursor.execute("ANALYZE")
        elif connection.in_atomic_block:
            cursor.execute(f"ANALYZE {', '.join(tables)}")
        else:
            # VACUUM sets the visibility map, so index-only scans work at once.
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")


def _counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in corpus.TABLES:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _create_marker_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} ("
            "id integer PRIMARY KEY, claims integer NOT NULL, seed integer NOT NULL, "
            "details text NOT NULL)"
        )


def _read_marker() -> dict | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT claims, seed, details FROM {MARKER_TABLE} WHERE id = 1")
        row = cursor.fetchone()
    if row is None:
        return None
    return {"claims": row[0], "seed": row[1], **json.loads(row[2])}


def _write_marker(claims: int, seed: int, report: LoadReport) -> None:
    details = json.dumps(
        {
            "version": corpus.GENERATOR_VERSION,
            "rows": report.rows,
            "method": report.method,
            "built_at": timezone.now().isoformat(),
            "load": report.as_dict(),
        }
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (id, claims, seed, details) VALUES (1, %s, %s, %s)",
            [claims, seed, details],
        )


def marker_details() -> dict | None:
    _create_marker_table()
    return _read_marker()
