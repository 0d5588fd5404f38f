"""Mixed load: the product served by gunicorn (2 workers × 4 threads, gunicorn.conf.py) over
the corpus, with anonymous readers (list pages, a claim, search), partners polling the change
feed with read-only tokens, and editors writing (marking a claim, annotating and submitting
it, another editor publishing it), all at once, each client a thread keeping its connection
alive (httpx) and asking again as soon as it is answered. Reported per class: requests per
second, p50 and p99 latency as the client sees it, and errors (any answer other than the
expected one, or no answer).

The editors' writes commit, as a server's do. Everything the run adds is removed afterwards:
every table's rows above its largest id before the run (and the new keys of the few small
tables keyed otherwise), in one transaction; the run then checks that every table holds as
many rows as before, that no row older than the run changed, and that the corpus marker's
counts still agree, so the corpus stays reusable."""

import contextlib
import multiprocessing
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction

from . import percentile

ROOT = Path(__file__).resolve().parent.parent
CLASSES = {"readers": 16, "partners": 4, "editors": 4}
WORKERS, THREADS = 2, 4
TARGETS_P99_MS = {"reads": 100, "writes": 250}
FEED_PAGE = 100


def unavailable_reason() -> str | None:
    """Why gunicorn's processes could not share the database under test, or None."""
    if connection.in_atomic_block:
        return "needs committed data that gunicorn's processes can read (not inside a transaction)"
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and (name == ":memory:" or "mode=memory" in name):
        return "needs a database gunicorn's processes can open (this SQLite one is in memory)"
    return None


def measure(
    seconds: float,
    seed: int,
    search_terms: dict[str, str],
    log=print,
    *,
    clients: dict[str, int] | None = None,
) -> dict:
    """`mixed`: per class (`reads`: readers, `feed`: partners, `writes`: editors) rps, p50_ms,
    p99_ms and errors; with what the clean-up found (`mixed_cleanup`). `clients` changes how
    many clients of each class (CLASSES) run."""
    clients = {**CLASSES, **(clients or {})}
    reason = unavailable_reason()
    if reason:
        return {"mixed": None, "mixed_reason": reason}
    from . import load

    marker = load.marker_details()
    before = HighWater.take()
    before.watch(seconds + 600)
    try:
        plan = _plan(seed, search_terms, clients)
        # At least 3 s: each gunicorn worker's first request imports the views (a second or
        # more on a busy machine), and a client whose first request meets a cold worker must
        # not spend the whole of a short window waiting for it.
        warmup = min(5.0, max(3.0, seconds / 5))
        log(
            f"Mixed load: gunicorn {WORKERS}×{THREADS}, {clients['readers']} readers, "
            f"{clients['partners']} partners, {clients['editors']} editors, "
            f"{warmup:.0f} s warm-up + {seconds:.0f} s…"
        )
        with gunicorn() as base_url:
            samples = _drive(base_url, plan, clients, warmup, seconds)
    finally:
        cleanup = before.restore()
    if marker is not None:
        cleanup["marker_counts_agree"] = load._counts() == marker["rows"]
    result = {
        cls: _summary(values, seconds, TARGETS_P99_MS.get(cls)) for cls, values in samples.items()
    }
    return {
        "mixed": {
            **result,
            "seconds": seconds,
            "clients": clients,
            "server": f"gunicorn, {WORKERS} workers × {THREADS} threads",
        },
        "mixed_cleanup": cleanup,
        "mixed_note": (
            "closed loop (each client asks again once answered), keep-alive connections; "
            "readers: 50 % list pages (20 claims, a third of them the next page), 35 % one "
            "claim, 15 % search; partners: /api/changes/ from the head with a read-only token; "
            "editors: mark, annotate and submit, another editor publishes; latencies as the "
            "clients see them; everything the editors wrote is removed afterwards"
        ),
    }


def _summary(values: list[tuple[float, bool]], seconds: float, target: float | None) -> dict:
    latencies = [ms for ms, _ in values]
    summary = {
        "rps": round(len(values) / seconds, 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99), 1) if latencies else None,
        "errors": sum(1 for _, ok in values if not ok),
        "requests": len(values),
    }
    if target is not None:
        summary["target_p99_ms"] = target
    return summary


# What the clients ask


@dataclass
class Plan:
    claim_ids: list[int]
    searches: list[str]
    spans: list[tuple[int, int, int, str]]
    editor_keys: list[str]
    partner_keys: list[str]
    feed_head: str
    seed: int


def _plan(seed: int, search_terms: dict[str, str], clients: dict[str, int]) -> Plan:
    """The claims readers open, the searches, the spans editors mark, and the people (made
    here, committed: the clean-up removes them)."""
    from accounts.models import APIToken
    from accounts.roles import EDITORS, grant
    from annotations.models import PublishedClaim
    from journal.models import Entry
    from publication import feed

    from .writes import _spans

    rng = random.Random(f"{seed}:mixed")
    last = PublishedClaim.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    claim_ids = [
        pk
        for pk in (
            PublishedClaim.objects.filter(pk__gte=rng.randint(1, last))
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
            for _ in range(300)
        )
        if pk is not None
    ]
    spans = [(s.capture_id, s.start, s.end, s.quote) for s in _spans(rng, 200)]
    editor_keys, partner_keys = [], []
    with transaction.atomic():
        for n in range(max(2, clients["editors"])):  # one publishes what another wrote
            editor = User.objects.create(username=f"bench-mixed-editor-{n}")
            grant(editor, EDITORS)
            editor_keys.append(APIToken.issue(user=editor, name="benchmark")[1])
        for n in range(clients["partners"]):
            partner = User.objects.create(username=f"bench-mixed-partner-{n}")
            partner_keys.append(APIToken.issue(user=partner, name="feed", read_only=True)[1])
    latest = Entry.objects.in_order().values_list("xid", "id").last() or (0, 0)
    head = feed.Position(*latest).issued_now().encode()
    return Plan(
        claim_ids=claim_ids or [1],
        searches=[quote(q) for q in search_terms.values()] or ["claim"],
        spans=spans,
        editor_keys=editor_keys,
        partner_keys=partner_keys,
        feed_head=head,
        seed=seed,
    )


# The server


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    """The database under test, as a URL for gunicorn's processes."""
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    user = params["USER"] or ""
    password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
    at = f"{user}{password}@" if user else ""
    host = params["HOST"] or "localhost"
    port = f":{params['PORT']}" if params["PORT"] else ""
    return f"postgres://{at}{host}{port}/{params['NAME']}"


@contextlib.contextmanager
def gunicorn():
    """gunicorn serving config.wsgi on a free local port with the production settings, the
    database under test and the throttle raised; its address while it runs."""
    port = _free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # the feed's cursors are signed with it
        "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1",
        "DJANGO_LOG_LEVEL": "WARNING",
        "CLAIMDESK_API_ANON_RATE": "100000000/minute",
        "CLAIMDESK_API_USER_RATE": "100000000/minute",
        "PYTHONWARNINGS": "ignore::UserWarning",
    }
    environment.pop("DJANGO_DEBUG", None)
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                f"--workers={WORKERS}",
                f"--threads={THREADS}",
                f"--bind=127.0.0.1:{port}",
                "--graceful-timeout=5",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_ready(base, server, log)
            yield base
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            # A worker the arbiter left behind (its own session: only the server's processes).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)


HEADERS = {"Host": "localhost", "X-Forwarded-Proto": "https", "Accept": "application/json"}


def _wait_until_ready(base: str, server, log, timeout: float = 90) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        with contextlib.suppress(httpx.HTTPError):
            answer = httpx.get(f"{base}/api/claims/?page_size=1", headers=HEADERS, timeout=5)
            if answer.status_code == 200:
                return
        time.sleep(0.3)
    log.seek(0)
    raise RuntimeError(f"gunicorn did not answer: {log.read()[-2000:].decode(errors='replace')}")


# The clients: one process per class (so that their threads do not queue behind each
# other's Python), each thread a client with its own keep-alive connection.


def _drive(base: str, plan: Plan, clients: dict, warmup: float, seconds: float) -> dict:
    context = multiprocessing.get_context("fork")
    connection.close()  # the children never touch the database
    queue = context.Queue()
    begin = time.time() + 1.0  # every class starts together
    names = {"readers": "reads", "partners": "feed", "editors": "writes"}
    processes = [
        context.Process(
            target=_class_process,
            args=(cls, count, base, plan, begin, warmup, seconds, queue),
            daemon=True,
        )
        for cls, count in clients.items()
    ]
    for process in processes:
        process.start()
    results = {}
    for _ in processes:
        cls, samples = queue.get(timeout=warmup + seconds + 120)
        if isinstance(samples, str):
            raise RuntimeError(f"the {cls}' process failed: {samples}")
        results[names[cls]] = samples
    for process in processes:
        process.join(timeout=10)
    return results


def _class_process(cls, count, base, plan, begin, warmup, seconds, queue) -> None:
    """One class's clients, as threads; sends (class, samples), or (class, the error)."""
    try:
        samples: list[tuple[float, bool]] = []
        lock = threading.Lock()
        threads = [
            threading.Thread(
                target=_client,
                args=(cls, n, base, plan, begin, warmup, seconds, samples, lock),
                daemon=True,
            )
            for n in range(count)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        queue.put((cls, samples))
    except BaseException as exc:
        queue.put((cls, f"{type(exc).__name__}: {exc}"))
    finally:
        queue.close()
        queue.join_thread()  # the samples reach the pipe before the process leaves
        os._exit(0)


def _client(cls, n, base, plan, begin, warmup, seconds, samples, lock) -> None:
    import httpx

    role = ROLES[cls](random.Random(f"{plan.seed}:{cls}:{n}"), n, plan)
    time.sleep(max(0.0, begin - time.time()))
    measure_from = time.monotonic() + warmup
    stop = measure_from + seconds
    with httpx.Client(base_url=base, headers=HEADERS, timeout=30) as http:
        while time.monotonic() < stop:
            for ms, ok, at in role.turn(http):
                if measure_from <= at < stop:
                    with lock:
                        samples.append((ms, ok))


def _ask(http, method: str, path: str, *, body=None, key=None, expected=200):
    """(milliseconds, whether the answer was the expected one, its JSON, when it ended)."""
    import httpx

    headers = {"Authorization": f"Token {key}"} if key else None
    began = time.perf_counter()
    try:
        answer = http.request(method, path, json=body, headers=headers)
        ok = answer.status_code == expected
        data = answer.json() if ok else None
    except (httpx.HTTPError, ValueError):
        ok, data = False, None
    return (time.perf_counter() - began) * 1000, ok, data, time.monotonic()


class Reader:
    """An anonymous reader: a list page (a third of the time then the next one), a claim, or
    a search."""

    def __init__(self, rng: random.Random, n: int, plan: Plan):
        self.rng, self.plan = rng, plan

    def turn(self, http):
        roll = self.rng.random()
        if roll < 0.5:
            ms, ok, data, at = _ask(http, "GET", "/api/claims/?page_size=20")
            yield ms, ok, at
            if ok and data.get("next") and self.rng.random() < 1 / 3:
                following = data["next"].split("/api/", 1)[1]
                ms, ok, _, at = _ask(http, "GET", "/api/" + following)
                yield ms, ok, at
        elif roll < 0.85:
            claim = self.rng.choice(self.plan.claim_ids)
            ms, ok, _, at = _ask(http, "GET", f"/api/claims/{claim}/")
            yield ms, ok, at
        else:
            q = self.rng.choice(self.plan.searches)
            ms, ok, _, at = _ask(http, "GET", f"/api/claims/?q={q}&page_size=20")
            yield ms, ok, at


class Partner:
    """A partner mirroring the corpus: polls /api/changes/ with a read-only token, from the
    head, keeping the cursor it is given."""

    def __init__(self, rng: random.Random, n: int, plan: Plan):
        self.key, self.since = plan.partner_keys[n], plan.feed_head

    def turn(self, http):
        path = f"/api/changes/?since={quote(self.since)}&page_size={FEED_PAGE}"
        ms, ok, data, at = _ask(http, "GET", path, key=self.key)
        if ok:
            self.since = data["next_since"]
        yield ms, ok, at


class Editor:
    """An editor marking a claim, annotating it and submitting the annotation; the next
    editor publishes it."""

    def __init__(self, rng: random.Random, n: int, plan: Plan):
        self.rng, self.plan = rng, plan
        self.key = plan.editor_keys[n]
        self.reviewer = plan.editor_keys[(n + 1) % len(plan.editor_keys)]

    def turn(self, http):
        capture, start, end, text = self.rng.choice(self.plan.spans)
        span = {"capture": capture, "start": start, "end": end, "quote": text}
        ms, ok, claim, at = _ask(
            http, "POST", "/api/claims/", body=span, key=self.key, expected=201
        )
        yield ms, ok, at
        if not ok:
            return
        body = {
            "claim": claim["id"],
            "confidence": round(self.rng.random(), 2),
            "tags": [],
            "rationale": "Checked against the ministry's own figures.",
            "submit": True,
        }
        ms, ok, annotation, at = _ask(
            http, "POST", "/api/annotations/", body=body, key=self.key, expected=201
        )
        yield ms, ok, at
        if not ok:
            return
        path = f"/api/annotations/{annotation['id']}/publish/"
        version = {"version": annotation["version"]}
        ms, ok, _, at = _ask(http, "POST", path, body=version, key=self.reviewer)
        yield ms, ok, at


ROLES = {"readers": Reader, "partners": Partner, "editors": Editor}


# Undoing the run


@dataclass
class HighWater:
    """Every table's row count and largest id before the run (the keys of the few small tables
    keyed otherwise), and when it started."""

    counts: dict[str, int]
    marks: dict[str, int]
    keys: dict[str, set]
    keyed_by: dict[str, str]  # table → the table whose ids its key takes (a one-to-one key)
    started: object
    until: object = None  # the end of the window in which older rows must not change
    updated_before: dict[str, int] | None = None

    def watch(self, seconds: float) -> None:
        """Count the older rows updated in the run's window (its start + `seconds`) now, to
        compare after it."""
        import datetime as dt

        self.until = self.started + dt.timedelta(seconds=seconds)
        self.updated_before = self.recently_updated(self.until)

    @classmethod
    def take(cls) -> "HighWater":
        from django.utils import timezone

        counts, marks, keys, keyed_by = {}, {}, {}, {}
        introspection = connection.introspection
        with connection.cursor() as cursor:
            for table in introspection.table_names(cursor):
                pk = introspection.get_primary_key_column(cursor, table)
                cursor.execute(f"SELECT COUNT(*) FROM {_q(table)}")
                counts[table] = cursor.fetchone()[0]
                if pk is None:
                    continue
                relations = introspection.get_relations(cursor, table)
                if pk in relations:
                    keyed_by[table] = relations[pk][1]
                    continue
                if _integer_column(cursor, table, pk):
                    cursor.execute(f"SELECT COALESCE(MAX({_q(pk)}), 0) FROM {_q(table)}")
                    marks[table] = cursor.fetchone()[0]
                else:
                    cursor.execute(f"SELECT {_q(pk)} FROM {_q(table)}")
                    keys[table] = {row[0] for row in cursor.fetchall()}
        return cls(counts, marks, keys, keyed_by, timezone.now())

    def restore(self) -> dict:
        """Delete what the run added (one transaction: the foreign keys are checked at its
        end), then say what was deleted and whether every table is as it was."""
        connection.close()  # a fresh connection after the clients' fork
        deleted: dict[str, int] = {}
        introspection = connection.introspection
        with transaction.atomic(), connection.cursor() as cursor:
            for table, mark in self.marks.items():
                pk = introspection.get_primary_key_column(cursor, table)
                cursor.execute(f"DELETE FROM {_q(table)} WHERE {_q(pk)} > %s", [mark])
                deleted[table] = cursor.rowcount
            for table, referenced in self.keyed_by.items():
                pk = introspection.get_primary_key_column(cursor, table)
                if referenced in self.marks:
                    cursor.execute(
                        f"DELETE FROM {_q(table)} WHERE {_q(pk)} > %s", [self.marks[referenced]]
                    )
                    deleted[table] = cursor.rowcount
            for table, keys in self.keys.items():
                pk = introspection.get_primary_key_column(cursor, table)
                cursor.execute(f"SELECT {_q(pk)} FROM {_q(table)}")
                new = [row[0] for row in cursor.fetchall() if row[0] not in keys]
                for key in new:
                    cursor.execute(f"DELETE FROM {_q(table)} WHERE {_q(pk)} = %s", [key])
                deleted[table] = len(new)
        after = HighWater.take()
        return {
            "rows_deleted": {table: n for table, n in deleted.items() if n},
            "counts_agree": after.counts == self.counts,
            "counts_differ": {
                table: [self.counts.get(table), n]
                for table, n in after.counts.items()
                if self.counts.get(table) != n
            },
            "older_rows_changed": {
                table: n - self.updated_before[table]
                for table, n in self.recently_updated(self.until).items()
                if n != self.updated_before[table]
            },
        }

    def recently_updated(self, until) -> dict[str, int]:
        """Per table with `updated_at`, the rows from before the run updated between its start
        and `until` (corpus rows may carry any date, so this is compared before and after)."""
        found = {}
        introspection = connection.introspection
        with connection.cursor() as cursor:
            for table, mark in self.marks.items():
                columns = {c.name for c in introspection.get_table_description(cursor, table)}
                if "updated_at" not in columns:
                    continue
                pk = introspection.get_primary_key_column(cursor, table)
                cursor.execute(
                    f"SELECT COUNT(*) FROM {_q(table)} WHERE {_q(pk)} <= %s "
                    "AND updated_at BETWEEN %s AND %s",
                    [mark, self.started, until],
                )
                found[table] = cursor.fetchone()[0]
        return found


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _integer_column(cursor, table: str, column: str) -> bool:
    for info in connection.introspection.get_table_description(cursor, table):
        if info.name == column:
            kind = connection.introspection.get_field_type(info.type_code, info)
            return kind in (
                "AutoField",
                "BigAutoField",
                "IntegerField",
                "BigIntegerField",
                "SmallAutoField",
                "SmallIntegerField",
                "PositiveIntegerField",
            )
    return False
