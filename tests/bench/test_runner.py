import json

import pytest
from django.db import connection

from bench import PARTS, load, runner, writes
from bench.__main__ import parse_args

POSTGRESQL = connection.vendor == "postgresql"


def test_the_benchmark_runs_end_to_end_at_a_tiny_size(db, tmp_path):
    options = runner.Options(
        claims=200, rounds=2, warmup=1, export_runs=1, import_files=10, log=lambda m: None
    )
    result = runner.run(options)
    markdown = runner.write(result, tmp_path / "bench.json")

    written = json.loads((tmp_path / "bench.json").read_text())
    assert written["claims"] == 200
    # Built from an empty database in this run: the whole, and the read model's part of it.
    assert written["build_seconds"] >= written["build_read_model_seconds"] > 0
    assert written["build_corpus_seconds"] > 0
    assert "| build: corpus + read model |" in markdown.read_text()
    for key in (
        "api_list_p50_ms",
        "api_list_p95_ms",
        "api_filtered_p50_ms",
        "export_claims_per_s",
        "export_peak_rss_mib",
        "import_articles_per_s",
        "import_job_articles_per_s",
        "agreement_ms",
        "similar_claims_p95_ms",
        "history_p50_ms",
        "history_floor_p50_ms",
        "changes_catchup_per_s",
        "changes_catchup_parsed_per_s",
        "changes_floor_export_per_s",
    ):
        assert written[key] > 0, key
    assert written["history_events"] == 50
    # Every published claim reaches the feed's reader.
    assert written["changes_catchup_claims"] == written["changes_export_claims"] > 0
    assert "| claim history (50 events), p50 |" in markdown.read_text()
    # The query count does not grow with the page.
    assert written["queries_page_10"] == written["queries_page_100"] <= 5
    assert written["export_claims"] == runner._published_claims() > 0
    assert written["import_path"]
    assert written["import_job_files"] == 10
    assert "| import job (10 text files via /api/imports/) |" in markdown.read_text()
    assert written["versions"]["django"] and written["machine"]["cores"] >= 1
    assert "| API list, 100 claims/page, p50 / p95 |" in markdown.read_text()
    assert "| similar claims (marking), p50 / p95 |" in markdown.read_text()
    # Writes: every action measured, with its statements (PostgreSQL) or queries, and the
    # corpus left as it was (each round is rolled back).
    assert list(written["writes"]) == list(writes.ACTIONS)
    for action, figures in written["writes"].items():
        assert figures["p95_ms"] >= figures["p50_ms"] > 0, action
        assert figures["n"] == 2 and figures["queries"] > 0, action
    assert load._counts() == load.marker_details()["rows"]
    assert "| write: mark, p50 / p95 |" in markdown.read_text()
    # The mixed load needs a database gunicorn's processes can read: not this test's.
    assert written["mixed"] is None and "transaction" in written["mixed_reason"]
    assert "| mixed load | n/a |" in markdown.read_text()
    assert written["parts"] == list(PARTS)
    # A run of some parts (--only) shows their rows only.
    only_writes = runner.table({**written, "parts": ["writes"]})
    assert "| write: publish, p50 / p95 |" in only_writes and "API list" not in only_writes
    if POSTGRESQL:
        for action, figures in written["writes"].items():
            assert figures["statements"] >= figures["floor_statements"] > 0, action
            assert figures["ratio"] == round(figures["p50_ms"] / figures["floor_p50_ms"], 2)
        # Marking inserts the claim, its appearance and two journal entries.
        assert written["writes"]["mark"]["rows_changed"] == {
            "annotations_claim": {"inserted": 1},
            "annotations_appearance": {"inserted": 1},
            "journal_entry": {"inserted": 2},
        }
        assert written["writes"]["retract"]["rows_changed"]["annotations_publishedclaim"] == {
            "deleted": 1
        }
        assert written["export_copy_floor_per_s"] > 0 and written["export_vs_copy_floor"] > 0
        # The floor returns exactly what the API returns, only faster.
        assert written["floor_matches_api"] is True
        assert written["raw_sql_p50_ms"] > 0 and written["api_vs_raw_ratio"] > 0
        assert written["search_p95_ms"] >= written["search_p50_ms"] > 0
        assert all(hits >= 1 for hits in written["search_hits"].values())
        assert written["copy_rows_per_s"] > 0
    else:
        # PostgreSQL-only measurements are absent, with the reason, never made up.
        for key in (
            "raw_sql_p50_ms",
            "search_p50_ms",
            "search_p95_ms",
            "copy_rows_per_s",
            "export_copy_floor_per_s",
        ):
            assert written[key] is None, key
        for figures in written["writes"].values():
            assert figures["statements"] is figures["floor_p50_ms"] is figures["ratio"] is None
        assert "PostgreSQL only" in written["writes_floor_reason"]
        assert "PostgreSQL only" in written["export_copy_floor_reason"]
        assert "PostgreSQL only" in written["search_reason"]
        assert "PostgreSQL only" in written["copy_reason"]


def test_the_command_line_picks_parts_and_a_mixed_load_length(capsys):
    args = parse_args(["--only", "writes,mixed", "--mixed-seconds", "5"])
    assert (args.only, args.mixed_seconds) == (("writes", "mixed"), 5.0)
    with pytest.raises(SystemExit):
        parse_args(["--only", "writes,everything"])
    assert "--only takes reads, export" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse_args(["--mixed-seconds", "0"])


def test_the_command_line_refuses_a_corpus_of_no_claims(capsys):
    assert parse_args(["--claims", "200", "--rebuild"]).claims == 200
    with pytest.raises(SystemExit):
        parse_args(["--claims", "0"])
    assert "--claims must be at least 1, not 0" in capsys.readouterr().err
