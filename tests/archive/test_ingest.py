"""Reading articles from each kind of input (no database involved)."""

import datetime as dt
import json
import socket

import pytest

from archive.ingest.documents import IngestError
from archive.ingest.fetch import PrivateAddressError, fetch_url, vetted_addresses
from archive.ingest.inputs import expand_inputs, is_url, read_input
from archive.ingest.language import detect_language
from archive.ingest.readers import parse_html, parse_text, read_jsonl, read_warc
from tests.archive.conftest import html_page, write_warc
from tests.factories import CAPTURE_TEXT, CLAIM_SENTENCE


def test_text_file_in_the_seed_format_gives_title_and_body():
    document = parse_text("Titre\n\nTitre\n\nCorps « ici ».\n".encode(), item="a.txt")
    assert (document.title, document.text, document.origin) == ("Titre", "Corps « ici ».", "file")


def test_undecodable_text_file_is_refused_naming_the_byte():
    with pytest.raises(IngestError) as error:
        parse_text("Titre\n\nL’été".encode("cp1252"), item="old.txt")
    assert error.value.item == "old.txt"
    assert "not UTF-8 text (byte 0x92 at offset 8)" in error.value.reason


def test_html_page_gives_main_text_title_authors_date_and_keeps_the_raw_html():
    raw = html_page().encode()
    document = parse_html(raw, item="page.html")
    assert document.title == "Le Kirghizistan annule ses exercices"
    assert CLAIM_SENTENCE in document.text
    assert "Accueil" not in document.text and "droits réservés" not in document.text
    assert not document.text.startswith(document.title)
    assert document.authors == ["Jeanne Martin"]
    assert document.published_at == dt.datetime(2022, 10, 11, tzinfo=dt.UTC)
    assert document.language == "fr"
    assert (document.raw, document.raw_content_type) == (raw, "text/html")
    assert document.extractor.startswith("trafilatura ")


def test_html_without_article_text_is_refused():
    with pytest.raises(IngestError, match="no article text could be extracted"):
        parse_html(
            b'<html><head><title>App</title></head><body><div id="app"></div>'
            b'<script src="app.js"></script></body></html>',
            item="app.html",
        )


def test_warc_html_responses_become_documents_with_record_id_uri_and_date(tmp_path):
    path = write_warc(
        tmp_path / "crawl.warc.gz",
        [
            ("https://news.example.org/a", html_page("Article A").encode(), "text/html", "200 OK"),
            ("https://news.example.org/logo.png", b"\x89PNG", "image/png", "200 OK"),
            ("https://news.example.org/old", b"", "text/html", "301 Moved Permanently"),
            (
                "https://news.example.org/b",
                html_page("Article B").encode(),
                "text/html; charset=utf-8",
                "200 OK",
            ),
        ],
    )
    documents = list(read_warc(path))
    assert [d.title for d in documents] == ["Article A", "Article B"]
    first = documents[0]
    assert first.url == "https://news.example.org/a"
    assert first.warc_record_id.startswith("<urn:uuid:")
    assert first.origin == "warc"
    assert first.captured_at.year == dt.datetime.now(dt.UTC).year
    assert first.item == f"{path}#{first.warc_record_id}"


def test_a_damaged_warc_yields_the_records_before_the_damage_then_an_error(tmp_path):
    path = write_warc(
        tmp_path / "crawl.warc",
        [("https://news.example.org/a", html_page("A").encode(), "text/html", "200 OK")],
        gzip=False,
    )
    path.write_bytes(path.read_bytes() + b"garbage where a record should start\r\n\r\n")
    items = list(read_warc(path))
    assert [type(i).__name__ for i in items] == ["Document", "IngestError"]
    assert items[1].item == str(path)
    assert items[1].reason == (
        "record 2 is not a readable WARC record: Invalid WARC record, first line: garbage "
        "where a record should start; the rest of the file was not read"
    )


def test_a_file_that_is_no_warc_at_all_is_refused(tmp_path):
    path = tmp_path / "fake.warc.gz"
    path.write_bytes(b"<html>an HTML page saved under the wrong name</html>")
    [error] = read_warc(path)
    assert str(error) == f"{path}#1: record 1 is not a WARC record"


def test_a_truncated_warc_record_is_refused_by_its_digest(tmp_path):
    page = html_page("A").encode()
    path = write_warc(
        tmp_path / "crawl.warc",
        [("https://news.example.org/a", page, "text/html", "200 OK")] * 2,
        gzip=False,
    )
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - len(page) // 2])
    items = list(read_warc(path))
    assert type(items[0]).__name__ == "Document"
    assert "does not match its digest" in str(items[1])


def test_jsonl_lines_become_documents_and_bad_lines_name_line_and_field(tmp_path):
    path = tmp_path / "batch.jsonl"
    good = {
        "title": "Titre",
        "text": CAPTURE_TEXT,
        "url": "https://news.example.org/1",
        "source": "le-journal",
        "language": "fr",
        "authors": ["A. Auteur"],
        "published_at": "2022-10-10",
        "captured_at": "2022-10-11T08:00:00Z",
    }
    lines = [
        json.dumps(good),
        "",
        json.dumps(good | {"published_at": "hier"}),
        "{not json",
        json.dumps(good | {"titel": "typo"}),
        json.dumps({"title": "Sans texte"}),
        json.dumps(good | {"language": "pt"}),
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    items = list(read_jsonl(path))
    document = items[0]
    assert (document.title, document.source_slug, document.authors) == (
        "Titre",
        "le-journal",
        ["A. Auteur"],
    )
    assert document.captured_at == dt.datetime(2022, 10, 11, 8, tzinfo=dt.UTC)
    assert [str(e) for e in items[1:]] == [
        f"{path}:3: field “published_at”: “hier” is not an ISO 8601 date",
        f"{path}:4: not valid JSON (Expecting property name enclosed in double quotes at column 2)",
        f"{path}:5: field “titel”: unknown field; expected title, text, url, source, language, "
        "authors, published_at, captured_at",
        f"{path}:6: field “text”: required, a non-empty string",
        f"{path}:7: field “language”: “pt” is not one of the archive's languages "
        "(fr, en, ru, uk, de, es, kk, ky)",
    ]


def test_url_is_fetched_following_redirects_which_are_recorded(site):
    target = site.page("/story", html_page("Une histoire"))
    start = site.redirect("/s/1", "/story")
    document = fetch_url(start)
    assert document.title == "Une histoire"
    assert (document.url, document.origin_location, document.redirects) == (target, start, [start])
    assert document.origin == "url"
    assert document.raw.startswith(b"<!doctype html>")


def test_non_html_url_is_refused_with_its_content_type(site):
    url = site.page("/data.json", b"{}", content_type="application/json")
    with pytest.raises(IngestError, match=r"not an HTML page \(Content-Type: application/json\)"):
        fetch_url(url)


def test_http_errors_are_reported_with_their_status(site):
    with pytest.raises(IngestError, match="HTTP 404"):
        fetch_url(site.base + "/missing")


def test_pages_over_the_size_limit_are_refused(site, settings):
    settings.CLAIMDESK_FETCH_MAX_BYTES = 1000
    url = site.page("/long", html_page(text=CAPTURE_TEXT * 10))
    with pytest.raises(IngestError, match="larger than the 1,000-byte limit"):
        fetch_url(url)


def test_a_slow_server_times_out(site, settings):
    settings.CLAIMDESK_FETCH_TIMEOUT = 0.2
    url = site.page("/slow", html_page())
    site.delays["/slow"] = 1
    with pytest.raises(IngestError, match=r"no answer within 0\.2 seconds"):
        fetch_url(url)


def test_an_unreachable_url_is_reported(settings):
    settings.CLAIMDESK_FETCH_ALLOW_PRIVATE = True
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(IngestError, match="could not fetch it"):
        fetch_url(f"http://127.0.0.1:{port}/")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",
        "http://localhost/",
        "http://10.1.2.3/",
        "http://169.254.169.254/",
        "http://[::1]/",
        "http://0.0.0.0/",
    ],
)
def test_urls_on_non_public_addresses_are_refused_before_any_request(url):
    with pytest.raises(IngestError, match="non-public address"):
        fetch_url(url)


def test_redirects_to_non_public_addresses_are_refused_too():
    # Every connection, a redirect's included, connects only to vetted addresses (see
    # tests/security/test_fetch_pinning.py for redirects through a server).
    with pytest.raises(PrivateAddressError):
        vetted_addresses("192.168.0.1", 80)


def test_a_redirect_to_something_that_is_no_address_is_an_error(site):
    url = site.redirect("/moved", "http://[::1")
    with pytest.raises(IngestError, match="Invalid URL in location header"):
        fetch_url(url)


def test_an_argument_that_is_almost_a_url_is_no_url():
    assert not is_url("http://[::1")
    assert is_url("https://example.org/")


@pytest.mark.parametrize("url", ["http://[::1", "http://\x00/", "http://" + "a" * 300 + ".org/"])
def test_an_address_that_is_none_is_an_error_naming_it(url):
    with pytest.raises(IngestError, match="not a valid web address"):
        fetch_url(url)


@pytest.mark.parametrize(
    "url",
    ["http://[::ffff:127.0.0.1]/", "http://[::127.0.0.1]/", "http://[64:ff9b::a00:1]/"],
)
def test_ipv6_addresses_that_carry_a_private_ipv4_address_are_refused(url):
    with pytest.raises(IngestError, match="non-public address"):
        fetch_url(url)


def test_inputs_expand_folders_and_globs_and_name_what_is_missing(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ("a.txt", "b.html", "sub/c.jsonl", "notes.md"):
        (tmp_path / name).write_text("x")
    found = expand_inputs(
        [
            str(tmp_path),
            str(tmp_path / "*.txt"),
            "https://example.org/x",
            str(tmp_path / "nope.txt"),
        ]
    )
    assert found[:3] == [tmp_path / "a.txt", tmp_path / "b.html", tmp_path / "sub" / "c.jsonl"]
    assert found[3:5] == [tmp_path / "a.txt", "https://example.org/x"]
    assert str(found[5]) == f"{tmp_path / 'nope.txt'}: no such file, folder or URL"


def test_an_unsupported_file_is_an_error_naming_it(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("x")
    [error] = read_input(path)
    assert "unsupported file type" in str(error) and str(path) in str(error)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (CAPTURE_TEXT, "fr"),
        ("Kyrgyzstan cancelled the joint exercises one day before they were due to start.", "en"),
        ("Киргизия отменила совместные учения за день до их начала.", "ru"),
        ("Kirgisistan hat die gemeinsamen Übungen einen Tag vor Beginn abgesagt.", "de"),
    ],
)
def test_language_is_detected_among_the_configured_languages(text, language):
    assert detect_language(text) == language


def test_language_detection_is_restricted_to_the_configured_set(settings):
    settings.CLAIMDESK_LANGUAGES = ["fr", "de"]
    assert detect_language("The Kyrgyz authorities gave no official reason.") in {"fr", "de"}
