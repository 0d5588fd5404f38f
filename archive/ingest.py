"""Reading articles from the outside world: plain-text and HTML files, WARC archives, JSON Lines
and live URLs. Each reader turns its input into `Document`s (or `IngestError`s naming the
item that could not be read and why); `archive.services.archive_document` stores them.

Readers never touch the database, so a dry run and the web form use exactly the same code.
"""

import datetime as dt
import glob
import ipaddress
import json
import re
import socket
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import trafilatura
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import DatabaseError, transaction
from django.utils.dateparse import parse_date, parse_datetime
from warcio.archiveiterator import ArchiveIterator

from .models import Article, Capture, Source, validate_language
from .services import (
    LOOKUP,
    ArchiveResult,
    Lookup,
    archive_article,
    article_key,
    find_articles,
    normalize_text,
    parse_text_document,
)

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
WARC_SUFFIXES = (".warc", ".warc.gz")
JSONL_SUFFIXES = (".jsonl",)
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + WARC_SUFFIXES + JSONL_SUFFIXES
HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")
HTML_LANG_RE = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.IGNORECASE)
USER_AGENT = "Claimdesk/0.1 (news archive)"

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


class IngestError(Exception):
    """One input item that could not be read; `item` names it (path, path:line, URL, WARC
    record) and `reason` says why."""

    def __init__(self, item: str, reason: str):
        self.item = item
        self.reason = reason
        super().__init__(f"{item}: {reason}")


@dataclass
class Document:
    """An article as read from one input item, ready to be archived."""

    item: str  # names the input in messages
    title: str
    text: str
    origin: str
    url: str = ""
    source_slug: str = ""
    language: str = ""
    authors: list[str] = field(default_factory=list)
    published_at: dt.datetime | None = None
    captured_at: dt.datetime | None = None
    raw: bytes = b""
    raw_content_type: str = ""
    origin_location: str = ""
    warc_record_id: str = ""
    extractor: str = ""
    redirects: list[str] = field(default_factory=list)


Item = Document | IngestError


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
        raise IngestError(item, " ".join(exc.messages)) from None
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
                payload = record.content_stream().read()
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
            raise bad("language", " ".join(exc.messages)) from None
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


def read_jsonl(path: Path) -> Iterator[Item]:
    """One article per non-blank line; a bad line is an error naming path:line and field."""
    with path.open("rb") as stream:
        for number, line in enumerate(stream, start=1):
            item = f"{path}:{number}"
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


# URLs


def refuse_private_addresses(request: httpx.Request) -> None:
    """Refuse a request (the first or a redirect) whose host resolves to a loopback, private,
    link-local or otherwise non-public address, unless CLAIMDESK_FETCH_ALLOW_PRIVATE is set:
    a URL typed by a user must not reach the servers behind ours."""
    if settings.CLAIMDESK_FETCH_ALLOW_PRIVATE:
        return
    host = request.url.host
    try:
        infos = socket.getaddrinfo(host, request.url.port or 80, proto=socket.IPPROTO_TCP)
    except OSError:
        raise httpx.ConnectError(f"cannot resolve host {host}", request=request) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            raise PrivateAddressError(str(request.url), host, address)


class PrivateAddressError(httpx.HTTPError):
    def __init__(self, url: str, host: str, address: ipaddress._BaseAddress):
        super().__init__(f"{host} is a non-public address ({address}); fetching it is not allowed")


def fetch_url(url: str, *, client: httpx.Client | None = None) -> Document:
    """Fetch an HTML page (following redirects, which are recorded), within the configured
    timeout and size limit, and extract its article."""
    limit = settings.CLAIMDESK_FETCH_MAX_BYTES
    timeout = settings.CLAIMDESK_FETCH_TIMEOUT
    own_client = client is None
    client = client or httpx.Client(
        follow_redirects=True,
        max_redirects=10,
        timeout=timeout,
        headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml"},
        event_hooks={"request": [refuse_private_addresses]},
    )
    try:
        with client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise IngestError(url, f"the server answered HTTP {response.status_code}")
            content_type = response.headers.get("Content-Type", "")
            if not content_type.lower().startswith(HTML_CONTENT_TYPES):
                raise IngestError(
                    url, f"not an HTML page (Content-Type: {content_type or 'none given'})"
                )
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise IngestError(url, f"the page is larger than the {limit:,}-byte limit")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise IngestError(url, f"the page is larger than the {limit:,}-byte limit")
                chunks.append(chunk)
            final_url = str(response.url)
            redirects = [str(r.url) for r in response.history]
    except httpx.TimeoutException:
        raise IngestError(url, f"no answer within {timeout} seconds") from None
    except httpx.TooManyRedirects:
        raise IngestError(url, "too many redirects") from None
    except PrivateAddressError as exc:
        raise IngestError(url, str(exc)) from None
    except httpx.HTTPError as exc:
        raise IngestError(url, f"could not fetch it: {exc or type(exc).__name__}") from None
    finally:
        if own_client:
            client.close()
    document = parse_html(
        b"".join(chunks),
        item=url,
        url=final_url,
        origin=Capture.Origin.URL,
        content_type=content_type,
    )
    document.origin_location = url
    document.redirects = redirects
    return document


# Inputs


def is_url(value: str) -> bool:
    return urlsplit(value).scheme in ("http", "https")


def kind_of(path: Path) -> str | None:
    name = path.name.lower()
    for kind, suffixes in (
        ("text", TEXT_SUFFIXES),
        ("html", HTML_SUFFIXES),
        ("warc", WARC_SUFFIXES),
        ("jsonl", JSONL_SUFFIXES),
    ):
        if name.endswith(suffixes):
            return kind
    return None


def expand_inputs(arguments: Iterable[str]) -> list[str | Path | IngestError]:
    """Files, the supported files inside folders (recursively), glob matches and URLs, in
    the order given; what does not exist is an error naming it."""
    inputs: list[str | Path | IngestError] = []
    for argument in arguments:
        if is_url(argument):
            inputs.append(argument)
            continue
        path = Path(argument)
        if path.is_dir():
            inputs.extend(
                p for p in sorted(path.rglob("*")) if p.is_file() and kind_of(p) is not None
            )
        elif path.is_file():
            inputs.append(path)
        elif glob.has_magic(argument):
            matches = sorted(Path(p) for p in glob.glob(argument, recursive=True))
            files = [p for p in matches if p.is_file() and kind_of(p) is not None]
            inputs.extend(files or [IngestError(argument, "no supported file matches")])
        else:
            inputs.append(IngestError(argument, "no such file, folder or URL"))
    return inputs


def read_input(value: str | Path | IngestError) -> Iterator[Item]:
    """The documents (or errors) one input yields."""
    if isinstance(value, IngestError):
        yield value
        return
    if isinstance(value, str):
        try:
            yield fetch_url(value)
        except IngestError as exc:
            yield exc
        return
    kind = kind_of(value)
    if kind == "warc":
        yield from read_warc(value)
        return
    if kind == "jsonl":
        yield from read_jsonl(value)
        return
    if kind is None:
        yield IngestError(
            str(value), f"unsupported file type; expected one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
        return
    try:
        data = value.read_bytes()
        if kind == "text":
            yield parse_text(data, item=str(value))
        else:
            yield parse_html(data, item=str(value))
    except OSError as exc:
        yield IngestError(str(value), f"cannot read it: {exc.strerror or exc}")
    except IngestError as exc:
        yield exc


# Language


# Characters of a text that language detection reads.
DETECTION_CHARS = 1000


@cache
def _detector(codes: tuple[str, ...]):
    """Built once per process and language set (it loads language models), for the
    languages that lingua knows."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = []
    for code in codes:
        try:
            languages.append(Language.from_iso_code_639_1(IsoCode639_1.from_str(code)))
        except ValueError:
            continue  # lingua does not know every language (Kyrgyz, for one)
    if len(languages) < 2:
        return None
    return LanguageDetectorBuilder.from_languages(*languages).build()


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the text's language among CLAIMDESK_LANGUAGES, or "" when it
    cannot be told."""
    return detect_languages([text])[0]


def detect_languages(texts: Sequence[str]) -> list[str]:
    """detect_language for many texts, detected in parallel."""
    if len(settings.CLAIMDESK_LANGUAGES) == 1:
        return [settings.CLAIMDESK_LANGUAGES[0]] * len(texts)
    detector = _detector(tuple(settings.CLAIMDESK_LANGUAGES))
    if detector is None:
        return [""] * len(texts)
    # The opening tells the language as well as the whole text does, at a fraction of the
    # cost (detection time grows with the length).
    openings = [text[:DETECTION_CHARS] for text in texts]
    if len(openings) == 1:
        languages = [detector.detect_language_of(openings[0])]
    else:
        languages = detector.detect_languages_in_parallel_of(openings)
    return [language.iso_code_639_1.name.lower() if language else "" for language in languages]


# Storing

# Items stored per transaction by archive_documents (each in its own savepoint), and the
# text and raw bytes a batch may hold in memory before it is stored.
BATCH_ITEMS = 200
BATCH_BYTES = 32 * 1024 * 1024


class DryRunRollback(Exception):
    """Undoes a dry run's writes once its outcome is known."""


class SourceResolver:
    """`resolve_source` for many documents: each slug and host is looked up once."""

    def __init__(self, source: Source | None = None):
        self.source = source
        self._found: dict[tuple[str, str], Source | None] = {}

    def __call__(self, document: Document) -> Source | None:
        if self.source is not None:
            return self.source
        if document.source_slug:
            key = ("slug", document.source_slug)
            if key not in self._found:
                self._found[key] = Source.objects.filter(slug=document.source_slug).first()
            if self._found[key] is None:
                raise IngestError(
                    document.item,
                    f"field “source”: no source with the slug “{document.source_slug}”",
                )
            return self._found[key]
        host = urlsplit(document.url).hostname if document.url else None
        if not host:
            return None
        key = ("host", host)
        if key not in self._found:
            self._found[key] = Source.objects.for_host(host)
        return self._found[key]


def resolve_source(document: Document, source: Source | None = None) -> Source | None:
    """The source given, else the one the document names by slug, else the one whose domains
    include the URL's host."""
    return SourceResolver(source)(document)


def _describe(error: ValidationError) -> str:
    """A validation error as one line, naming the fields it concerns."""
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" if field != "__all__" else " ".join(messages)
            for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def archive_document(
    document: Document,
    *,
    source: Source | None = None,
    language: str = "",
    dry_run: bool = False,
    known: Article | Lookup | None = LOOKUP,
) -> ArchiveResult:
    """Store `document` through `archive_article` in its own transaction (a savepoint when
    one is open): the language given, else the document's, else detected. A dry run
    computes the outcome and stores nothing. `known` is as for archive_article, the article
    the document identifies once `source` is resolved. Raises IngestError (naming the
    item) when the archive refuses it."""
    source = resolve_source(document, source)
    language = language or document.language or detect_language(document.text)
    return _archive(document, source=source, language=language, dry_run=dry_run, known=known)


def _archive(
    document: Document,
    *,
    source: Source | None,
    language: str,
    dry_run: bool,
    known: Article | Lookup | None,
) -> ArchiveResult:
    arguments = {
        "title": document.title,
        "text": document.text,
        "origin": document.origin,
        "source": source,
        "url": document.url,
        "language": language,
        "authors": document.authors,
        "published_at": document.published_at,
        "origin_location": document.origin_location[:2000],
        "raw": document.raw,
        "raw_content_type": document.raw_content_type,
        "warc_record_id": document.warc_record_id,
        "extractor": document.extractor,
        "captured_at": document.captured_at,
        "redirects": document.redirects,
        "known": known,
    }
    result = None
    try:
        if dry_run:
            with transaction.atomic():
                result = archive_article(**arguments)
                raise DryRunRollback
        else:
            # archive_article is atomic itself: its savepoint is the item's.
            result = archive_article(**arguments)
    except DryRunRollback:
        pass
    except ValidationError as exc:
        raise IngestError(document.item, _describe(exc)) from None
    except DatabaseError as exc:
        raise IngestError(document.item, f"the database refused it: {exc}") from None
    return result


def archive_documents(
    items: Iterable[Item],
    *,
    source: Source | None = None,
    language: str = "",
    dry_run: bool = False,
) -> Iterator[tuple[Item, ArchiveResult | IngestError]]:
    """Store documents as archive_document does, each item atomically (a failure changes
    nothing and the others go on), but BATCH_ITEMS at a time: one transaction per batch
    with a savepoint per item, the batch's known articles found in one or two queries, and
    each source looked up once. Yields every item with its result (or the error naming it)
    in order, once its batch is committed."""
    resolve = SourceResolver(source)
    batch: list[Item] = []
    size = 0
    for item in items:
        batch.append(item)
        if isinstance(item, Document):
            size += len(item.text) + len(item.raw)
        if len(batch) >= BATCH_ITEMS or size >= BATCH_BYTES:
            yield from _archive_batch(batch, resolve, language=language, dry_run=dry_run)
            batch, size = [], 0
    if batch:
        yield from _archive_batch(batch, resolve, language=language, dry_run=dry_run)


def _archive_batch(
    batch: list[Item], resolve: SourceResolver, *, language: str, dry_run: bool
) -> list[tuple[Item, ArchiveResult | IngestError]]:
    outcomes: list[tuple[Item, ArchiveResult | IngestError]] = []
    sources: dict[int, Source | None] = {}
    for index, item in enumerate(batch):
        if isinstance(item, Document):
            try:
                sources[index] = resolve(item)
            except IngestError as exc:
                batch[index] = exc
    keys = {
        index: article_key(url=batch[index].url, source=source, title=batch[index].title)
        for index, source in sources.items()
    }
    known = find_articles(keys.values())
    languages = {index: language or batch[index].language for index in sources}
    undeclared = [index for index, code in languages.items() if not code]
    for index, detected in zip(
        undeclared, detect_languages([batch[index].text for index in undeclared]), strict=True
    ):
        languages[index] = detected
    with transaction.atomic():
        for index, item in enumerate(batch):
            if isinstance(item, IngestError):
                outcomes.append((item, item))
                continue
            try:
                result = _archive(
                    item,
                    source=sources[index],
                    language=languages[index],
                    dry_run=dry_run,
                    known=known[keys[index]],
                )
            except IngestError as exc:
                outcomes.append((item, exc))
                continue
            if not dry_run:
                # Later items of the batch may be captures of the same article.
                known[keys[index]] = result.article
            outcomes.append((item, result))
    return outcomes
