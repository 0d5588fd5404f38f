"""Readers of files: plain text, HTML, WARC archives and JSON Lines, each turning its input
into `Document`s (or `IngestError`s naming the item that could not be read and why).

Readers never touch the database, so a dry run and the web form use exactly the same code.
"""

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import trafilatura
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.dateparse import parse_date, parse_datetime
from warcio.archiveiterator import ArchiveIterator

from ..models import Capture, validate_language
from ..validation import as_text
from .documents import (
    Document,
    IngestError,
    Item,
    normalize_text,
    parse_text_document,
    size_limit,
    too_large,
)

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
WARC_SUFFIXES = (".warc", ".warc.gz")
JSONL_SUFFIXES = (".jsonl",)
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + WARC_SUFFIXES + JSONL_SUFFIXES
HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")
HTML_LANG_RE = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.IGNORECASE)

JSONL_FIELDS = {
    "title": "the headline (required)",
    "text": "the article's plain text (required)",
    "url": "canonical URL (http or https)",
    "source": "slug of a known source",
    "language": "ISO 639-1 code, one of CLAIMDESK_LANGUAGES",
    "authors": "list of names (or one name as a string)",
    "published_at": "ISO 8601 date or date-time",
    "captured_at": "ISO 8601 date-time of the snapshot (default: now)",
}


# Plain text


def parse_text(data: bytes, *, item: str, origin: str = Capture.Origin.FILE) -> Document:
    """A UTF-8 text in the seed's format: the first line is the title, then the body."""
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(
            item,
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8",
        ) from None
    try:
        title, body = parse_text_document(content)
    except ValidationError as exc:
        raise IngestError(item, as_text(exc)) from None
    return Document(
        item=item, title=title, text=body, origin=origin, origin_location=item, extractor="text"
    )


# HTML


def _to_datetime(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            return None
        moment = dt.datetime.combine(day, dt.time())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def _declared_language(html: bytes) -> str:
    match = HTML_LANG_RE.search(html[:4096])
    code = match.group(1).decode("ascii").lower() if match else ""
    return code if code in settings.CLAIMDESK_LANGUAGES else ""


def parse_html(
    data: bytes,
    *,
    item: str,
    url: str = "",
    origin: str = Capture.Origin.FILE,
    content_type: str = "text/html",
) -> Document:
    """The main text, title, authors and date of an HTML page, extracted by trafilatura; the
    raw HTML is kept. `url` (where the page was fetched) wins over the page's own canonical
    link."""
    if not data.strip():
        raise IngestError(item, "the HTML file is empty")
    extracted = trafilatura.bare_extraction(data, url=url or None, with_metadata=True)
    text = normalize_text(extracted.text or "") if extracted else ""
    if not text:
        raise IngestError(item, "no article text could be extracted from the HTML")
    title = " ".join((extracted.title or "").split())
    if not title:
        raise IngestError(item, "the page has no title (no <title>, <h1> or og:title)")
    first, _, rest = text.partition("\n")
    if first.strip() == title and normalize_text(rest):
        # trafilatura repeats the headline as the first line of the text.
        text = normalize_text(rest)
    authors = [a.strip() for a in (extracted.author or "").split(";") if a.strip()]
    canonical = extracted.url or ""
    return Document(
        item=item,
        title=title,
        text=text,
        origin=origin,
        url=url or (canonical if canonical.startswith(("http://", "https://")) else ""),
        language=_declared_language(data),
        authors=authors,
        published_at=_to_datetime(extracted.date),
        raw=data,
        raw_content_type=content_type,
        origin_location=item,
        extractor=f"trafilatura {trafilatura.__version__}",
    )


# WARC


def read_warc(path: Path) -> Iterator[Item]:
    """Every HTML response record of a WARC (gzipped or not) as a document carrying the
    record's ID, target URI and date. Other records are skipped; a malformed file yields an
    error after the records read before the damage."""
    try:
        with path.open("rb") as stream:
            records = ArchiveIterator(stream, check_digests=True)
            for record in records:
                if record.format != "warc":
                    offset = records.get_record_offset()
                    yield IngestError(str(path), f"not a WARC record at byte {offset}")
                    return
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                status = record.http_headers.get_statuscode()
                content_type = record.http_headers.get_header("Content-Type") or ""
                if not status.startswith("2") or not content_type.lower().startswith(
                    HTML_CONTENT_TYPES
                ):
                    continue
                record_id = record.rec_headers.get_header("WARC-Record-ID") or ""
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                item = f"{path}#{record_id or records.get_record_offset()}"
                # Read no more than the limit allows; the iterator skips the rest.
                payload = record.content_stream().read(size_limit() + 1)
                if len(payload) > size_limit():
                    yield IngestError(item, too_large("the record's page"))
                    continue
                checked = record.digest_checker.passed
                has_digest = bool(record.rec_headers.get_header("WARC-Payload-Digest"))
                # A digest that could not be checked means the record ended early.
                if checked is False or (checked is None and has_digest):
                    yield IngestError(
                        item,
                        "the record does not match its digest (damaged or truncated): "
                        + "; ".join(map(str, record.digest_checker.problems)),
                    )
                    continue
                try:
                    document = parse_html(
                        payload,
                        item=item,
                        url=uri,
                        origin=Capture.Origin.WARC,
                        content_type=content_type,
                    )
                except IngestError as exc:
                    yield exc
                    continue
                document.warc_record_id = record_id
                document.origin_location = f"{path} {uri}".strip()
                document.captured_at = _to_datetime(record.rec_headers.get_header("WARC-Date"))
                yield document
    except Exception as exc:  # warcio raises many kinds on damaged input
        yield IngestError(str(path), f"not a readable WARC file: {exc}".strip())


# JSON Lines


def _jsonl_document(entry: object, *, item: str) -> Document:
    def bad(name: str, reason: str) -> IngestError:
        return IngestError(item, f"field “{name}”: {reason}")

    if not isinstance(entry, dict):
        raise IngestError(item, "each line must be a JSON object")
    unknown = sorted(set(entry) - set(JSONL_FIELDS))
    if unknown:
        raise bad(unknown[0], f"unknown field; expected {', '.join(JSONL_FIELDS)}")
    for name in ("title", "text"):
        if not isinstance(entry.get(name), str) or not entry[name].strip():
            raise bad(name, "required, a non-empty string")
    values = {}
    for name in ("url", "source", "language", "published_at", "captured_at"):
        value = entry.get(name) or ""
        if not isinstance(value, str):
            raise bad(name, f"must be a string, not {type(value).__name__}")
        values[name] = value.strip()
    if values["url"]:
        try:
            URLValidator(schemes=["http", "https"])(values["url"])
        except ValidationError:
            raise bad("url", f"“{values['url']}” is not an http(s) URL") from None
    if values["language"]:
        try:
            validate_language(values["language"])
        except ValidationError as exc:
            raise bad("language", as_text(exc)) from None
        if values["language"] not in settings.CLAIMDESK_LANGUAGES:
            raise bad(
                "language",
                f"“{values['language']}” is not one of the archive's languages "
                f"({', '.join(settings.CLAIMDESK_LANGUAGES)})",
            )
    dates = {}
    for name in ("published_at", "captured_at"):
        dates[name] = _to_datetime(values[name])
        if values[name] and dates[name] is None:
            raise bad(name, f"“{values[name]}” is not an ISO 8601 date")
    authors = entry.get("authors") or []
    if isinstance(authors, str):
        authors = [authors]
    if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
        raise bad("authors", "must be a list of names")
    return Document(
        item=item,
        title=entry["title"].strip(),
        text=entry["text"],
        origin=Capture.Origin.FILE,
        url=values["url"],
        source_slug=values["source"],
        language=values["language"],
        authors=[a.strip() for a in authors if a.strip()],
        published_at=dates["published_at"],
        captured_at=dates["captured_at"],
        origin_location=item,
        extractor="jsonl",
    )


def _bounded_lines(stream: BinaryIO) -> Iterator[bytes | None]:
    """The stream's lines, each read only up to the size limit: None for a longer line, whose
    rest is skipped without being held in memory."""
    limit = size_limit()
    while line := stream.readline(limit + 1):
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := stream.readline(limit + 1)) and not rest.endswith(b"\n"):
                pass
            yield None
        else:
            yield line


def read_jsonl(path: Path) -> Iterator[Item]:
    """One article per non-blank line; a bad line is an error naming path:line and field."""
    with path.open("rb") as stream:
        for number, line in enumerate(_bounded_lines(stream), start=1):
            item = f"{path}:{number}"
            if line is None:
                yield IngestError(item, too_large("the line"))
                continue
            if not line.strip():
                continue
            try:
                entry = json.loads(line.decode("utf-8"))
            except UnicodeDecodeError:
                yield IngestError(item, "not UTF-8 text")
                continue
            except json.JSONDecodeError as exc:
                yield IngestError(item, f"not valid JSON ({exc.msg} at column {exc.colno})")
                continue
            try:
                yield _jsonl_document(entry, item=item)
            except IngestError as exc:
                yield exc
