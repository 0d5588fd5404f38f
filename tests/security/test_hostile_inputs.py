"""Regression (issue 21, items 2 and 3): hostile files are read within bounds, and each bad
item — a JSON Lines line, a WARC record, a file — fails alone, naming its line or record and
the limit it passed, in import jobs and in `manage.py archive` alike."""

import io
import json
import os
import subprocess
import sys
import tracemalloc

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from archive.imports import count_items
from archive.ingest.inputs import read_input
from archive.ingest.readers import read_jsonl, read_warc
from archive.models import Article, ImportJob
from tests.security import hostile

pytestmark = pytest.mark.django_db

MiB = hostile.MiB


def archive_failing(*paths) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match=r"item\(s\) failed"):
        call_command("archive", *map(str, paths), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def errors(items) -> list[str]:
    return [str(item) for item in items if isinstance(item, Exception)]


def titles() -> list[str]:
    return sorted(Article.objects.values_list("title", flat=True))


# JSON Lines: one hostile line fails alone


@pytest.mark.parametrize("kind", sorted(hostile.HOSTILE_LINES))
def test_a_hostile_json_line_fails_alone_naming_its_line(tmp_path, kind):
    path = hostile.jsonl_with(tmp_path / "batch.jsonl", [hostile.HOSTILE_LINES[kind]])

    items = list(read_jsonl(path))

    assert [type(item).__name__ for item in items] == [
        "Document",
        "Document",
        "IngestError",
        "Document",
        "Document",
    ]
    assert items[2].item == f"{path}:3"


@pytest.mark.parametrize(
    "date",
    ["2022-02-30", "2022-13-45T99:00", "2022-01-01T10:00:00+99:00", "9999-12-31T23:59-23:59"],
)
def test_a_date_that_is_none_fails_its_line_alone(tmp_path, date):
    line = json.dumps({"title": "Titre", "text": "Texte.", "published_at": date})
    path = hostile.jsonl_with(tmp_path / "batch.jsonl", [line])

    items = list(read_jsonl(path))

    assert [type(item).__name__ for item in items] == ["Document"] * 2 + ["IngestError"] + [
        "Document"
    ] * 2
    assert str(items[2]) == (f"{path}:3: field “published_at”: “{date}” is not an ISO 8601 date")


def test_deep_nesting_is_refused_before_parsing_naming_the_setting(tmp_path, settings):
    settings.CLAIMDESK_JSON_MAX_DEPTH = 5
    path = hostile.jsonl_with(
        tmp_path / "batch.jsonl",
        ['{"title": "T", "text": "x", "authors": [[[[["a"]]]]]}', hostile.deep_json(100_000)],
    )

    [first, second] = errors(read_jsonl(path))

    assert first == (
        f"{path}:3: the JSON is nested more than 5 levels deep (CLAIMDESK_JSON_MAX_DEPTH)"
    )
    assert second.startswith(f"{path}:4: the JSON is nested more than 5 levels deep")


def test_a_lone_surrogate_or_a_nul_is_refused_naming_the_field(tmp_path):
    path = hostile.jsonl_with(
        tmp_path / "batch.jsonl",
        [hostile.HOSTILE_LINES["lone surrogate"], hostile.HOSTILE_LINES["NUL character"]],
    )

    [surrogate, nul] = errors(read_input(path))

    assert surrogate == (
        f"{path}:3: field “title”: holds a lone surrogate (U+D800) at character 1, "
        "which is not text"
    )
    assert nul == f"{path}:4: field “text”: holds a NUL character at character 7"


def test_a_job_goes_on_past_deep_nesting_and_surrogates(
    as_user, alice_journalist, run_jobs, tmp_path
):
    path = hostile.jsonl_with(
        tmp_path / "batch.jsonl",
        [hostile.deep_json(100_000), hostile.HOSTILE_LINES["lone surrogate"]],
        before=14,
        after=6,
    )
    client = as_user(alice_journalist)

    response = run_jobs(
        lambda: client.post(
            "/api/imports/",
            {"file": SimpleUploadedFile("batch.jsonl", path.read_bytes())},
            format="multipart",
        )
    )

    job = ImportJob.objects.get(pk=response.json()["id"])
    assert (job.status, job.done, job.total, job.failed) == ("failed", 22, 22, 2)
    assert job.error == "2 of 22 item(s) failed; each says why."
    failed = {item.name: item.error for item in job.items.filter(outcome="failed")}
    assert set(failed) == {"batch.jsonl:15", "batch.jsonl:16"}
    assert "CLAIMDESK_JSON_MAX_DEPTH" in failed["batch.jsonl:15"]
    assert "lone surrogate" in failed["batch.jsonl:16"]
    assert Article.objects.count() == 20


def test_the_command_goes_on_past_hostile_lines_and_prints_no_traceback(tmp_path):
    path = hostile.jsonl_with(
        tmp_path / "batch.jsonl", list(hostile.HOSTILE_LINES.values()), before=1, after=1
    )

    out, err = archive_failing(path)

    assert titles() == ["Après 0", "Avant 0"]
    failed = len(hostile.HOSTILE_LINES)
    assert f"2 created, 0 new capture(s) of known articles, 0 unchanged, {failed} failed." in out
    for number in range(2, 2 + len(hostile.HOSTILE_LINES)):
        assert f"failed: {path}:{number}: " in err
    assert "Traceback" not in err


def test_the_command_line_prints_no_traceback_for_hostile_input(tmp_path):
    path = hostile.jsonl_with(
        tmp_path / "batch.jsonl",
        [hostile.deep_json(100_000), hostile.HOSTILE_LINES["lone surrogate"]],
        before=0,
        after=0,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "archive", "--dry-run", str(path)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        env=env | {"DJANGO_DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"failed: {path}:1: the JSON is nested more than" in result.stderr
    assert f"failed: {path}:2: field “title”: holds a lone surrogate" in result.stderr
    assert "0 created, 0 new capture(s) of known articles, 0 unchanged, 2 failed." in result.stdout


def test_a_file_with_more_lines_than_allowed_stops_naming_the_setting(tmp_path, settings):
    settings.CLAIMDESK_IMPORT_MAX_RECORDS = 3
    path = hostile.jsonl_with(tmp_path / "batch.jsonl", [], before=3, after=3)

    items = list(read_jsonl(path))

    assert [type(item).__name__ for item in items] == ["Document"] * 3 + ["IngestError"]
    assert str(items[3]) == (
        f"{path}:4: the file holds more than 3 lines or records "
        "(CLAIMDESK_IMPORT_MAX_RECORDS); the rest of it was not read"
    )
    assert count_items({"path": str(path), "name": "batch.jsonl"}) == 4


# WARC: bombs and damaged records


def test_a_warc_gz_bomb_is_refused_by_its_ratio_without_filling_memory(tmp_path):
    path = hostile.warc_gz_bomb(tmp_path / "bomb.warc.gz", 256 * MiB)

    tracemalloc.start()
    try:
        items = list(read_warc(path))
        counted = count_items({"path": str(path), "name": "bomb.warc.gz"})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # Its first line is no WARC header; reading on to the next record passes the ratio.
    assert [str(item) for item in items[1:]] == [
        f"{path}: record 1: the file decompresses to more than 100 times its size "
        "(CLAIMDESK_DECOMPRESSION_MAX_RATIO); the rest of it was not read"
    ]
    assert items[0].reason.startswith("record 1 is not a readable WARC record")
    assert counted == 2
    assert peak < 32 * MiB


def test_decompressed_bytes_per_file_are_bounded(tmp_path, settings):
    settings.CLAIMDESK_DECOMPRESSED_MAX_BYTES = 2 * MiB
    settings.CLAIMDESK_DECOMPRESSION_MAX_RATIO = 10**6
    path = hostile.warc_gz_bomb_after_a_record(tmp_path / "bomb.warc.gz", 64 * MiB)

    items = list(read_warc(path))

    assert [type(item).__name__ for item in items] == ["Document", "IngestError", "IngestError"]
    assert items[1].reason.startswith("record 2 is not a readable WARC record")
    assert str(items[2]) == (
        f"{path}: record 2: the file decompresses to more than 2,097,152 bytes "
        "(CLAIMDESK_DECOMPRESSED_MAX_BYTES); the rest of it was not read"
    )


def test_a_warc_bomb_fails_its_job_with_a_reason(as_user, alice_journalist, run_jobs, tmp_path):
    path = hostile.warc_gz_bomb_after_a_record(tmp_path / "bomb.warc.gz", 64 * MiB)
    client = as_user(alice_journalist)

    response = run_jobs(
        lambda: client.post(
            "/api/imports/",
            {"file": SimpleUploadedFile("bomb.warc.gz", path.read_bytes())},
            format="multipart",
        )
    )

    job = ImportJob.objects.get(pk=response.json()["id"])
    assert (job.status, job.done, job.total, job.failed) == ("failed", 3, 3, 2)
    damaged, bomb = job.items.filter(outcome="failed").order_by("position")
    assert (damaged.name, bomb.name) == ("bomb.warc.gz#2", "bomb.warc.gz")
    assert damaged.error.startswith("record 2 is not a readable WARC record")
    assert "CLAIMDESK_DECOMPRESSION_MAX_RATIO" in bomb.error
    assert Article.objects.count() == 1


def test_malformed_warc_headers_fail_that_record_alone(tmp_path):
    path = hostile.warc_with_bad_headers(tmp_path / "crawl.warc.gz")

    items = list(read_warc(path))

    assert [type(item).__name__ for item in items] == ["Document", "IngestError", "Document"]
    assert items[1].item == f"{path}#2"
    assert items[1].reason.startswith("record 2 is not a readable WARC record: ")
    assert [item.url for item in (items[0], items[2])] == [
        "https://news.example.org/a",
        "https://news.example.org/c",
    ]


def test_headers_that_never_end_are_bounded(tmp_path, settings):
    settings.CLAIMDESK_WARC_MAX_HEADER_BYTES = 64 * 1024
    settings.CLAIMDESK_DECOMPRESSION_MAX_RATIO = 10**6  # the flood compresses well
    path = hostile.warc_with_a_header_flood(tmp_path / "crawl.warc.gz")

    items = list(read_warc(path))

    assert [type(item).__name__ for item in items] == ["Document", "IngestError", "Document"]
    assert items[1].reason == (
        "record 2 is not a readable WARC record: its headers are longer than 65,536 bytes "
        "(CLAIMDESK_WARC_MAX_HEADER_BYTES)"
    )


def test_a_truncated_warc_gz_keeps_the_records_before_naming_the_damaged_one(tmp_path):
    path = hostile.truncated_warc_gz(tmp_path / "crawl.warc.gz")

    items = list(read_warc(path))

    assert [type(item).__name__ for item in items] == ["Document", "Document", "IngestError"]
    assert str(items[2]) == f"{path}: record 3: the gzip data ends in the middle (truncated)"


def test_padding_after_the_last_member_is_no_record_but_other_bytes_are(tmp_path):
    padded = tmp_path / "padded.warc.gz"
    padded.write_bytes(hostile.page_record("a") + b"\x00" * 5000 + b"\r\n")
    trailing = tmp_path / "trailing.warc.gz"
    trailing.write_bytes(hostile.page_record("a") + b"not gzip")

    assert [type(item).__name__ for item in read_warc(padded)] == ["Document"]
    [_, error] = read_warc(trailing)
    assert str(error) == f"{trailing}: record 2: what follows is not gzip data"


def test_corrupt_gzip_data_fails_its_record(tmp_path):
    path = hostile.corrupt_warc_gz(tmp_path / "crawl.warc.gz")

    items = list(read_warc(path))

    assert type(items[0]).__name__ == "Document"
    assert str(items[1]).startswith(f"{path}: record 2: the gzip data is damaged")


def test_the_command_goes_on_past_damaged_warcs_to_the_other_files(tmp_path):
    hostile.warc_with_bad_headers(tmp_path / "a.warc.gz")
    hostile.truncated_warc_gz(tmp_path / "b.warc.gz")
    hostile.warc_gz_bomb(tmp_path / "c.warc.gz", 64 * MiB)
    (tmp_path / "d.jsonl").write_text(hostile.good_line("Dernier"), encoding="utf-8")

    out, err = archive_failing(tmp_path)

    # c.warc.gz: its first line is no WARC header, then the rest passes the ratio.
    assert "4 created, 0 new capture(s) of known articles, 1 unchanged, 4 failed." in out
    assert titles() == ["Dernier", "Page a", "Page b", "Page c"]
    assert f"failed: {tmp_path / 'a.warc.gz'}#2: record 2 is not a readable WARC record" in err
    assert f"failed: {tmp_path / 'b.warc.gz'}: record 3: the gzip data ends" in err
    assert f"failed: {tmp_path / 'c.warc.gz'}#1: record 1 is not a readable WARC record" in err
    assert f"failed: {tmp_path / 'c.warc.gz'}: record 1: the file decompresses" in err
    assert "Traceback" not in err


def test_html_over_its_limit_is_refused_naming_the_setting(tmp_path, settings):
    settings.CLAIMDESK_HTML_MAX_BYTES = 1000
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>T</title></head><body>" + "<p>mot</p>" * 200 + "</body></html>"
    )

    [error] = read_input(path)

    assert str(error) == (
        f"{path}: the HTML is larger than the 1,000-byte limit (CLAIMDESK_HTML_MAX_BYTES)"
    )


def test_nul_characters_in_a_text_file_are_refused(tmp_path):
    path = tmp_path / "nul.txt"
    path.write_bytes(b"Titre\nAvant\x00apres\n")

    [error] = read_input(path)

    assert str(error) == f"{path}: field “text”: holds a NUL character at character 6"


def test_a_file_that_vanished_is_an_error_naming_it(tmp_path):
    for name in ("gone.jsonl", "gone.warc.gz", "gone.txt"):
        [error] = read_input(tmp_path / name)
        assert str(error).startswith(f"{tmp_path / name}: cannot read it: ")
