"""The mixed load under gunicorn: its figures per class, and the corpus as it was afterwards.
gunicorn's processes read what the test commits, so the test is transactional: on PostgreSQL
(the suite's SQLite database lives in memory), and on an SQLite file through the command line
in the slow suite."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from bench import load, mixed, runner
from tests.e2e import E2E_DB

# Decided when the tests are collected, before the database is set up for them.
POSTGRESQL_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="gunicorn's processes share the test's database: PostgreSQL (DATABASE_URL)",
)

ROOT = Path(__file__).resolve().parents[2]


def assert_mixed_shape(result: dict) -> None:
    figures = result["mixed"]
    for cls in ("reads", "feed", "writes"):
        assert figures[cls]["rps"] > 0, cls
        assert figures[cls]["p99_ms"] >= figures[cls]["p50_ms"] > 0, cls
        assert figures[cls]["errors"] == 0, cls
    assert (figures["reads"]["target_p99_ms"], figures["writes"]["target_p99_ms"]) == (100, 250)
    cleanup = result["mixed_cleanup"]
    # What the editors wrote was there, and is gone: every table holds what it held.
    assert cleanup["rows_deleted"]["annotations_claim"] > 0
    assert cleanup["rows_deleted"]["annotations_publishedclaim"] > 0
    assert cleanup["counts_agree"] is True and cleanup["counts_differ"] == {}
    assert cleanup["older_rows_changed"] == {}
    assert cleanup["marker_counts_agree"] is True


@pytest.mark.slow  # gunicorn and client processes: half a minute
@POSTGRESQL_ONLY
@E2E_DB
def test_the_mixed_load_reports_each_class_and_leaves_the_corpus_as_it_was():
    load.ensure_corpus(200, 1, log=lambda m: None)
    counts = load._counts()

    # Fewer clients than the benchmark's, for a short run on a busy machine.
    few = {"readers": 2, "partners": 1, "editors": 2}
    result = mixed.measure(3, 1, runner._search_terms(1), log=lambda m: None, clients=few)

    assert_mixed_shape(result)
    assert load._counts() == counts


def test_the_mixed_load_is_not_measured_inside_a_transaction(db):
    result = mixed.measure(2, 1, {}, log=lambda m: None)
    assert result == {"mixed": None, "mixed_reason": mixed.unavailable_reason()}
    assert "transaction" in result["mixed_reason"]


@pytest.mark.slow
# A SQLite file of its own: the same answer in either pass. In the SQLite pass it never runs
# beside the PostgreSQL mixed load, whose gunicorn and clients it would starve (each class
# must answer within a window of seconds).
@pytest.mark.once("sqlite")
def test_the_command_line_runs_writes_and_the_mixed_load_on_an_sqlite_file(tmp_path):
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    out = tmp_path / "bench.json"
    command = [sys.executable, "-m", "bench", "--claims", "200", "--only", "writes,mixed"]
    command += ["--mixed-seconds", "2", "--rounds", "1", "--warmup", "0", "--out", str(out)]
    subprocess.run(command, cwd=ROOT, env=environment, check=True, capture_output=True)

    result = json.loads(out.read_text())
    assert result["parts"] == ["writes", "mixed"]
    assert result["writes"]["mark"]["queries"] > 0
    assert_mixed_shape(result)
