"""A corpus of hostile input files, built at test time (nothing of the kind is committed): each
function writes one file under the folder it is given and returns its path.

Used by the regression tests (`test_hostile_inputs.py`) and the fuzzing tests
(`test_fuzz_readers.py`)."""

import gzip
import io
import json
import zlib
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.archive.conftest import html_page
from tests.factories import CAPTURE_TEXT

MiB = 2**20


def good_line(title: str) -> str:
    return json.dumps({"title": title, "text": CAPTURE_TEXT, "language": "fr"})


def gzip_of_zeros(path: Path, size: int) -> Path:
    """A gzip file of `size` zero bytes: about a thousandth of that on disk."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(MiB)
    with path.open("wb") as out:
        for _ in range(size // MiB):
            out.write(compressor.compress(block))
        out.write(compressor.compress(bytes(size % MiB)))
        out.write(compressor.flush())
    return path


def warc_record(uri: str, body: bytes, *, content_type: str = "text/html") -> bytes:
    """One response record, gzipped as one member (as crawlers write them)."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
    writer.write_record(
        writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=headers)
    )
    return buffer.getvalue()


def page_record(name: str) -> bytes:
    return warc_record(f"https://news.example.org/{name}", html_page(f"Page {name}").encode())


def warc_with_bad_headers(path: Path) -> Path:
    """Three gzipped records, the second of which has malformed WARC headers."""
    bad = b"WARC/one\r\nWARC-Type response\r\nContent-Length: many\r\n\r\n<html>\r\n\r\n"
    path.write_bytes(page_record("a") + gzip.compress(bad) + page_record("c"))
    return path


def warc_with_a_header_flood(path: Path, size: int = 4 * MiB) -> Path:
    """A record whose headers never end (a header line repeated), between two good ones."""
    flood = b"WARC/1.1\r\nWARC-Type: response\r\n" + b"X-Flood: y\r\n" * (size // 12)
    path.write_bytes(page_record("a") + gzip.compress(flood) + page_record("c"))
    return path


def truncated_warc_gz(path: Path) -> Path:
    """Two good records, then a third cut in the middle of its gzip member."""
    third = page_record("c")
    path.write_bytes(page_record("a") + page_record("b") + third[: len(third) // 2])
    return path


def corrupt_warc_gz(path: Path) -> Path:
    """A record whose deflate data is garbage, between two good ones."""
    member = bytearray(page_record("b"))
    member[20:60] = b"\xff" * 40
    path.write_bytes(page_record("a") + bytes(member) + page_record("c"))
    return path


def warc_gz_bomb(path: Path, size: int) -> Path:
    """A gzip of zeros named as a WARC: `size` bytes once decompressed."""
    return gzip_of_zeros(path, size)


def warc_gz_bomb_after_a_record(path: Path, size: int) -> Path:
    """A good record, then a gzip member of `size` zeros."""
    gzip_of_zeros(path, size)
    path.write_bytes(page_record("a") + path.read_bytes())
    return path


def deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def jsonl_with(path: Path, middle: list[bytes | str], *, before: int = 2, after: int = 2) -> Path:
    """Good lines, the hostile ones given, then good lines again."""
    lines = [good_line(f"Avant {n}").encode() for n in range(before)]
    lines += [line.encode() if isinstance(line, str) else line for line in middle]
    lines += [good_line(f"Après {n}").encode() for n in range(after)]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


# The hostile JSON Lines lines, each of which must fail alone.
HOSTILE_LINES = {
    "deep nesting": deep_json(100_000),
    "deep nesting in an object": '{"title": ' + deep_json(5_000) + ', "text": "x"}',
    "lone surrogate": '{"title": "\\ud800", "text": "du texte"}',
    "lone surrogate in the text": '{"title": "Titre", "text": "avant \\udfff après"}',
    "NUL character": '{"title": "Titre", "text": "avant \\u0000 après"}',
    "NUL byte": b'{"title": "Titre", "text": "avant \x00 apres"}',
    "not UTF-8": b'{"title": "Titre", "text": "caf\xe9"}',
    "invalid JSON": '{"title": "Titre", "text": ',
    "huge number": '{"title": "Titre", "text": "x", "authors": ' + "9" * 5000 + "}",
}
