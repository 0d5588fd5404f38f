"""Writes to the archive. Every path that stores articles or captures (seed loader, import
command, web UI, API, admin) goes through these functions."""

import datetime as dt
import enum
from collections.abc import Sequence
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


def find_article(*, url: str, source: Source | None, title: str) -> Article | None:
    """The archived article these details identify: by canonical URL, else (for text of no
    URL) by source and title."""
    if url:
        return Article.objects.filter(url=url).first()
    return Article.objects.filter(url="", source=source, title=title).first()


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
) -> ArchiveResult:
    """Store `text` as a capture of the article identified by url (or source + title),
    creating the article if it is new. Identical text for a known article stores nothing."""
    text = normalize_text(text)
    title = " ".join(title.split())
    article = find_article(url=url, source=source, title=title)
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
        article.full_clean()
        article.save()
        outcome = Outcome.CREATED
    else:
        existing = article.captures.filter(sha256=text_sha256(text)).first()
        if existing is not None:
            return ArchiveResult(article, existing, Outcome.UNCHANGED)
    capture = add_capture(
        article=article,
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
    previous = article.captures.order_by("-captured_at", "-pk").first()
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
    capture.full_clean()
    capture.save()
    capture_added.send(sender=Capture, capture=capture, previous=previous)
    return capture
