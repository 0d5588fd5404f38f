"""Fuzzing (issue 21, item 9): whatever bytes a file holds and whatever a URL says, the
readers and the URL guard answer with the product's own errors (IngestError,
ValidationError, the guard's refusal) — never another exception — within their bounds.

Slow: run under CI or with CLAIMDESK_SLOW_TESTS=1. Each test is bounded by max_examples and
a deadline, so that the whole file takes well under a minute on one core."""

import contextlib
import gzip
import io
import ipaddress
import json
import socket
import tempfile
from pathlib import Path
from unittest import mock

import httpx
import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.imports import url_inputs
from archive.ingest import fetch
from archive.ingest.documents import Document, IngestError
from archive.ingest.inputs import read_input
from archive.ingest.readers import count_jsonl, parse_html, parse_text, read_jsonl, read_warc
from tests.security import hostile

# The readers and the address guard touch no database.
pytestmark = [pytest.mark.slow, pytest.mark.once("sqlite")]

FUZZ = settings(
    max_examples=60,
    deadline=5000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Small bounds, so that the fuzzer reaches them with small inputs.
SMALL_BOUNDS = override_settings(
    CLAIMDESK_FETCH_MAX_BYTES=4096,
    CLAIMDESK_HTML_MAX_BYTES=2048,
    CLAIMDESK_DECOMPRESSED_MAX_BYTES=64 * 1024,
    CLAIMDESK_WARC_MAX_HEADER_BYTES=1024,
    CLAIMDESK_IMPORT_MAX_RECORDS=8,
    CLAIMDESK_JSON_MAX_DEPTH=6,
)


def only_items(items) -> list:
    items = list(items)
    for item in items:
        assert isinstance(item, Document | IngestError), item
        if isinstance(item, IngestError):
            assert item.reason
    return items


def written(data: bytes, suffix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="claimdesk-fuzz-"))
    path = folder / f"input{suffix}"
    path.write_bytes(data)
    return path


# Text


@FUZZ
@given(st.one_of(st.binary(max_size=600), st.text(max_size=300).map(str.encode)))
def test_any_bytes_as_a_text_file_are_a_document_or_an_error(data):
    with contextlib.suppress(IngestError):
        parse_text(data, item="fuzz.txt")
    with SMALL_BOUNDS:
        only_items(read_input(written(data, ".txt")))


# HTML

TAGS = st.sampled_from(["html", "head", "title", "body", "article", "p", "div", "h1", "script"])


def markup(children):
    return st.builds(lambda tag, inner: f"<{tag}>{''.join(inner)}</{tag}>", TAGS, children)


HTML = st.recursive(
    st.text(max_size=40) | st.sampled_from(["<", "&amp;", "&#0;", "<!--", "]]>", "\x00"]),
    lambda children: markup(st.lists(children, max_size=4)),
    max_leaves=30,
)


@FUZZ
@given(st.one_of(HTML.map(str.encode), st.binary(max_size=600)))
def test_any_html_is_a_document_or_an_error(data):
    with SMALL_BOUNDS, contextlib.suppress(IngestError):
        parse_html(data, item="fuzz.html")


def test_deeply_nested_html_is_an_error_or_a_document():
    data = ("<div>" * 50_000 + "texte" + "</div>" * 50_000).encode()
    with contextlib.suppress(IngestError):
        parse_html(data, item="deep.html")


# WARC, plain and gzipped

RECORD = st.tuples(
    st.sampled_from(["https://news.example.org/a", "http://b.example/", "dns:x", ""]),
    st.one_of(st.binary(max_size=300), st.just(hostile.html_page("Page").encode())),
    st.sampled_from(["text/html", "text/html; charset=utf-8", "image/png", ""]),
    st.sampled_from(["200 OK", "404 Not Found", "301 Moved", "999 ?"]),
)


def warc_bytes(records, *, compressed: bool) -> bytes:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=compressed)
    for uri, body, content_type, status in records:
        headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(
                uri or "urn:x", "response", payload=io.BytesIO(body), http_headers=headers
            )
        )
    return buffer.getvalue()


@st.composite
def damaged_warcs(draw):
    data = bytearray(
        warc_bytes(draw(st.lists(RECORD, min_size=1, max_size=4)), compressed=draw(st.booleans()))
    )
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(["cut", "flip", "insert", "delete"]))
        if not data:
            break
        # A share of the length: the writer's record IDs and dates vary in length.
        at = draw(st.integers(0, 2**16)) * len(data) // (2**16 + 1)
        if action == "cut":
            del data[at:]
        elif action == "flip":
            data[at] = draw(st.integers(0, 255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=40))
        else:
            del data[at : at + draw(st.integers(1, 40))]
    return bytes(data)


@FUZZ
@given(damaged_warcs())
def test_any_damaged_warc_yields_documents_and_errors_only(data):
    suffix = ".warc.gz" if data.startswith(b"\x1f\x8b") else ".warc"
    with SMALL_BOUNDS:
        only_items(read_warc(written(data, suffix)))


@FUZZ
@given(st.binary(max_size=2000), st.integers(1, 9))
def test_any_gzip_named_a_warc_yields_documents_and_errors_only(data, level):
    with SMALL_BOUNDS:
        only_items(read_warc(written(gzip.compress(data, compresslevel=level), ".warc.gz")))


@settings(max_examples=10, deadline=10_000)
@given(st.integers(256 * 1024, 8 * 2**20), st.binary(min_size=1, max_size=4))
def test_a_gzip_of_anything_repeated_is_stopped_by_its_bounds(size, unit):
    data = gzip.compress((unit * (size // len(unit) + 1))[:size])
    with SMALL_BOUNDS:
        items = only_items(read_warc(written(data, ".warc.gz")))
    assert any("CLAIMDESK_" in item.reason for item in items if isinstance(item, IngestError))


# JSON Lines

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children),
    max_leaves=10,
)
FIELDS = st.fixed_dictionaries(
    {"title": st.text(max_size=20), "text": st.text(max_size=80)},
    optional={
        "url": st.text(max_size=30),
        "language": st.sampled_from(["fr", "en", "xx", ""]),
        "authors": JSON_VALUES,
        "published_at": st.text(alphabet="0123456789-:T+Z.", max_size=25),
        "captured_at": st.one_of(
            st.sampled_from(["2022-10-11", "2022-02-30", "9999-12-31T23:59-23:59", "hier"]),
            st.text(alphabet="0123456789-:T+", min_size=10, max_size=25),
        ),
    },
)
LINES = st.one_of(
    FIELDS.map(lambda fields: json.dumps(fields, ensure_ascii=False).encode("utf-8", "replace")),
    FIELDS.map(lambda fields: json.dumps(fields).encode()),  # \\uXXXX escapes, lone surrogates
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    st.sampled_from(
        [
            line if isinstance(line, bytes) else line.encode()
            for line in hostile.HOSTILE_LINES.values()
        ]
    ),
    st.integers(1, 200).map(lambda depth: hostile.deep_json(depth).encode()),
    st.binary(max_size=200).map(lambda data: data.replace(b"\n", b" ")),
)


@FUZZ
@given(st.lists(LINES, max_size=12))
def test_any_json_lines_give_one_item_per_line(lines):
    path = written(b"\n".join(lines) + b"\n", ".jsonl")
    with SMALL_BOUNDS:
        items = only_items(read_jsonl(path))
        assert len(items) == count_jsonl(path)
    expected = 0
    for number, line in enumerate(lines, start=1):
        if number > 8:  # CLAIMDESK_IMPORT_MAX_RECORDS: one error, and the rest is not read
            expected += 1
            break
        expected += bool(line.strip())
    assert len(items) == expected


# The URL guard and URL validation


def refused(url: str) -> bool:
    """Whether the guard refuses a request to `url` (and it raises nothing else)."""
    request = httpx.Request("GET", url)
    try:
        fetch.vetted_addresses(request.url.host, request.url.port or 80)
    except fetch.PrivateAddressError:
        return True
    return False


def embeddings(v4: ipaddress.IPv4Address) -> list[str]:
    """The IPv6 forms that carry `v4`, each of which a gateway may take to it."""
    n = int(v4)
    return [
        f"[::ffff:{v4}]",
        f"[::{v4}]",
        f"[64:ff9b::{v4}]",
        f"[{ipaddress.IPv6Address((0x2002 << 112) | (n << 80))}]",
    ]


def v4_spellings(v4: ipaddress.IPv4Address) -> list[str]:
    """Ways to write an IPv4 address that resolvers accept (inet_aton)."""
    n = int(v4)
    a, b, c, d = v4.packed
    return [str(v4), str(n), hex(n), f"0{n:o}", f"{a}.{(b << 16) | (c << 8) | d}"]


@settings(max_examples=300, deadline=2000)
@given(st.ip_addresses(v=4))
def test_every_spelling_and_embedding_of_a_private_ipv4_address_is_refused(v4):
    with override_settings(CLAIMDESK_FETCH_ALLOW_PRIVATE=False):
        for host in v4_spellings(v4):
            assert refused(f"http://{host}/") == (not v4.is_global), host
        for host in embeddings(v4):
            if not v4.is_global:
                assert refused(f"http://{host}:8080/"), host


@settings(max_examples=300, deadline=2000)
@given(st.ip_addresses(v=6))
def test_ipv6_addresses_are_refused_unless_public(v6):
    with override_settings(CLAIMDESK_FETCH_ALLOW_PRIVATE=False):
        assert refused(f"http://[{v6}]/") == (not fetch.is_public_address(v6))
        if not v6.is_global:
            assert refused(f"http://[{v6}]/")


def resolving_to(address: str):
    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 80))]

    return mock.patch.object(fetch.socket, "getaddrinfo", getaddrinfo)


URLISH = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda scheme, host, rest: f"{scheme}://{host}{rest}",
        st.sampled_from(["http", "https", "HTTP", "ftp", "javascript", ""]),
        st.one_of(
            st.text(max_size=30),
            st.sampled_from(["[::1", "[fe80::1%25eth0]", "0x7f.1", "xn--a", "a" * 300, ":80"]),
        ),
        st.text(max_size=30),
    ),
)


@FUZZ
@given(st.lists(URLISH, max_size=4))
def test_url_inputs_accept_or_refuse_with_a_validation_error(urls):
    with contextlib.suppress(ValidationError):
        url_inputs(urls)


@FUZZ
@given(URLISH)
def test_fetching_any_url_is_an_error_and_never_reaches_a_private_host(url):
    # Every host resolves to loopback here, so nothing leaves the machine.
    with (
        override_settings(CLAIMDESK_FETCH_ALLOW_PRIVATE=False),
        resolving_to("127.0.0.1"),
        pytest.raises(IngestError),
    ):
        fetch.fetch_url(url)
