"""Regression: CLAIMDESK_FETCH_MAX_BYTES bounds every input item — text and HTML files, WARC
records, JSON Lines lines, uploads, pasted text — with an error naming the item, while the
other items go on (issue 10, defect 6)."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from archive.models import Article, Capture
from tests.archive.conftest import html_page, write_warc
from tests.factories import CAPTURE_TEXT

pytestmark = pytest.mark.django_db

LIMIT = 2000
LONG_TEXT = (CAPTURE_TEXT + "\n") * 8  # about 2,900 bytes


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.CLAIMDESK_FETCH_MAX_BYTES = LIMIT


def archive_failing(*paths) -> str:
    """What the archive command writes on stderr, failing for one item."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match=r"1 item\(s\) failed"):
        call_command("archive", *map(str, paths), stdout=out, stderr=err)
    assert f"{Article.objects.count()} created, 0 new capture(s)" in out.getvalue()
    return err.getvalue()


REASON = "larger than the 2,000-byte limit (CLAIMDESK_FETCH_MAX_BYTES)"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("long.txt", "Trop long\n\n" + LONG_TEXT),
        ("long.html", html_page("Trop long", LONG_TEXT)),
    ],
)
def test_a_file_over_the_limit_is_refused_and_the_others_archived(tmp_path, name, content):
    (tmp_path / name).write_text(content, encoding="utf-8")
    (tmp_path / "short.txt").write_text("Court\n\n" + CAPTURE_TEXT, encoding="utf-8")

    err = archive_failing(tmp_path)

    assert f"failed: {tmp_path / name}: the file is {REASON}" in err
    assert list(Article.objects.values_list("title", flat=True)) == ["Court"]


def test_a_warc_record_over_the_limit_is_refused_and_the_others_archived(tmp_path):
    path = write_warc(
        tmp_path / "crawl.warc.gz",
        [
            (
                "https://news.example.org/long",
                html_page("Long", LONG_TEXT).encode(),
                "text/html",
                "200 OK",
            ),
            ("https://news.example.org/short", html_page("Court").encode(), "text/html", "200 OK"),
        ],
    )
    err = archive_failing(path)
    assert f"failed: {path}#<urn:uuid:" in err
    assert f"the record's page is {REASON}" in err
    assert list(Article.objects.values_list("url", flat=True)) == ["https://news.example.org/short"]


def test_a_json_lines_line_over_the_limit_is_refused_naming_it(tmp_path):
    lines = [
        {"title": "Un", "text": CAPTURE_TEXT},
        {"title": "Deux", "text": LONG_TEXT},
        {"title": "Trois", "text": CAPTURE_TEXT + " Trois."},
    ]
    path = tmp_path / "batch.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")

    err = archive_failing(path)

    assert f"failed: {path}:2: the line is {REASON}" in err
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Trois", "Un"]


def test_an_upload_over_the_limit_fails_its_import_naming_it(client, alice_journalist, run_jobs):
    client.force_login(alice_journalist)
    upload = SimpleUploadedFile("long.txt", ("Trop long\n\n" + LONG_TEXT).encode())
    response = run_jobs(lambda: client.post("/articles/add/", {"file": upload}))
    assert response.status_code == 302
    page = client.get(response["Location"]).text
    assert "long.txt" in page
    assert f"the file is {REASON}" in page
    assert not Article.objects.exists()


def test_pasted_text_over_the_limit_is_a_400_naming_the_text(as_user, alice_journalist):
    response = as_user(alice_journalist).post(
        "/api/articles/", {"title": "Trop long", "text": LONG_TEXT}, format="json"
    )
    assert response.status_code == 400
    assert REASON in " ".join(response.json()["errors"]["text"])
    assert not Capture.objects.exists()


def test_pasted_text_over_the_limit_is_refused_in_the_form(client, alice_journalist):
    client.force_login(alice_journalist)
    response = client.post("/articles/add/", {"title": "Trop long", "text": LONG_TEXT})
    assert response.status_code == 200
    assert REASON in response.text
    assert not Article.objects.exists()
