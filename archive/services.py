"""Writes to the archive. Every path that stores articles or captures (seed loader, import
command, web UI, API, admin) goes through these functions."""

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Article, Capture, Source, text_sha256
from .signals import capture_added


class Outcome(enum.StrEnum):
    CREATED = "created"  # a new article with its first capture
    NEW_CAPTURE = "new capture"  # a known article whose text changed
    UNCHANGED = "unchanged"  # a known article with identical text: nothing stored


@dataclass(frozen=True)
class ArchiveResult:
    article: Article
    capture: Capture
    outcome: Outcome


def normalize_text(text: str) -> str:
    """Line endings unified and surrounding blank lines dropped; everything else is kept
    exactly (typographic quotes, accents, non-breaking spaces)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(line.rstrip() for line in lines)


def parse_text_document(content: str) -> tuple[str, str]:
    """Split a plain-text article into (title, body): the first line is the title, and a
    repeat of the title as the first body line is dropped."""
    content = normalize_text(content)
    if not content:
        raise ValidationError("The file is empty: expected a title line followed by the text.")
    title, _, rest = content.partition("\n")
    body = normalize_text(rest)
    first, _, after = body.partition("\n")
    if first.strip() == title.strip():
        body = normalize_text(after)
    if not body:
        raise ValidationError("The file has a title line but no text after it.")
    return title.strip(), body


def article_key(*, url: str, source: Source | None, title: str) -> tuple:
    """What identifies an article: its canonical URL, else (text of no URL) its source and
    title (whitespace collapsed, as archive_article stores it)."""
    if url:
        return ("url", url)
    return ("title", source.pk if source else None, " ".join(title.split()))


def find_article(*, url: str, source: Source | None, title: str) -> Article | None:
    """The archived article these details identify: by canonical URL, else (for text of no
    URL) by source and title."""
    if url:
        return Article.objects.filter(url=url).first()
    return Article.objects.filter(url="", source=source, title=title).first()


def find_articles(keys: Iterable[tuple]) -> dict[tuple, Article | None]:
    """`find_article` for many `article_key`s at once, in at most two queries: every key maps
    to its article, or to None when none is archived."""
    keys = set(keys)
    found: dict[tuple, Article | None] = dict.fromkeys(keys)
    urls = [key[1] for key in keys if key[0] == "url"]
    titles = {key[2] for key in keys if key[0] == "title"}
    if urls:
        for article in Article.objects.filter(url__in=urls):
            found[("url", article.url)] = article
    if titles:
        # The default ordering, so that the first match per key is find_article's.
        for article in Article.objects.filter(url="", title__in=titles):
            key = ("title", article.source_id, article.title)
            if key in found and found[key] is None:
                found[key] = article
    return found


class Lookup(enum.Enum):
    """`archive_article(known=LOOKUP)`: find the article in the database."""

    LOOKUP = "look it up"


LOOKUP = Lookup.LOOKUP


@transaction.atomic
def archive_article(
    *,
    title: str,
    text: str,
    origin: str,
    source: Source | None = None,
    url: str = "",
    language: str = "",
    authors: Sequence[str] = (),
    published_at: dt.datetime | None = None,
    origin_location: str = "",
    raw: bytes = b"",
    raw_content_type: str = "",
    warc_record_id: str = "",
    extractor: str = "",
    captured_at: dt.datetime | None = None,
    redirects: Sequence[str] = (),
    known: Article | Lookup | None = LOOKUP,
) -> ArchiveResult:
    """Store `text` as a capture of the article identified by url (or source + title),
    creating the article if it is new. Identical text for a known article stores nothing.
    `known` is the article those details identify (None: not archived) when the caller
    has already found it (`find_articles`); by default it is looked up."""
    text = normalize_text(text)
    title = " ".join(title.split())
    article = find_article(url=url, source=source, title=title) if known is LOOKUP else known
    outcome = Outcome.NEW_CAPTURE
    if article is None:
        article = Article(
            source=source,
            url=url,
            title=title,
            authors=list(authors),
            published_at=published_at,
            language=language or (source.language if source else ""),
        )
        # The lookup above covers the unique URL, and field validation the non-empty
        # title, so the constraints' own validation (a query each) is not needed.
        article.full_clean(validate_constraints=False)
        article.save()
        outcome = Outcome.CREATED
        previous = None
    else:
        existing = article.captures.filter(sha256=text_sha256(text)).first()
        if existing is not None:
            return ArchiveResult(article, existing, Outcome.UNCHANGED)
        previous = latest_capture(article)
    capture = _store_capture(
        article=article,
        previous=previous,
        # No capture of the article has this text (just checked, or the article is new).
        validate_constraints=False,
        text=text,
        origin=origin,
        origin_location=origin_location,
        raw=raw,
        raw_content_type=raw_content_type,
        warc_record_id=warc_record_id,
        extractor=extractor,
        captured_at=captured_at,
        redirects=redirects,
    )
    return ArchiveResult(article, capture, outcome)


def latest_capture(article: Article) -> Capture | None:
    return article.captures.order_by("-captured_at", "-pk").first()


@transaction.atomic
def add_capture(
    *,
    article: Article,
    text: str,
    origin: str,
    origin_location: str = "",
    raw: bytes = b"",
    raw_content_type: str = "",
    warc_record_id: str = "",
    extractor: str = "",
    captured_at: dt.datetime | None = None,
    redirects: Sequence[str] = (),
) -> Capture:
    """Store a new capture of `article` and announce it (`capture_added`), so that claims
    anchored in earlier captures follow the text. Refuses text identical to a stored
    capture of the same article."""
    return _store_capture(
        article=article,
        previous=latest_capture(article),
        validate_constraints=True,
        text=text,
        origin=origin,
        origin_location=origin_location,
        raw=raw,
        raw_content_type=raw_content_type,
        warc_record_id=warc_record_id,
        extractor=extractor,
        captured_at=captured_at,
        redirects=redirects,
    )


def _store_capture(
    *,
    article: Article,
    previous: Capture | None,
    validate_constraints: bool,
    text: str,
    origin: str,
    origin_location: str,
    raw: bytes,
    raw_content_type: str,
    warc_record_id: str,
    extractor: str,
    captured_at: dt.datetime | None,
    redirects: Sequence[str],
) -> Capture:
    """Validate, save and announce a capture; the caller holds the transaction. Without
    `validate_constraints`, the caller vouches that the article is stored and that none of
    its captures has this text (the check constraints are covered by field validation: text
    required, origin a choice)."""
    capture = Capture(
        article=article,
        text=normalize_text(text),
        origin=origin,
        origin_location=origin_location,
        raw=raw,
        raw_content_type=raw_content_type,
        warc_record_id=warc_record_id,
        extractor=extractor,
        redirects=list(redirects),
    )
    if captured_at is not None:
        capture.captured_at = captured_at
    if validate_constraints:
        capture.full_clean()
    else:
        # The caller found or created the article in this transaction, so its foreign key
        # needs no query either. (Excluding it would also skip the unique text constraint,
        # hence only here.)
        capture.full_clean(exclude=["article"], validate_constraints=False)
    capture.save()
    capture_added.send(sender=Capture, capture=capture, previous=previous)
    return capture
