"""Any capture exports as a WARC file that warcio's own checker verifies."""

import io
import json
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from warcio.archiveiterator import ArchiveIterator
from warcio.checker import Checker

from accounts.actors import IMPORT
from archive.ingest.readers import parse_html
from archive.services import archive_document
from archive.warc import capture_warc
from tests.archive.conftest import html_page
from tests.factories import CAPTURE_TEXT, CaptureFactory

pytestmark = pytest.mark.django_db


def warcio_check(path) -> int:
    """warcio's `check` command on `path`: 0 when every digest verifies."""
    return Checker(SimpleNamespace(inputs=[str(path)], verbose=False)).process_all()


def records(data: bytes) -> list[tuple[str, str, bytes]]:
    return [
        (r.rec_type, r.rec_headers.get_header("Content-Type"), r.content_stream().read())
        for r in ArchiveIterator(io.BytesIO(data))
    ]


@pytest.fixture
def html_capture():
    document = parse_html(html_page().encode(), item="page.html", url="https://news.example.org/k")
    return archive_document(document, actor=IMPORT).capture


def test_a_capture_with_raw_html_exports_text_payload_and_metadata(html_capture, tmp_path):
    data = capture_warc(html_capture)
    path = tmp_path / "capture.warc"
    path.write_bytes(data)
    assert warcio_check(path) == 0

    kinds = records(data)
    assert [(kind, content_type) for kind, content_type, _ in kinds] == [
        ("warcinfo", "application/warc-fields"),
        ("resource", "text/plain; charset=utf-8"),
        ("resource", "text/html"),
        ("metadata", "application/json"),
    ]
    assert kinds[1][2].decode() == html_capture.text
    assert kinds[2][2] == bytes(html_capture.raw)
    metadata = json.loads(kinds[3][2])
    assert metadata["capture"]["sha256"] == html_capture.sha256
    assert metadata["article"]["url"] == "https://news.example.org/k"


def test_a_gzipped_export_of_a_pasted_capture_verifies_too(tmp_path):
    capture = CaptureFactory(article__url="", origin="paste")
    path = tmp_path / "capture.warc.gz"
    path.write_bytes(capture_warc(capture, gzip=True))
    assert warcio_check(path) == 0
    with path.open("rb") as stream:
        [(_, _, _), (kind, uri, body), (_, _, _)] = [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
            for r in ArchiveIterator(stream)
        ]
    assert (kind, uri) == ("resource", f"urn:claimdesk:capture:{capture.pk}")
    assert body.decode() == CAPTURE_TEXT


def test_a_tampered_export_fails_the_checker(html_capture, tmp_path):
    data = capture_warc(html_capture)
    path = tmp_path / "tampered.warc"
    path.write_bytes(data.replace(b"Kirghizistan", b"Kazakhstan!!", 1))
    assert warcio_check(path) == 1


def test_export_warc_command_writes_one_file_per_capture(html_capture, tmp_path):
    other = CaptureFactory()
    out = io.StringIO()
    call_command(
        "export_warc",
        str(html_capture.pk),
        str(other.pk),
        "--output-dir",
        str(tmp_path),
        stdout=out,
    )
    for capture in (html_capture, other):
        path = tmp_path / f"claimdesk-capture-{capture.pk}.warc"
        assert f"capture {capture.pk} → {path}" in out.getvalue()
        assert warcio_check(path) == 0


def test_export_warc_command_refuses_unknown_captures_and_writes_nothing(tmp_path, capture):
    with pytest.raises(CommandError, match="No capture with id 999999; nothing written"):
        call_command("export_warc", str(capture.pk), "999999", "--output-dir", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_a_capture_downloads_as_a_warc_file(client, html_capture, tmp_path):
    url = f"/articles/{html_capture.article_id}/captures/{html_capture.pk}.warc"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/warc"
    assert f"claimdesk-capture-{html_capture.pk}.warc" in response["Content-Disposition"]
    path = tmp_path / "download.warc"
    path.write_bytes(response.content)
    assert warcio_check(path) == 0


def test_a_capture_is_not_found_under_another_article(client, html_capture):
    other = CaptureFactory()
    response = client.get(f"/articles/{other.article_id}/captures/{html_capture.pk}.warc")
    assert response.status_code == 404
