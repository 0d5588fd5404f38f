"""Readers of files: plain text, HTML, WARC archives and JSON Lines, each turning its input
into `Document`s (or `IngestError`s naming the item that could not be read and why).

Readers never touch the database, so a dry run and the web form use exactly the same code.
"""

import datetime as dt
import json
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import trafilatura
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.dateparse import parse_date, parse_datetime

from ..models import Capture, validate_language
from ..validation import as_text
from .bounded import DamagedGzip, Members, StopReading, WarcRecords, json_too_deep
from .documents import (
    Document,
    IngestError,
    Item,
    check_storable,
    normalize_text,
    parse_text_document,
    size_limit,
    too_large,
)

logger = logging.getLogger(__name__)

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
    return check_storable(
        Document(
            item=item, title=title, text=body, origin=origin, origin_location=item, extractor="text"
        )
    )


# HTML


def _to_datetime(value: str | None) -> dt.datetime | None:
    """The moment an ISO 8601 date or date-time names, in UTC; None for anything else —
    Django's parsers raise on a well-formed impossible date ("2022-02-30"), and a moment
    beyond year 9999 once in UTC cannot be stored."""
    if not value:
        return None
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            if day is None:
                return None
            moment = dt.datetime.combine(day, dt.time())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return None


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
    most = settings.CLAIMDESK_HTML_MAX_BYTES
    if len(data) > most:
        raise IngestError(
            item, f"the HTML is larger than the {most:,}-byte limit (CLAIMDESK_HTML_MAX_BYTES)"
        )
    try:
        extracted = trafilatura.bare_extraction(data, url=url or None, with_metadata=True)
    except Exception as exc:  # the extractor's parsers on hostile markup
        logger.warning("%s: trafilatura failed", item, exc_info=True)
        raise IngestError(
            item, f"the HTML cannot be read ({type(exc).__name__}: {_why(exc)})"
        ) from None
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
    document = Document(
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
    return check_storable(document)


# WARC


def _warc_items[T](path: Path, visit: Callable[[int, Any], T | None]) -> Iterator[T | IngestError]:
    """What `visit(number, record)` makes of every record of a WARC (gzipped or not),
    numbered from 1, read within the bounds of `bounded`; an error for a record that cannot
    be read and for what stops the file. In a gzipped WARC a damaged record is skipped and
    the next one read; in an uncompressed one nothing tells where the next record starts,
    so the file ends there."""
    done = 0  # records read; the one being read is done + 1
    most = settings.CLAIMDESK_IMPORT_MAX_RECORDS
    try:
        with path.open("rb") as stream:
            members = Members(stream)
            while True:
                try:
                    member = members.next()
                    if member is None:
                        return
                    for record in WarcRecords(member):
                        if done >= most:
                            yield IngestError(
                                str(path), f"record {done + 1}: {too_many_records(most)}"
                            )
                            return
                        result = visit(done + 1, record)
                        done += 1
                        if result is not None:
                            yield result
                except DamagedGzip as exc:
                    done += 1
                    yield IngestError(str(path), f"record {done}: {exc}")
                    members.resync()
                except StopReading as exc:
                    yield IngestError(str(path), f"record {done + 1}: {exc}")
                    return
                except Exception as exc:  # warcio raises many kinds on a damaged record
                    done += 1
                    reason = f"record {done} is not a readable WARC record: {_why(exc)}"
                    if not members.compressed:
                        yield IngestError(str(path), f"{reason}; the rest of the file was not read")
                        return
                    yield IngestError(f"{path}#{done}", reason)
                    try:
                        members.skip()
                    except DamagedGzip:
                        members.resync()
                    except StopReading as stop:
                        yield IngestError(str(path), f"record {done}: {stop}")
                        return
    except OSError as exc:
        yield IngestError(str(path), f"cannot read it: {exc.strerror or exc}")


def _why(exc: Exception) -> str:
    """What an exception says, on one line and short (warcio quotes the line it refused)."""
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def _html_response(record) -> str | None:
    """The Content-Type of a 2xx HTML response record; None for every other record."""
    if record.rec_type != "response" or record.http_headers is None:
        return None
    status = record.http_headers.get_statuscode() or ""
    content_type = record.http_headers.get_header("Content-Type") or ""
    if status.startswith("2") and content_type.lower().startswith(HTML_CONTENT_TYPES):
        return content_type
    return None


def read_warc(path: Path) -> Iterator[Item]:
    """Every HTML response record of a WARC (gzipped or not) as a document carrying the
    record's ID, target URI and date. Other records are skipped; a record that cannot be
    read is an error naming it, and the others go on (see `_warc_items`)."""

    def item_of(number: int, record) -> Item | None:
        if record.format != "warc":
            return IngestError(f"{path}#{number}", f"record {number} is not a WARC record")
        content_type = _html_response(record)
        if content_type is None:
            return None
        record_id = record.rec_headers.get_header("WARC-Record-ID") or ""
        uri = record.rec_headers.get_header("WARC-Target-URI") or ""
        item = f"{path}#{record_id or number}"
        try:
            document = _warc_document(record, item=item, uri=uri, content_type=content_type)
            document.origin_location = f"{path} {uri}".strip()
            return document
        except IngestError as exc:
            return exc
        except (StopReading, DamagedGzip):
            raise  # the file's, not only this record's
        except Exception as exc:  # a damaged payload (its chunked encoding, its encoding)
            return IngestError(item, f"record {number}'s page cannot be read: {_why(exc)}")

    return _warc_items(path, item_of)


def _warc_document(record, *, item: str, uri: str, content_type: str) -> Document:
    # Read no more than the limit allows; the iterator skips the rest.
    payload = record.content_stream().read(size_limit() + 1)
    if len(payload) > size_limit():
        raise IngestError(item, too_large("the record's page"))
    checked = record.digest_checker.passed
    has_digest = bool(record.rec_headers.get_header("WARC-Payload-Digest"))
    # A digest that could not be checked means the record ended early.
    if checked is False or (checked is None and has_digest):
        raise IngestError(
            item,
            "the record does not match its digest (damaged or truncated): "
            + "; ".join(map(str, record.digest_checker.problems)),
        )
    document = parse_html(
        payload, item=item, url=uri, origin=Capture.Origin.WARC, content_type=content_type
    )
    document.warc_record_id = record.rec_headers.get_header("WARC-Record-ID") or ""
    document.captured_at = _to_datetime(record.rec_headers.get_header("WARC-Date"))
    return check_storable(document)


def count_warc(path: Path) -> int:
    """How many items read_warc yields, without reading any page (a record that fails its
    digest or has no text counts as the item it is)."""

    def counted(number: int, record) -> int | None:
        if record.format != "warc" or _html_response(record) is not None:
            return 1
        return None

    return sum(1 for _ in _warc_items(path, counted))


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
    document = Document(
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
    return check_storable(document)


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
    """One article per non-blank line; a bad line is an error naming path:line (and the
    field or the limit), and the other lines go on. At most CLAIMDESK_IMPORT_MAX_RECORDS
    lines are read."""
    most = settings.CLAIMDESK_IMPORT_MAX_RECORDS
    try:
        with path.open("rb") as stream:
            for number, line in enumerate(_bounded_lines(stream), start=1):
                item = f"{path}:{number}"
                if number > most:
                    yield IngestError(item, too_many_records(most))
                    return
                if line is None:
                    yield IngestError(item, too_large("the line"))
                elif line.strip():
                    yield _jsonl_item(line, item=item)
    except OSError as exc:
        yield IngestError(str(path), f"cannot read it: {exc.strerror or exc}")


def too_many_records(most: int) -> str:
    return (
        f"the file holds more than {most:,} lines or records (CLAIMDESK_IMPORT_MAX_RECORDS); "
        "the rest of it was not read"
    )


def _jsonl_item(line: bytes, *, item: str) -> Item:
    """The document one JSON Lines line holds, or the error saying why it holds none."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return IngestError(
            item, f"not UTF-8 text (byte 0x{line[exc.start]:02x} at offset {exc.start})"
        )
    depth = settings.CLAIMDESK_JSON_MAX_DEPTH
    too_deep = IngestError(
        item, f"the JSON is nested more than {depth} levels deep (CLAIMDESK_JSON_MAX_DEPTH)"
    )
    if json_too_deep(text, depth):
        return too_deep
    try:
        entry = json.loads(text)
    except json.JSONDecodeError as exc:
        return IngestError(item, f"not valid JSON ({exc.msg} at column {exc.colno})")
    except RecursionError:
        return too_deep
    except ValueError as exc:  # a number longer than Python converts
        return IngestError(item, f"not valid JSON ({_why(exc)})")
    try:
        return _jsonl_document(entry, item=item)
    except IngestError as exc:
        return exc


def count_jsonl(path: Path) -> int:
    """How many items read_jsonl yields, without parsing a line."""
    most = settings.CLAIMDESK_IMPORT_MAX_RECORDS
    count = 0
    with path.open("rb") as stream:
        for number, line in enumerate(_bounded_lines(stream), start=1):
            if number > most:
                return count + 1
            if line is None or line.strip():
                count += 1
    return count
