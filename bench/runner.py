"""The benchmark run: every measurement in one process, against a warm corpus.

Requests go through the whole product as a client's would — the WSGI application, every
middleware, URL routing, DRF (authentication, throttling, filters, pagination, serializers,
rendering) — as an anonymous reader. Variants are interleaved round by round (in a rotating
order, after warm-up rounds), and each is reported by its median and 95th percentile.
"""

import contextlib
import cProfile
import io
import json
import os
import platform
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import orjson
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from django.test.utils import CaptureQueriesContext

from . import PARTS, agreement, floor, load, memory, mixed, percentile, statements, text, writes

API_LIST = "/api/claims/"
API_EXPORT = "/api/claims/export.jsonl"
PG_ONLY = "PostgreSQL only (the database under test is {vendor})"


@dataclass
class Options:
    claims: int = 10_000
    seed: int = 1
    rounds: int = 40
    warmup: int = 3
    rebuild: bool = False
    export_runs: int = 0  # 0: three below 20k claims, else one
    export_max_claims: int = 0  # stop reading the stream after this many (0: never)
    import_files: int = 0  # 0: from the corpus size
    out: Path | None = None
    log: Callable[[str], None] = print
    extra: dict = field(default_factory=dict)
    only: tuple[str, ...] = ()  # the parts to measure (default: every one, PARTS)
    mixed_seconds: float = 60.0


# Measuring


def summary(samples: list[float]) -> dict:
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(percentile(samples, 0.95), 2),
        "min_ms": round(min(samples), 2),
        "n": len(samples),
    }


class Client:
    """Calls the WSGI application as a server would, over HTTPS behind a proxy."""

    def __init__(self):
        self.app = WSGIHandler()

    def get(self, path: str, query: str = "") -> tuple[int, bytes]:
        status, chunks = self.stream(path, query)
        return status, b"".join(chunks)

    def post(self, path: str, body: bytes, *, content_type: str, token: str) -> tuple[int, bytes]:
        """POST `body` with an API token."""
        return self.call("POST", path, body, token=token, content_type=content_type)

    def call(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        *,
        token: str,
        content_type: str = "application/json",
    ) -> tuple[int, bytes]:
        """`method` on `path` with `body` and an API token."""
        status, chunks = self.stream(
            path,
            method=method,
            body=body,
            headers={
                "CONTENT_TYPE": content_type,
                "CONTENT_LENGTH": str(len(body)),
                "HTTP_AUTHORIZATION": f"Token {token}",
            },
        )
        return status, b"".join(chunks)

    def stream(
        self,
        path: str,
        query: str = "",
        *,
        method: str = "GET",
        body: bytes = b"",
        headers: dict | None = None,
    ):
        """The status and the body as an iterator (closed when exhausted)."""
        environ = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "443",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "localhost",
            "HTTP_ACCEPT": "application/json",
            "HTTP_X_FORWARDED_PROTO": "https",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "https",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            **(headers or {}),
        }
        started: list[str] = []
        result = self.app(environ, lambda status, headers, exc_info=None: started.append(status))

        def body():
            try:
                yield from result
            finally:
                if hasattr(result, "close"):
                    result.close()

        return int(started[0].split()[0]), body()


@contextlib.contextmanager
def connection_kept_open():
    """Inside a transaction (the test suite), Django's per-request connection housekeeping
    would close the connection and lose the transaction; a server has no such transaction."""
    if not connection.in_atomic_block:
        yield
        return
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def timed(call: Callable[[], bytes]) -> tuple[float, bytes]:
    began = time.perf_counter()
    body = call()
    return (time.perf_counter() - began) * 1000, body


def interleave(variants: dict[str, Callable[[], bytes]], rounds: int, warmup: int) -> dict:
    """Each variant once per round, in a rotating order; warm-up rounds are discarded."""
    names = list(variants)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_no in range(warmup + rounds):
        shift = round_no % len(names)
        for name in names[shift:] + names[:shift]:
            ms, _ = timed(variants[name])
            if round_no >= warmup:
                samples[name].append(ms)
    return samples


# The run


def run(options: Options) -> dict:
    log = options.log
    vendor = connection.vendor
    postgresql = vendor == "postgresql"
    pg_only = PG_ONLY.format(vendor=vendor)
    result: dict = {"claims": options.claims, "seed": options.seed, "database": vendor}
    facts = machine()  # the load average before the run: the machine may be shared

    report = load.ensure_corpus(options.claims, options.seed, rebuild=options.rebuild, log=log)
    result["corpus"] = report.as_dict()
    result.update(report.build_figures())
    client = Client()
    parts = set(options.only or PARTS)
    raw = _raw_connection() if postgresql else None
    with connection_kept_open():
        if "reads" in parts:
            result.update(_reads(client, options, raw))
        if "export" in parts:
            result.update(_export(client, options, raw))
        if "memory" in parts:
            result.update(memory.measure(client, connection_kept_open, options.rounds))
        if "writes" in parts:
            log(f"Measuring writes: {options.rounds} rounds after {options.warmup} warm-up…")
            result.update(
                writes.measure(
                    client,
                    connection_kept_open,
                    options.rounds,
                    options.warmup,
                    options.seed,
                    floor=postgresql,
                )
            )
    if "import" in parts:
        result.update(_import(options, postgresql, pg_only))
    if "agreement" in parts:
        log("Measuring the agreement report (10,000 claims × 5 annotators)…")
        result.update(agreement.measure())
    if "mixed" in parts:
        result.update(
            mixed.measure(options.mixed_seconds, options.seed, _search_terms(options.seed), log)
        )
    result["parts"] = [part for part in PARTS if part in parts]
    result["versions"] = versions()
    result["machine"] = facts
    result["settings"] = {
        "debug": settings.DEBUG,
        "conn_max_age": connection.settings_dict.get("CONN_MAX_AGE"),
        "throttle_rates": settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES"),
        "rounds": options.rounds,
        "warmup": options.warmup,
    }
    return result


def _reads(client: Client, options: Options, raw) -> dict:
    """The read requests beside their floors, search, similar claims, query and statement
    counts, and where a page's time goes."""
    log = options.log
    postgresql = raw is not None
    pg_only = PG_ONLY.format(vendor=connection.vendor)
    result: dict = {}
    status, body = client.get(API_LIST, "page_size=100")
    if status != 200:
        raise RuntimeError(f"GET {API_LIST} answered {status}: {body[:300]!r}")
    first_page = orjson.loads(body)
    top_tag = _most_used_tag()
    filtered_query = f"page_size=100&tag={top_tag}&language=fr&min_confidence=0.5"
    search_terms = _search_terms(options.seed)
    variants: dict[str, Callable[[], bytes]] = {
        "api_list": lambda: _ok(client, API_LIST, "page_size=100"),
        "api_page_10": lambda: _ok(client, API_LIST, "page_size=10"),
        "api_filtered": lambda: _ok(client, API_LIST, filtered_query),
    }
    if first_page["next"]:
        next_query = first_page["next"].split("?", 1)[1]
        variants["api_list_page_2"] = lambda: _ok(client, API_LIST, next_query)
    if postgresql:
        variants["raw_sql"] = lambda: floor.first_page(raw, 100, API_LIST)
        if floor.has_stored_documents(raw):
            variants["stored_floor"] = lambda: floor.stored_first_page(raw, 100, API_LIST)
        for label, q in search_terms.items():
            query = "q=" + quote(q)
            variants[f"search_{label}"] = lambda query=query: _ok(client, API_LIST, query)
    log(f"Measuring requests: {options.rounds} rounds after {options.warmup} warm-up…")
    samples = interleave(variants, options.rounds, options.warmup)
    stats = {name: summary(values) for name, values in samples.items()}
    result["requests"] = stats
    result["api_list_p50_ms"] = stats["api_list"]["p50_ms"]
    result["api_list_p95_ms"] = stats["api_list"]["p95_ms"]
    result["api_filtered_p50_ms"] = stats["api_filtered"]["p50_ms"]
    result["api_filtered_query"] = filtered_query
    if postgresql:
        result["raw_sql_p50_ms"] = stats["raw_sql"]["p50_ms"]
        result["api_vs_raw_ratio"] = round(
            stats["api_list"]["p50_ms"] / stats["raw_sql"]["p50_ms"], 2
        )
        search = [v for name, v in samples.items() if name.startswith("search_")]
        pooled = [ms for values in search for ms in values]
        result["search_p50_ms"] = round(statistics.median(pooled), 2)
        result["search_p95_ms"] = round(percentile(pooled, 0.95), 2)
        result["search_by_class"] = _search_classes(samples)
        result["search_terms"] = search_terms
        result["search_hits"] = {
            label: len(orjson.loads(_ok(client, API_LIST, "q=" + quote(q)))["results"])
            for label, q in search_terms.items()
        }
        result["floor_matches_api"] = _same_results(first_page, raw)
        if "stored_floor" in stats:
            result["stored_floor_p50_ms"] = stats["stored_floor"]["p50_ms"]
            result["api_vs_stored_ratio"] = round(
                stats["api_list"]["p50_ms"] / stats["stored_floor"]["p50_ms"], 2
            )
            result["stored_floor_matches_api"] = _same_results(
                first_page, raw, floor.stored_first_page
            )
        else:
            result["stored_floor_p50_ms"] = result["api_vs_stored_ratio"] = None
            result["stored_floor_reason"] = "no published read model in this build"
    else:
        for key in (
            "raw_sql_p50_ms",
            "api_vs_raw_ratio",
            "search_p50_ms",
            "search_p95_ms",
            "stored_floor_p50_ms",
            "api_vs_stored_ratio",
        ):
            result[key] = None
        result["search_by_class"] = {}
        result["raw_sql_reason"] = result["search_reason"] = pg_only

    result.update(_similar_claims(options))
    result.update(_query_counts(client, filtered_query, search_terms, postgresql))
    result["breakdown"] = _breakdown(options, raw)
    result["api_list_profile"] = _profile(client)
    return result


def _ok(client: Client, path: str, query: str) -> bytes:
    status, body = client.get(path, query)
    if status != 200:
        raise RuntimeError(f"GET {path}?{query} answered {status}: {body[:300]!r}")
    return body


def _raw_connection():
    """A psycopg connection of the floor's own (Django closes and reopens its connection as
    CONN_MAX_AGE says); inside a transaction (the test suite), the one under Django's, which
    sees the same rows."""
    if connection.in_atomic_block:
        connection.ensure_connection()
        return connection.connection
    import psycopg

    params = connection.settings_dict
    return psycopg.connect(
        dbname=params["NAME"],
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        autocommit=True,
    )


def _most_used_tag() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.slug FROM annotations_tag t JOIN annotations_annotation_tags at "
            "ON at.tag_id = t.id GROUP BY t.slug ORDER BY COUNT(*) DESC, t.slug LIMIT 1"
        )
        row = cursor.fetchone()
    return row[0] if row else "no-official-reason-given"


def _similar_claims(options: Options, quotes: int = 20) -> dict:
    """Marking's "similar claims already in the archive": `similar_to` for quotes reworded
    from claims of the corpus (their first words, in another order), as an editor sees them."""
    from annotations.models import Claim

    rng = random.Random(options.seed)
    last = Claim.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    picked = Claim.objects.filter(pk__in=[rng.randint(1, last) for _ in range(quotes)])
    samples = []
    for text_ in picked.values_list("text", flat=True):
        words = text_.split()[:12]
        rng.shuffle(words)
        quote_ = " ".join(words)
        for _ in range(max(1, options.rounds // 10)):
            started = time.perf_counter()
            Claim.objects.alive().similar_to(quote_)
            samples.append((time.perf_counter() - started) * 1000)
    if not samples:
        return {"similar_claims_p50_ms": None, "similar_claims_p95_ms": None}
    return {
        "similar_claims_p50_ms": round(statistics.median(samples), 2),
        "similar_claims_p95_ms": round(percentile(samples, 0.95), 2),
    }


def _search_terms(seed: int) -> dict[str, str]:
    """Common and rare planted terms, and a planted phrase."""
    french = text.build_vocabulary("fr", seed)
    frequent = french.words[len(text.FUNCTION_WORDS["fr"].split())]  # the top non-function word
    terms = {"common_name": text.COMMON_TERM.lower(), "common_word": frequent}
    for i, term in enumerate(text.RARE_TERMS, 1):
        terms[f"rare_{i}"] = term
    terms["phrase"] = f'"{text.PHRASE}"'
    return terms


def _same_results(api_page: dict, raw, page=floor.first_page) -> bool:
    """The floor's page holds exactly what the API returned (same rows, same JSON)."""
    floor_page = orjson.loads(page(raw, 100, API_LIST))
    return floor_page["results"] == api_page["results"]


# Search term classes: the planted rare words, the word in 3 % of claims, the phrase.
SEARCH_CLASSES = {
    "rare": ("rare_",),
    "frequent_3pct": ("common_name",),
    "phrase": ("phrase",),
    "top_word": ("common_word",),
}


def _search_classes(samples: dict[str, list[float]]) -> dict[str, dict]:
    """p50 and p95 per class of search term, each over the samples of its terms."""
    classes = {}
    for label, prefixes in SEARCH_CLASSES.items():
        pooled = [
            ms
            for name, values in samples.items()
            if name.removeprefix("search_").startswith(prefixes) and name.startswith("search_")
            for ms in values
        ]
        if pooled:
            classes[label] = summary(pooled)
    return classes


def _query_counts(client: Client, filtered: str, terms: dict, postgresql: bool) -> dict:
    counts = {}
    for key, query in (
        ("queries_page_10", "page_size=10"),
        ("queries_page_100", "page_size=100"),
        ("queries_filtered_100", filtered),
    ):
        with CaptureQueriesContext(connection) as captured:
            _ok(client, API_LIST, query)
        counts[key] = len(captured.captured_queries)
    if postgresql:
        with CaptureQueriesContext(connection) as captured:
            _ok(client, API_LIST, "q=" + quote(terms["common_name"]))
        counts["queries_search"] = len(captured.captured_queries)
        # As PostgreSQL counts them: what psycopg sends, the health check included (the
        # connection is persistent, so each request starts with Django's housekeeping).
        for key, query in (
            ("statements_page_10", "page_size=10"),
            ("statements_page_100", "page_size=100"),
        ):
            _ok(client, API_LIST, query)  # the connection is open and warm
            with statements.sent() as sent:
                _ok(client, API_LIST, query)
            counts[key] = len(sent)
            counts[key.replace("statements", "statements_sent")] = sent
    else:
        counts["statements_page_10"] = counts["statements_page_100"] = None
    return counts


def _breakdown(options: Options, raw) -> dict:
    """Where the time of one 100-claim page goes, stage by stage, outside the request
    (median of a few runs), along the API's read path: the page of claims, the related rows
    fetched and assembled into the payload (`claims_data`), orjson."""
    from django.contrib.auth.models import AnonymousUser

    from annotations.models import Claim
    from core.api.renderers import dumps
    from publication.representations import claims_data

    reader = AnonymousUser()
    fetch, build, render = [], [], []
    for _ in range(max(5, options.rounds // 4)):
        t0 = time.perf_counter()
        claims = list(
            Claim.objects.visible_to(reader).with_creator().order_by("-updated_at", "-id")[:101]
        )
        t1 = time.perf_counter()
        data = claims_data(claims[:100], reader)
        t2 = time.perf_counter()
        dumps({"next": None, "previous": None, "results": data})
        t3 = time.perf_counter()
        fetch.append((t1 - t0) * 1000)
        build.append((t2 - t1) * 1000)
        render.append((t3 - t2) * 1000)
    stages = {
        "claims_page_ms": round(statistics.median(fetch), 2),
        "details_fetch_and_build_ms": round(statistics.median(build), 2),
        "orjson_render_ms": round(statistics.median(render), 2),
    }
    if raw is not None:
        sql = []
        for _ in range(max(5, options.rounds // 4)):
            t0 = time.perf_counter()
            with floor.named_cursor(raw) as cursor:
                cursor.execute(floor.PAGE_SQL, [101])
                rows = cursor.fetchall()
                floor.claims_json(cursor, rows[:100])
            sql.append((time.perf_counter() - t0) * 1000)
        stages["raw_fetch_and_build_ms"] = round(statistics.median(sql), 2)
    return stages


def _profile(client: Client, requests: int = 10, top: int = 25) -> dict[str, list[str]]:
    """Where a 100-claim page spends its time (cProfile over a few requests): the functions
    with the most time of their own, and those with the most time including their callees."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        _ok(client, API_LIST, "page_size=100")
    profiler.disable()
    base = str(Path(sys.prefix))
    listings = {}
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(top)
        lines = [line.rstrip() for line in out.getvalue().splitlines() if line.strip()]
        listings[order] = [line.replace(base, "…") for line in lines[-(top + 1) :]]
    listings["requests"] = [str(requests)]
    return listings


# Export


def _rss() -> dict[str, float]:
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":")
                values[key] = int(value.split()[0]) / 1024
    return values


def _reset_peak() -> bool:
    """Reset the process's peak RSS (VmHWM) to its current RSS (Linux ≥ 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def _drain(chunks, expected_total: int = 0, limit: int = 0) -> tuple[int, int, list[float]]:
    """Consume a stream of JSON Lines, stopping (and closing it) once `limit` lines are read:
    (lines, bytes, RSS samples in MiB at each quarter)."""
    lines = size = 0
    samples: list[float] = []
    total = min(expected_total, limit) if limit else expected_total
    marks = [total * q // 4 for q in (1, 2, 3)] if total > 3 else []
    for chunk in chunks:
        lines += chunk.count(b"\n")
        size += len(chunk)
        while marks and lines >= marks[0]:
            marks.pop(0)
            samples.append(round(_rss()["VmRSS"], 1))
        if limit and lines >= limit:
            chunks.close()
            break
    samples.append(round(_rss()["VmRSS"], 1))
    return lines, size, samples


def _published_claims() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM annotations_claim c WHERE c.deleted_at IS NULL AND EXISTS "
            "(SELECT 1 FROM annotations_annotation a WHERE a.claim_id = c.id "
            "AND a.deleted_at IS NULL AND a.status = 'published')"
        )
        return cursor.fetchone()[0]


def _export(client: Client, options: Options, raw) -> dict:
    runs = options.export_runs or (3 if options.claims < 20_000 else 1)
    total = _published_claims()
    limit = options.export_max_claims
    read = min(total, limit) if limit else total
    options.log(f"Measuring the JSON Lines export ({read:,} of {total:,} claims, {runs} run(s))…")
    rates, growths, peaks, samples = [], [], [], []
    peak_method = "VmHWM reset through /proc/self/clear_refs before each run"
    lines = size = 0
    for _ in range(runs):
        before = _rss()["VmRSS"]
        if not _reset_peak():
            peak_method = "VmHWM (could not be reset: the process's peak since it started)"
        began = time.perf_counter()
        status, chunks = client.stream(API_EXPORT)
        if status != 200:
            raise RuntimeError(f"GET {API_EXPORT} answered {status}")
        lines, size, samples = _drain(chunks, total, limit)
        seconds = time.perf_counter() - began
        peak = _rss()["VmHWM"]
        rates.append(lines / seconds)
        peaks.append(peak)
        growths.append(peak - before)
    result = {
        "export_claims": lines,
        "export_claims_available": total,
        "export_mib": round(size / 2**20, 1),
        "export_claims_per_s": round(statistics.median(rates)),
        "export_peak_rss_mib": round(max(peaks), 1),
        "export_rss_growth_mib": round(max(growths), 1),
        "export_rss_by_quarter_mib": samples,
        "export_rss_method": peak_method
        + "; growth = peak during the export − RSS before it; RSS sampled at each quarter. "
        + (
            f"The stream is read up to {limit:,} claims, then closed (throughput and memory "
            "are those of a steady stream; the whole export takes total ÷ rate)."
            if limit and total > limit
            else "The whole stream is read."
        ),
    }
    if raw is not None and floor.has_stored_documents(raw):
        began = time.perf_counter()
        copied, _, _ = _drain(floor.export_copy(raw, limit), total, limit)
        result["export_copy_floor_per_s"] = round(copied / (time.perf_counter() - began))
        result["export_vs_copy_floor"] = round(
            result["export_claims_per_s"] / result["export_copy_floor_per_s"], 2
        )
    else:
        result["export_copy_floor_per_s"] = result["export_vs_copy_floor"] = None
        result["export_copy_floor_reason"] = (
            "no published read model in this build"
            if raw is not None
            else PG_ONLY.format(vendor=connection.vendor)
        )
    return result


# Import


def _import(options: Options, postgresql: bool, pg_only: str) -> dict:
    from django.core.management import get_commands

    count = options.import_files or max(50, min(2000, options.claims // 20))
    rng = random.Random(f"{options.seed}:import")
    vocabularies = text.vocabularies(options.seed)
    languages = list(text.LANGUAGE_SHARES)
    weights = list(text.LANGUAGE_SHARES.values())
    with tempfile.TemporaryDirectory(prefix="claimdesk-bench-") as folder:
        paths = []
        for i in range(count):
            language = rng.choices(languages, weights=weights)[0]
            vocabulary = vocabularies[language]
            title = text.title(rng, vocabulary)
            paragraphs = [
                " ".join(
                    text.sentence(rng, vocabulary, rng.randint(8, 24))
                    for _ in range(rng.randint(2, 5))
                )
                for _ in range(rng.randint(3, 7))
            ]
            path = Path(folder) / language / f"{i:05d}-{options.seed}.txt"
            path.parent.mkdir(exist_ok=True)
            # As real files come: the title, repeated as the first line of the body.
            path.write_text("\n".join([title, title, "", "\n\n".join(paragraphs)]) + "\n")
            paths.append(path)
        options.log(f"Measuring import of {count} text files…")
        result = {"import_files": count}
        if "archive" in get_commands():
            seconds, path_used, note = _import_with_command(folder, paths)
        else:
            seconds = _import_with_service(paths)
            path_used = "archive.services.archive_article"
            note = (
                "manage.py archive is not in this build: each file is read, parsed "
                "(parse_text_document) and stored with archive.services.archive_article, "
                "the service the command calls"
            )
        result["import_articles_per_s"] = round(count / seconds, 1)  # a tiny run may be < 1/s
        result.update(_import_job(paths[:IMPORT_JOB_FILES], folder))
        result["import_path"] = path_used
        result["import_note"] = (
            note + "; measured inside one transaction rolled back at the end, so the corpus "
            "is left as it was."
        )
        if postgresql:
            seconds, rows = _copy_floor(paths)
            result["copy_rows_per_s"] = round(rows / seconds)
            result["copy_articles_per_s"] = round(len(paths) / seconds)
            result["copy_note"] = (
                "the same files read, parsed and hashed, then COPY into archive_article and "
                "archive_capture (2 rows per article), in a transaction rolled back at the end"
            )
        else:
            result["copy_rows_per_s"] = result["copy_articles_per_s"] = None
            result["copy_reason"] = pg_only
    return result


class _Rollback(Exception):
    pass


# Files posted in one import to /api/imports/ (fewer when the run imports fewer).
IMPORT_JOB_FILES = 500


def _import_job(paths: list[Path], folder: str) -> dict:
    """The same files posted in one multipart request to /api/imports/ by a journalist's
    token and run by one worker (the job's task, `archive.imports.run_import`, in this
    process): articles per second from the request to the job's end."""
    from django.contrib.auth.models import User
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
    from django.test.utils import override_settings

    from accounts.models import APIToken
    from accounts.roles import grant
    from archive.imports import run_import
    from archive.models import ImportJob

    client = Client()
    with (
        contextlib.suppress(_Rollback),
        transaction.atomic(),
        connection_kept_open(),
        override_settings(CLAIMDESK_IMPORT_DIR=Path(folder) / "uploads"),
    ):
        user = User.objects.create(username=f"bench-import-{os.getpid()}")
        grant(user, "journalists")
        _, key = APIToken.issue(user=user, name="benchmark")
        files = [path.open("rb") for path in paths]
        try:
            body = encode_multipart(BOUNDARY, {"file": files})
        finally:
            for file in files:
                file.close()
        began = time.perf_counter()
        status, answer = client.post(
            "/api/imports/", body, content_type=MULTIPART_CONTENT, token=key
        )
        if status != 202:
            raise RuntimeError(f"POST /api/imports/ answered {status}: {answer[:300]!r}")
        job_id = orjson.loads(answer)["id"]
        run_import(job_id)  # what the worker runs for the job's task
        seconds = time.perf_counter() - began
        job = ImportJob.objects.get(pk=job_id)
        if (job.status, job.done) != ("succeeded", len(paths)):
            raise RuntimeError(f"the import job ended {job.status}, {job.done} done: {job.error}")
        raise _Rollback
    return {
        "import_job_files": len(paths),
        "import_job_articles_per_s": round(len(paths) / seconds, 1),
        "import_job_note": (
            "one multipart POST of the files to /api/imports/ (a journalist's token), then "
            "the job run as one worker runs it, in batches of 200 each committed with its "
            "ImportItem rows (each item in its own savepoint); language detection and capture "
            "analysis are queued for after the batch and not counted; inside one transaction "
            "rolled back at the end"
        ),
    }


def _import_with_service(paths: list[Path]) -> float:
    from accounts.actors import IMPORT
    from archive.ingest.documents import CapturePayload, parse_text_document
    from archive.services import archive_article

    began = time.perf_counter()
    with contextlib.suppress(_Rollback), transaction.atomic():
        for path in paths:
            title, body = parse_text_document(path.read_text(encoding="utf-8"))
            archive_article(
                actor=IMPORT,
                title=title,
                capture=CapturePayload(
                    text=body, origin="file", origin_location=str(path), extractor="text"
                ),
                language=path.parent.name,
            )
        seconds = time.perf_counter() - began
        raise _Rollback
    return seconds


def _import_with_command(folder: str, paths: list[Path]) -> tuple[float, str, str]:
    from django.core.management import call_command

    began = time.perf_counter()
    try:
        with contextlib.suppress(_Rollback), transaction.atomic():
            with contextlib.redirect_stdout(io.StringIO()):
                call_command("archive", *[str(p) for p in paths], verbosity=0)
            seconds = time.perf_counter() - began
            raise _Rollback
    except (Exception, SystemExit) as exc:  # its interface may differ: fall back, and say so
        seconds = _import_with_service(paths)
        return (
            seconds,
            "archive.services.archive_article",
            f"manage.py archive could not be driven with file paths ({exc!r})",
        )
    return (
        seconds,
        "manage.py archive",
        "the archive command on the generated files (language detection and capture analysis "
        "are queued for a worker after each batch and not counted)",
    )


def _copy_floor(paths: list[Path]) -> tuple[float, int]:
    import datetime as dt

    from archive.ingest.documents import parse_text_document
    from archive.models import text_sha256

    now = dt.datetime.now(dt.UTC)
    began = time.perf_counter()
    with contextlib.suppress(_Rollback), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM archive_article")
        first = cursor.fetchone()[0] + 1
        articles, captures = [], []
        for i, path in enumerate(paths):
            title, body = parse_text_document(path.read_text(encoding="utf-8"))
            article_id = first + i
            articles.append((article_id, None, "", title, "[]", None, path.parent.name, now, now))
            sha = text_sha256(body)
            captures.append(
                (
                    article_id,
                    now,
                    body,
                    sha,
                    b"",
                    "",
                    "file",
                    str(path),
                    "",
                    "[]",
                    "text",
                    now,
                    "import",
                    False,
                )
            )
        raw = cursor.cursor
        with raw.copy(
            "COPY archive_article (id, source_id, url, title, authors, published_at, language, "
            "created_at, updated_at) FROM STDIN"
        ) as copy:
            for row in articles:
                copy.write_row(row)
        with raw.copy(
            "COPY archive_capture (article_id, captured_at, text, sha256, raw, "
            "raw_content_type, origin, origin_location, warc_record_id, redirects, extractor, "
            "created_at, captured_by_name, replacement) "
            "FROM STDIN"
        ) as copy:
            for row in captures:
                copy.write_row(row)
        seconds = time.perf_counter() - began
        raise _Rollback
    return seconds, 2 * len(paths)


# Facts


def versions() -> dict:
    import django
    import psycopg
    import rest_framework

    found = {
        "python": platform.python_version(),
        "django": django.get_version(),
        "djangorestframework": rest_framework.VERSION,
        "psycopg": psycopg.__version__,
        "orjson": orjson.__version__,
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            found["postgresql"] = cursor.fetchone()[0]
        else:
            found["postgresql"] = None
            found[connection.vendor] = connection.Database.sqlite_version
    return found


def machine() -> dict:
    facts = {
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                facts["cpu"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                facts["memory_gib"] = round(int(line.split()[1]) / 2**20, 1)
    return facts


# Output


def write(result: dict, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    markdown = out.with_suffix(".md")
    markdown.write_text(table(result) + "\n")
    return markdown


def _fmt(value, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        value = f"{value:,.{digits}f}"
    elif isinstance(value, int):
        value = f"{value:,}"
    return f"{value}{unit}"


def _build_parts(r: dict) -> str:
    phases = r.get("build_phases") or {}
    if r.get("build_seconds") is None:
        return r.get("build_reason", "")
    return (
        f"corpus {r['build_corpus_seconds']:,.0f} s (rows loaded {phases['load']:,.0f} s, "
        f"indexes {phases.get('indexes', 0):,.0f} s, VACUUM ANALYZE "
        f"{phases['vacuum_analyze']:,.0f} s); read model {r['build_read_model_seconds']:,.0f} s "
        f"(COPY {phases['documents_copy']:,.0f} s, check {phases['check']:,.1f} s; documents made "
        f"in the generator, {phases['documents_render']:,.0f} s of CPU beside the load)"
    )


def table(r: dict) -> str:
    """The headline figures as a Markdown table, each beside its floor or target (the rows
    of the parts the run measured)."""
    parts = set(r.get("parts") or PARTS)
    req = r.get("requests", {})
    search_parts = [
        f"{name.removeprefix('search_')} {stats['p50_ms']:.1f}"
        for name, stats in req.items()
        if name.startswith("search_")
    ]
    rows = [
        ("claims in the corpus", _fmt(r["claims"]), f"seed {r['seed']}, {r['database']}"),
        ("build: corpus + read model", _fmt(r.get("build_seconds"), " s", 0), _build_parts(r)),
    ]
    if "reads" in parts:
        rows += [
            (
                "API list, 100 claims/page, p50 / p95",
                f"{_fmt(r['api_list_p50_ms'], ' ms')} / {_fmt(r['api_list_p95_ms'], ' ms')}",
                f"raw SQL floor {_fmt(r['raw_sql_p50_ms'], ' ms')}",
            ),
            ("API ÷ raw SQL floor (p50)", _fmt(r["api_vs_raw_ratio"], "×", 2), "target ≤ 1.0×"),
            (
                "API ÷ stored-document floor (p50)",
                _fmt(r.get("api_vs_stored_ratio"), "×", 2),
                f"stored-document floor {_fmt(r.get('stored_floor_p50_ms'), ' ms')}; target ≤ 1.5×"
                if r.get("stored_floor_p50_ms") is not None
                else r.get("stored_floor_reason", ""),
            ),
            (
                "API list, page 2 (cursor), p50",
                _fmt(req.get("api_list_page_2", {}).get("p50_ms"), " ms"),
                "",
            ),
            (
                "API filtered (tag + language + min_confidence), p50",
                _fmt(r["api_filtered_p50_ms"], " ms"),
                r.get("api_filtered_query", ""),
            ),
            (
                "SQL queries per page, 10 / 100 claims",
                f"{r['queries_page_10']} / {r['queries_page_100']}",
                "Django's count",
            ),
            (
                "PostgreSQL statements per page, 10 / 100 claims",
                f"{_fmt(r.get('statements_page_10'))} / {_fmt(r.get('statements_page_100'))}",
                "as sent to PostgreSQL (health check included); target: equal, ≤ 4",
            ),
            (
                "similar claims (marking), p50 / p95",
                f"{_fmt(r.get('similar_claims_p50_ms'), ' ms')} / "
                f"{_fmt(r.get('similar_claims_p95_ms'), ' ms')}",
                "target p95 ≤ 50 ms; trigram index on PostgreSQL",
            ),
            (
                "search q=, p50 / p95",
                f"{_fmt(r['search_p50_ms'], ' ms')} / {_fmt(r['search_p95_ms'], ' ms')}",
                "target p95 ≤ 50 ms; p50 per term: " + ", ".join(search_parts)
                if search_parts
                else r.get("search_reason", ""),
            ),
            *(
                (
                    f"search {label.replace('_', ' ')}, p50 / p95",
                    f"{_fmt(c['p50_ms'], ' ms')} / {_fmt(c['p95_ms'], ' ms')}",
                    "target p95 ≤ 50 ms"
                    if label != "top_word"
                    else "the corpus's most common word",
                )
                for label, c in r.get("search_by_class", {}).items()
            ),
        ]
    if "export" in parts:
        rows += [
            (
                f"JSON Lines export ({_fmt(r['export_claims'])} of "
                f"{_fmt(r['export_claims_available'])} claims)",
                _fmt(r["export_claims_per_s"], " claims/s", 0),
                f"COPY floor {_fmt(r.get('export_copy_floor_per_s'), ' claims/s', 0)}, "
                f"export ÷ floor {_fmt(r.get('export_vs_copy_floor'), '×', 2)}; "
                "target ≥ 50,000/s and ≥ 0.5×",
            ),
            (
                "export memory: peak RSS / growth",
                f"{_fmt(r['export_peak_rss_mib'], ' MiB')} / "
                f"{_fmt(r['export_rss_growth_mib'], ' MiB')}",
                "RSS by quarter: " + ", ".join(str(x) for x in r["export_rss_by_quarter_mib"]),
            ),
        ]
    if "memory" in parts:
        rows += [
            (
                f"claim history ({r['history_events']} events), p50",
                _fmt(r["history_p50_ms"], " ms"),
                f"journal query alone {_fmt(r['history_floor_p50_ms'], ' ms')}; target ≤ 5 ms",
            ),
            (
                "change feed catch-up (from the start)",
                _fmt(r["changes_catchup_per_s"], " claims/s", 0),
                f"JSON Lines export of the same claims "
                f"{_fmt(r['changes_floor_export_per_s'], ' claims/s', 0)}; with the client's "
                f"parsing of the pages {_fmt(r['changes_catchup_parsed_per_s'], ' claims/s', 0)}; "
                "target ≥ 50,000",
            ),
        ]
    if "writes" in parts:
        rows += _writes_rows(r)
    if "import" in parts:
        rows += [
            (
                "import (text files)",
                _fmt(r["import_articles_per_s"], " articles/s", 0),
                f"{r['import_path']}; target ≥ 1,000",
            ),
            (
                f"import job ({r.get('import_job_files')} text files via /api/imports/)",
                _fmt(r.get("import_job_articles_per_s"), " articles/s", 0),
                "one POST, one worker; beside the command's figure above",
            ),
            (
                "COPY floor for the same files",
                _fmt(r["copy_rows_per_s"], " rows/s", 0),
                f"{_fmt(r.get('copy_articles_per_s'), ' articles/s', 0)}",
            ),
        ]
    if "agreement" in parts:
        rows += [
            (
                f"agreement report, {_fmt(r.get('agreement_units'))} claims × "
                f"{r.get('agreement_annotators')} annotators",
                _fmt(r.get("agreement_ms"), " ms"),
                "with bootstrap intervals, no database; target ≤ 1,000 ms",
            ),
        ]
    if "mixed" in parts:
        rows += _mixed_rows(r)
    breakdown = r.get("breakdown", {})
    if breakdown:
        rows.append(
            (
                "one 100-claim page, by stage",
                ", ".join(f"{k.removesuffix('_ms')} {v:.1f} ms" for k, v in breakdown.items()),
                "outside the request",
            )
        )
    lines = ["| measurement | value | beside |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    v, m = r["versions"], r["machine"]
    lines.append("")
    lines.append(
        f"Python {v['python']}, Django {v['django']}, DRF {v['djangorestframework']}, "
        f"psycopg {v['psycopg']}, PostgreSQL {v.get('postgresql') or 'n/a'}; "
        f"{m.get('cpu', 'unknown CPU')}, {m['cores']} cores, {m.get('memory_gib')} GiB, "
        f"load average at start {m['load_average']}."
    )
    return "\n".join(lines)


def _writes_rows(r: dict) -> list[tuple[str, str, str]]:
    rows = []
    for action, w in (r.get("writes") or {}).items():
        floor_ = (
            f"floor {_fmt(w['floor_p50_ms'], ' ms')} ({w['floor_statements']} statements), "
            f"{_fmt(w['ratio'], '×', 2)}; target ≤ {_fmt(r.get('writes_target_ratio'), '×')}"
            if w.get("floor_p50_ms") is not None
            else r.get("writes_floor_reason", "")
        )
        counted = (
            f"{w['statements']} statements"
            if w["statements"] is not None
            else f"{w['queries']} queries"
        )
        rows.append(
            (
                f"write: {action.replace('_', ' ')}, p50 / p95",
                f"{_fmt(w['p50_ms'], ' ms')} / {_fmt(w['p95_ms'], ' ms')} ({counted})",
                floor_,
            )
        )
    return rows


def _mixed_rows(r: dict) -> list[tuple[str, str, str]]:
    mixed_ = r.get("mixed")
    if not mixed_:
        return [("mixed load", "n/a", r.get("mixed_reason", ""))]
    cleanup = r.get("mixed_cleanup", {})
    rows = []
    for cls, label in (("reads", "readers"), ("feed", "partners' feed"), ("writes", "editors")):
        c = mixed_[cls]
        target = f"target p99 ≤ {c['target_p99_ms']} ms, 0 errors" if "target_p99_ms" in c else ""
        rows.append(
            (
                f"mixed load, {label} ({mixed_['clients'][_CLIENTS[cls]]}): rps, p50 / p99, errors",
                f"{_fmt(c['rps'])} rps, {_fmt(c['p50_ms'], ' ms')} / {_fmt(c['p99_ms'], ' ms')}, "
                f"{c['errors']}",
                target,
            )
        )
    rows.append(
        (
            "mixed load, afterwards",
            "corpus as before" if cleanup.get("counts_agree") else "corpus CHANGED",
            f"{mixed_['server']}, {_fmt(mixed_['seconds'])} s; rows removed: "
            + ", ".join(f"{t} {n}" for t, n in cleanup.get("rows_deleted", {}).items()),
        )
    )
    return rows


_CLIENTS = {"reads": "readers", "feed": "partners", "writes": "editors"}
